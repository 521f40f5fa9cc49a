"""Booking, cancelling, moving and reminding: the services, on the real database."""

import threading
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from dashboard.clinic_time import SkippedTime, clinic_datetime, clinic_when, clinic_zone, local_to_utc
from dashboard.extensions import db
from dashboard.models import (
    Appointment,
    AppointmentStatus,
    EmailMessage,
    EmailStatus,
    Notification,
    RequestStatus,
    Slot,
    SlotStatus,
    User,
)
from dashboard.models.base import utcnow
from dashboard.services import ServiceError, appointments, reminders, slots
from dashboard.services.appointments import SlotTaken
from tests.factories import make_patient, make_slot, practitioner_of


def emails(kind: str | None = None, status: str | None = None) -> list[EmailMessage]:
    query = select(EmailMessage).order_by(EmailMessage.id)
    if kind:
        query = query.where(EmailMessage.kind == kind)
    if status:
        query = query.where(EmailMessage.status == status)
    db.session.expire_all()
    return list(db.session.scalars(query))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def clinic(app, people):
    """drwho's practitioner profile, two open slots of theirs, a patient, and the desk user sam."""
    practitioner = practitioner_of(people["practitioner"])
    return {
        "practitioner": practitioner,
        "slot": make_slot(practitioner, starts_in=timedelta(days=2)),
        "other_slot": make_slot(practitioner, starts_in=timedelta(days=3)),
        "patient": make_patient("Aroha", "Ngata"),
        "sam": people["staff"],
    }


def book(clinic, slot=None, **kwargs) -> appointments.Booked:
    return appointments.book(
        patient_id=clinic["patient"].id, slot_id=(slot or clinic["slot"]).id, by_user=clinic["sam"], **kwargs
    )


# ------------------------------------------------------------------ booking


def test_booking_claims_the_slot_and_tells_the_patient_and_the_desk(clinic, people):
    appointment = book(clinic, reason="Check-up").appointment
    assert appointment.status == AppointmentStatus.CONFIRMED
    assert db.session.get(Slot, clinic["slot"].id).status == SlotStatus.BOOKED

    [confirmation] = emails("appointment_confirmation")
    assert confirmation.to_addrs == clinic["patient"].email
    assert confirmation.appointment_id == appointment.id and confirmation.patient_id == clinic["patient"].id
    assert "Check-up" in confirmation.html and "Aroha" in confirmation.text
    [invitation] = confirmation.attachments
    assert invitation.filename == "appointment.ics"
    assert appointment.starts_at.strftime("DTSTART:%Y%m%dT%H%M00Z").encode() in invitation.data

    # All staff and the owner hear of it (bell and email), and so does the practitioner.
    told = {n.user_id for n in db.session.scalars(select(Notification))}
    assert told == {people["owner"].id, people["staff"].id, people["practitioner"].id}
    notices = emails("new_appointment_notice")
    assert sorted(n.to_addrs for n in notices) == sorted(p.email for p in people.values())
    assert all("Aroha Ngata" in n.html and "Sam Person" in n.html for n in notices)


def test_a_taken_slot_is_refused_with_the_other_open_times(clinic):
    book(clinic)
    other = make_patient("Ben")
    with pytest.raises(SlotTaken, match="just taken") as refused:
        appointments.book(patient_id=other.id, slot_id=clinic["slot"].id, by_user=clinic["sam"])
    assert [s.id for s in refused.value.alternatives] == [clinic["other_slot"].id]
    assert count(Appointment) == 1
    assert len(emails("appointment_confirmation")) == 1


def test_blocked_and_past_slots_cannot_be_booked(clinic):
    blocked = make_slot(clinic["practitioner"], starts_in=timedelta(days=4), status=SlotStatus.BLOCKED)
    with pytest.raises(SlotTaken, match="blocked"):
        book(clinic, slot=blocked)
    past = make_slot(clinic["practitioner"], starts_in=timedelta(hours=-2))
    with pytest.raises(ServiceError, match="already passed"):
        book(clinic, slot=past)
    assert count(Appointment) == 0 and emails() == []


def test_the_same_form_posted_twice_books_once(clinic):
    first = book(clinic, request_key="form-token-1")
    second = book(clinic, request_key="form-token-1")
    assert not first.repeated and second.repeated
    assert second.appointment.id == first.appointment.id
    assert count(Appointment) == 1 and len(emails("appointment_confirmation")) == 1


def test_twenty_simultaneous_bookings_of_one_slot_make_one_appointment(app, clinic):
    patients = [make_patient(f"Racer{i}").id for i in range(20)]
    slot_id, sam_id = clinic["slot"].id, clinic["sam"].id
    start = threading.Barrier(len(patients))
    outcomes: list[str] = []

    def attempt(patient_id: int) -> None:
        with app.app_context():
            user = db.session.get(User, sam_id)
            db.session.commit()  # hand the connection back: the pool has fewer than 20
            start.wait(timeout=30)
            try:
                appointments.book(patient_id=patient_id, slot_id=slot_id, by_user=user)
                outcomes.append("booked")
            except SlotTaken:
                outcomes.append("taken")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(p,)) for p in patients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["booked"] + ["taken"] * 19
    assert count(Appointment) == 1
    assert len(emails("appointment_confirmation")) == 1


def test_a_time_outside_the_schedule_is_booked_unless_it_overlaps(clinic):
    day = (utcnow() + timedelta(days=5)).astimezone(clinic_zone()).date()
    booked = appointments.book(
        patient_id=clinic["patient"].id,
        practitioner_id=clinic["practitioner"].id,
        day=day,
        start=time(7, 0),
        end=time(7, 20),
        by_user=clinic["sam"],
    ).appointment
    assert booked.slot.status == SlotStatus.BOOKED and booked.slot.minutes == 20
    with pytest.raises(ServiceError, match="already has a slot"):
        appointments.book(
            patient_id=make_patient().id,
            practitioner_id=clinic["practitioner"].id,
            day=day,
            start=time(7, 10),
            end=time(7, 40),
            by_user=clinic["sam"],
        )
    assert count(Appointment) == 1


def test_a_practitioner_books_only_into_their_own_slots(clinic, people):
    from dashboard.services.users import create_user

    other_user = create_user(
        username="drno", email="drno@clinic.example.org", full_name="Dr No", role="practitioner",
        password="password-1234", specialty="Dentistry",
    )  # fmt: skip
    theirs = make_slot(practitioner_of(other_user))
    with pytest.raises(ServiceError, match="own schedule"):
        appointments.book(patient_id=clinic["patient"].id, slot_id=theirs.id, by_user=people["practitioner"])
    assert count(Appointment) == 0


# ------------------------------------------------------------------ cancelling


def test_cancelling_frees_the_slot_and_tells_the_patient_who_and_why(clinic):
    appointment = book(clinic).appointment
    appointments.cancel(appointment.id, by_user=clinic["sam"], reason="Dr Who is unwell.")
    assert appointment.status == AppointmentStatus.CANCELLED
    assert db.session.get(Slot, clinic["slot"].id).status == SlotStatus.OPEN
    [cancelled] = emails("appointment_cancelled")
    assert "Dr Who is unwell." in cancelled.text and "Sam Person" in cancelled.text

    with pytest.raises(ServiceError, match="already cancelled"):
        appointments.cancel(appointment.id, by_user=clinic["sam"], reason="again")
    assert len(emails("appointment_cancelled")) == 1

    # The freed slot can be booked again.
    assert book(clinic).appointment.status == AppointmentStatus.CONFIRMED


def test_a_cancellation_needs_a_reason(clinic):
    appointment = book(clinic).appointment
    with pytest.raises(ServiceError, match="reason"):
        appointments.cancel(appointment.id, by_user=clinic["sam"], reason="  ")
    assert db.session.get(Appointment, appointment.id).status == AppointmentStatus.CONFIRMED


def test_staff_who_turned_the_notice_email_off_get_only_the_bell(clinic, people):
    from dashboard.notify import in_app

    in_app.set_email_preference(people["staff"].id, "new_appointment_notice", False)
    db.session.commit()
    book(clinic)
    assert people["staff"].email not in {n.to_addrs for n in emails("new_appointment_notice")}
    assert db.session.scalar(select(Notification).where(Notification.user_id == people["staff"].id))


@pytest.mark.config(PATIENT_EMAIL_GRACE_MINUTES=10)
def test_booked_then_cancelled_within_the_grace_period_sends_the_patient_nothing(clinic):
    appointment = book(clinic).appointment
    [held] = emails("appointment_confirmation")
    assert held.next_attempt_at > utcnow() + timedelta(minutes=9)
    appointments.cancel(appointment.id, by_user=clinic["sam"], reason="Booked the wrong patient")
    patient_mail = [m for m in emails() if m.to_addrs == clinic["patient"].email]
    assert [(m.kind, m.status) for m in patient_mail] == [("appointment_confirmation", EmailStatus.CANCELLED)]


@pytest.mark.config(PATIENT_EMAIL_GRACE_MINUTES=10)
def test_after_the_grace_period_a_cancellation_is_emailed(clinic):
    appointment = book(clinic).appointment
    [confirmation] = emails("appointment_confirmation")
    confirmation.status = EmailStatus.SENT  # it went out when its grace period ended
    db.session.commit()
    appointments.cancel(appointment.id, by_user=clinic["sam"], reason="Clinic closed")
    assert len(emails("appointment_cancelled")) == 1


def test_pending_requests_are_confirmed_once(clinic):
    appointment = book(clinic, confirmed=False).appointment
    assert appointment.status == AppointmentStatus.PENDING and emails("appointment_confirmation") == []
    assert db.session.get(Slot, clinic["slot"].id).status == SlotStatus.BOOKED  # the request holds it
    appointments.confirm(appointment.id, clinic["sam"])
    with pytest.raises(ServiceError, match="not awaiting confirmation"):
        appointments.confirm(appointment.id, clinic["sam"])
    assert len(emails("appointment_confirmation")) == 1


# ------------------------------------------------------------------ moving


def test_an_approved_reschedule_moves_the_appointment_and_frees_the_old_slot(clinic):
    appointment = book(clinic).appointment
    old_start = appointment.starts_at
    request = appointments.request_reschedule(appointment.id, note="Mornings", by_user=clinic["sam"])
    with pytest.raises(ServiceError, match="already a request"):
        appointments.request_reschedule(appointment.id, note="again", by_user=clinic["sam"])

    moved = appointments.approve_reschedule(request.id, clinic["other_slot"].id, clinic["sam"])
    assert moved.starts_at == clinic["other_slot"].starts_at
    assert db.session.get(Slot, clinic["slot"].id).status == SlotStatus.OPEN
    assert db.session.get(Slot, clinic["other_slot"].id).status == SlotStatus.BOOKED
    [approved] = emails("reschedule_approved")
    assert clinic_datetime(old_start) in approved.text  # the old time is shown, as the email words it
    with pytest.raises(ServiceError, match="already approved"):
        appointments.reject_reschedule(request.id, "too late", clinic["sam"])


def test_a_rejected_reschedule_keeps_the_original(clinic):
    appointment = book(clinic).appointment
    request = appointments.request_reschedule(appointment.id, note="Later", by_user=clinic["sam"])
    with pytest.raises(ServiceError, match="reason"):
        appointments.reject_reschedule(request.id, "", clinic["sam"])
    appointments.reject_reschedule(request.id, "No other times that week.", clinic["sam"])
    assert db.session.get(Appointment, appointment.id).slot_id == clinic["slot"].id
    [rejected] = emails("reschedule_rejected")
    assert "No other times that week." in rejected.text


def test_a_request_not_handled_before_the_appointment_expires(clinic):
    appointment = book(clinic).appointment
    request = appointments.request_reschedule(appointment.id, note="Later", by_user=clinic["sam"])
    with time_machine.travel(appointment.starts_at + timedelta(minutes=1), tick=False):
        with pytest.raises(ServiceError, match="expired"):
            appointments.approve_reschedule(request.id, clinic["other_slot"].id, clinic["sam"])
        assert appointments.pending_requests() == []
    assert db.session.get(Appointment, appointment.id).slot_id == clinic["slot"].id
    assert emails("reschedule_approved") == []
    assert db.session.get(type(request), request.id).status == RequestStatus.EXPIRED


def test_approving_into_a_taken_slot_changes_nothing(clinic):
    appointment = book(clinic).appointment
    book(clinic, slot=clinic["other_slot"])
    request = appointments.request_reschedule(appointment.id, note="", by_user=clinic["sam"])
    with pytest.raises(SlotTaken):
        appointments.approve_reschedule(request.id, clinic["other_slot"].id, clinic["sam"])
    db.session.expire_all()
    assert db.session.get(type(request), request.id).status == RequestStatus.PENDING
    assert db.session.get(Appointment, appointment.id).slot_id == clinic["slot"].id


# ------------------------------------------------------------------ reminders


def test_the_reminder_scan_twice_sends_once(clinic):
    soon = make_slot(clinic["practitioner"], starts_in=timedelta(hours=20))
    later = make_slot(clinic["practitioner"], starts_in=timedelta(hours=30))
    for slot in (soon, later):
        appointment = book(clinic, slot=slot).appointment
        appointment.scheduled_at = utcnow() - timedelta(days=3)  # booked well ahead
    db.session.commit()
    now = utcnow()
    with time_machine.travel(now, tick=False):
        assert reminders.send_appointment_reminders(24) == 1
    assert reminders.send_appointment_reminders(24) == 0
    [reminder] = emails("appointment_reminder")
    assert reminder.to_addrs == clinic["patient"].email
    assert f"is {clinic_when(soon.starts_at, now)}." in reminder.text  # "today at ..." or "tomorrow at ..."
    assert " at " in clinic_when(soon.starts_at, now) and "hours" not in clinic_when(soon.starts_at, now)
    assert len(reminder.attachments) == 1
    # A day later the other one is due, once.
    with time_machine.travel(utcnow() + timedelta(hours=10), tick=False):
        assert reminders.send_appointment_reminders(24) == 1
        assert reminders.send_appointment_reminders(24) == 0


def test_no_late_reminder_for_an_appointment_booked_inside_the_window(clinic):
    soon = make_slot(clinic["practitioner"], starts_in=timedelta(hours=5))
    book(clinic, slot=soon)  # booked 5 hours ahead: the confirmation just went; no "24 hours" reminder
    assert reminders.send_appointment_reminders(24) == 0
    assert reminders.send_appointment_reminders(2) == 0  # not due yet
    with time_machine.travel(utcnow() + timedelta(hours=4), tick=False):
        assert reminders.send_appointment_reminders(2) == 1  # the 2-hour reminder still comes


def test_cancelled_and_pending_appointments_get_no_reminder(clinic):
    soon = make_slot(clinic["practitioner"], starts_in=timedelta(hours=20))
    pending = book(clinic, slot=soon, confirmed=False).appointment
    cancelled = book(clinic).appointment
    for appointment in (pending, cancelled):
        appointment.scheduled_at = utcnow() - timedelta(days=3)
    db.session.commit()
    appointments.cancel(cancelled.id, by_user=clinic["sam"], reason="x")
    assert reminders.send_appointment_reminders(48) == 0


def test_a_moved_appointment_is_reminded_of_its_new_time(clinic):
    soon = make_slot(clinic["practitioner"], starts_in=timedelta(hours=20))
    sooner = make_slot(clinic["practitioner"], starts_in=timedelta(hours=30))
    appointment = book(clinic, slot=soon).appointment
    appointment.scheduled_at = utcnow() - timedelta(days=3)
    db.session.commit()
    assert reminders.send_appointment_reminders(48) == 1
    request = appointments.request_reschedule(appointment.id, note="", by_user=clinic["sam"])
    moved = appointments.approve_reschedule(request.id, sooner.id, clinic["sam"])
    moved.scheduled_at = utcnow() - timedelta(days=3)
    db.session.commit()
    assert reminders.send_appointment_reminders(48) == 1


# ------------------------------------------------------------------ daylight saving


def test_weekly_slots_keep_their_wall_clock_time_across_a_daylight_saving_change(app, clinic):
    # New Zealand's clocks go back an hour at 03:00 on Sunday 4 April 2027.
    with time_machine.travel(datetime(2027, 3, 15, tzinfo=UTC), tick=False):
        spans = slots.recurring_spans(
            first_day=datetime(2027, 3, 22).date(), weeks=4, weekdays={1}, start=time(9), end=time(10), minutes=60
        )
        added = slots.add_slots(clinic["practitioner"].id, spans, by_user_id=None)
    zone = clinic_zone()
    assert [s.starts_at.astimezone(zone).strftime("%a %d %b %H:%M") for s in added] == [
        "Tue 23 Mar 09:00", "Tue 30 Mar 09:00", "Tue 06 Apr 09:00", "Tue 13 Apr 09:00",
    ]  # fmt: skip
    assert [s.starts_at.hour for s in added] == [20, 20, 21, 21]  # UTC+13 before, UTC+12 after


def test_a_reminder_across_the_change_counts_real_hours_and_shows_local_time(app, clinic):
    zone = clinic_zone()
    with time_machine.travel(datetime(2027, 3, 25, tzinfo=UTC), tick=False):
        [slot] = slots.add_slots(
            clinic["practitioner"].id,
            [slots.Span(datetime(2027, 4, 4, 21, tzinfo=UTC), datetime(2027, 4, 4, 21, 30, tzinfo=UTC))],
            by_user_id=None,
        )
        book(clinic, slot=slot)
    assert slot.starts_at.astimezone(zone).strftime("%a %d %b %H:%M") == "Mon 05 Apr 09:00"
    # Saturday 09:30 (daylight time) is 48.5 real hours before: not yet.
    with time_machine.travel(datetime(2027, 4, 3, 9, 30, tzinfo=zone), tick=False):
        assert reminders.send_appointment_reminders(24) == 0
    # Sunday 09:30 (standard time, after the clocks went back) is 23.5 real hours before: due.
    with time_machine.travel(datetime(2027, 4, 4, 9, 30, tzinfo=zone), tick=False):
        assert reminders.send_appointment_reminders(24) == 1
    [reminder] = emails("appointment_reminder")
    assert "Monday 5 April 2027, 9:00 am" in reminder.text


def test_a_time_the_clocks_skip_is_refused(app, clinic):
    # Clocks spring forward from 02:00 to 03:00 on Sunday 26 September 2027.
    with pytest.raises(SkippedTime, match="does not exist"):
        local_to_utc(datetime(2027, 9, 26).date(), time(2, 30))
    with pytest.raises(ServiceError, match="does not exist"):
        slots.span_on(datetime(2027, 9, 26).date(), time(2, 30), time(3, 30))
