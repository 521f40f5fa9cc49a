"""New availability offered to the patients waiting for it: the services, on the real database."""

import re
import threading
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from dashboard import queues
from dashboard.clinic_time import clinic_zone
from dashboard.extensions import db
from dashboard.models import (
    Appointment,
    AppointmentStatus,
    EmailMessage,
    Notification,
    Offer,
    OfferStatus,
    PatientEmailPreference,
    PatientMessage,
    Slot,
    SlotStatus,
    WaitlistEntry,
)
from dashboard.models.base import utcnow
from dashboard.services import ServiceError, appointments, offers, slots, waitlist
from dashboard.services.appointments import SlotTaken
from tests.factories import make_patient, make_slot, practitioner_of


def availability_emails() -> list[EmailMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(EmailMessage).where(EmailMessage.kind == "new_availability").order_by(EmailMessage.id)
        )
    )


def offer_statuses(slot) -> dict[int, str]:
    db.session.expire_all()
    return {o.patient_id: o.status for o in db.session.scalars(select(Offer).where(Offer.slot_id == slot.id))}


@pytest.fixture
def waiting(app, people):
    """drwho with three patients on the waiting list (the second urgent), and the desk user."""
    practitioner = practitioner_of(people["practitioner"])
    patients = [make_patient(name) for name in ("Ana", "Ben", "Cleo")]
    for patient in patients:
        waitlist.add(practitioner.id, patient.id, by_user=people["staff"], urgent=patient.first_name == "Ben")
    return {"practitioner": practitioner, "patients": patients, "sam": people["staff"]}


# ------------------------------------------------------------------ who is interested


def test_the_line_is_urgent_first_then_requests_then_the_list_then_earlier(waiting, people):
    practitioner = waiting["practitioner"]
    requester, early = make_patient("Req"), make_patient("Early")
    appointments.book(
        patient_id=requester.id, slot_id=make_slot(practitioner).id, by_user=people["staff"], confirmed=False
    )
    booked = appointments.book(
        patient_id=early.id, slot_id=make_slot(practitioner, starts_in=timedelta(days=9)).id, by_user=people["staff"]
    ).appointment
    booked.wants_earlier = True
    db.session.commit()
    line = [(i.patient.first_name, i.reason) for i in offers.interested(practitioner.id)]
    assert line == [
        ("Ben", "waitlist"),
        ("Req", "request"),
        ("Ana", "waitlist"),
        ("Cleo", "waitlist"),
        ("Early", "earlier"),
    ]


def test_patients_who_unsubscribed_from_offers_are_left_out(waiting):
    ana = waiting["patients"][0]
    db.session.add(PatientEmailPreference(patient_id=ana.id, kind="new_availability", email=False))
    db.session.commit()
    assert ana.id not in {i.patient.id for i in offers.interested(waiting["practitioner"].id)}


# ------------------------------------------------------------------ everyone at once


def test_adding_slots_queues_one_fan_out_job_after_commit(waiting, people):
    day = (utcnow() + timedelta(days=3)).astimezone(clinic_zone()).date()
    spans = slots.recurring_spans(
        first_day=day, weeks=1, weekdays={day.weekday()}, start=slots.time(9), end=slots.time(11), minutes=30
    )
    added = slots.add_slots(waiting["practitioner"].id, spans, by_user_id=people["practitioner"].id)
    [job] = queues.get_queue("default").get_jobs()
    assert job.func_name == offers.FAN_OUT_JOB
    assert job.args == (waiting["practitioner"].id, sorted(s.id for s in added))
    assert availability_emails() == []  # nothing written in the request


def test_everyone_gets_one_email_with_up_to_five_times_and_a_link_each(waiting, people):
    practitioner = waiting["practitioner"]
    new = [make_slot(practitioner, starts_in=timedelta(days=2, hours=h)) for h in range(7)]
    result = offers.fan_out(practitioner.id, [s.id for s in new])
    assert result["patients"] == 3

    emails = availability_emails()
    assert sorted(e.to_addrs for e in emails) == sorted(p.email for p in waiting["patients"])
    for email in emails:
        links = re.findall(r"http://clinic\.test/p/book/[\w.-]+/(\d+)", email.text)
        assert [int(i) for i in links] == [s.id for s in new[:5]]  # the first five, in time order
        assert practitioner.name in email.html and "85" not in email.subject
        assert email.list_unsubscribe and "/p/unsubscribe/" in email.list_unsubscribe
    # Offers recorded, in the line's order (Ben is urgent).
    ranks = {o.patient_id: o.rank for o in db.session.scalars(select(Offer).where(Offer.slot_id == new[0].id))}
    ben = waiting["patients"][1]
    assert ranks[ben.id] == 0
    assert db.session.scalar(select(func.count()).select_from(Offer)) == 15
    # Each patient has a message on their page; staff have a bell entry summarising it.
    assert db.session.scalar(select(func.count()).select_from(PatientMessage)) == 3
    summary = db.session.scalar(select(Notification).where(Notification.kind == "offers_sent"))
    assert summary.title.endswith("to 3 patients (the first 5 in each email)")
    assert all(s.offered_at is not None for s in db.session.scalars(select(Slot)))


def test_a_fan_out_run_twice_sends_nothing_new(waiting):
    slot = make_slot(waiting["practitioner"])
    offers.fan_out(waiting["practitioner"].id, [slot.id])
    offers.fan_out(waiting["practitioner"].id, [slot.id])
    assert len(availability_emails()) == 3
    assert db.session.scalar(select(func.count()).select_from(Offer)) == 3


def test_nobody_waiting_and_slots_gone_are_quiet(app, people):
    practitioner = practitioner_of(people["practitioner"])
    slot = make_slot(practitioner)
    assert offers.fan_out(practitioner.id, [slot.id])["patients"] == 0
    blocked = make_slot(practitioner, starts_in=timedelta(days=4), status=SlotStatus.BLOCKED)
    assert offers.fan_out(practitioner.id, [blocked.id]) == {"slots": 0, "patients": 0}
    assert availability_emails() == []


def test_earlier_please_is_offered_only_earlier_times(app, people):
    practitioner = practitioner_of(people["practitioner"])
    patient = make_patient("Early")
    booked = appointments.book(
        patient_id=patient.id, slot_id=make_slot(practitioner, starts_in=timedelta(days=5)).id, by_user=people["staff"]
    ).appointment
    booked.wants_earlier = True
    db.session.commit()
    later = make_slot(practitioner, starts_in=timedelta(days=8))
    assert offers.fan_out(practitioner.id, [later.id])["patients"] == 0
    sooner = make_slot(practitioner, starts_in=timedelta(days=2))
    assert offers.fan_out(practitioner.id, [sooner.id])["patients"] == 1

    # Booking the earlier time moves their appointment; the old slot opens (and is offered on).
    moved = offers.book(patient.id, sooner.id).appointment
    assert moved.id == booked.id and moved.slot_id == sooner.id and not moved.wants_earlier
    assert db.session.get(Slot, booked.slot_id).status == SlotStatus.BOOKED
    sent = db.session.scalars(
        select(EmailMessage.kind).where(EmailMessage.to_addrs == patient.email).order_by(EmailMessage.id)
    ).all()
    assert sent[-1] == "reschedule_approved"


def test_unsubscribing_is_honoured_by_the_next_fan_out(waiting):
    ana = waiting["patients"][0]
    db.session.add(PatientEmailPreference(patient_id=ana.id, kind="new_availability", email=False))
    db.session.commit()
    offers.fan_out(waiting["practitioner"].id, [make_slot(waiting["practitioner"]).id])
    assert ana.email not in {e.to_addrs for e in availability_emails()}
    assert len(availability_emails()) == 2


# ------------------------------------------------------------------ booking from an offer


def test_the_first_to_book_gets_the_slot_the_next_is_shown_the_others(waiting):
    practitioner = waiting["practitioner"]
    slot, other = make_slot(practitioner), make_slot(practitioner, starts_in=timedelta(days=6))
    offers.fan_out(practitioner.id, [slot.id, other.id])
    ana, ben, cleo = waiting["patients"]

    booked = offers.book(ana.id, slot.id)
    assert booked.appointment.status == AppointmentStatus.CONFIRMED and not booked.repeated
    assert offers.book(ana.id, slot.id).repeated  # the link clicked again
    with pytest.raises(SlotTaken, match="just taken") as taken:
        offers.book(ben.id, slot.id)
    assert [s.id for s in taken.value.alternatives] == [other.id]

    statuses = offer_statuses(slot)
    assert statuses[ana.id] == OfferStatus.BOOKED
    assert statuses[ben.id] == OfferStatus.TAKEN and statuses[cleo.id] == OfferStatus.TAKEN
    # Ana's waiting-list entry ended; the desk and drwho heard she booked online.
    entry = db.session.scalar(select(WaitlistEntry).where(WaitlistEntry.patient_id == ana.id))
    assert entry.end_reason == "booked"
    notices = db.session.scalars(select(Notification).where(Notification.kind == "new_appointment_notice")).all()
    assert notices and all("Ana" in n.title for n in notices)


def test_a_slot_not_offered_to_the_patient_cannot_be_booked_by_them(waiting):
    stranger = make_patient("Zed")
    slot = make_slot(waiting["practitioner"])
    offers.fan_out(waiting["practitioner"].id, [slot.id])
    with pytest.raises(ServiceError, match="wasn't offered"):
        offers.book(stranger.id, slot.id)


def test_a_blocked_slot_withdraws_its_offers(waiting, people):
    slot = make_slot(waiting["practitioner"])
    offers.fan_out(waiting["practitioner"].id, [slot.id])
    slots.block_slot(slot.id, people["staff"])
    assert set(offer_statuses(slot).values()) == {OfferStatus.WITHDRAWN}
    with pytest.raises(ServiceError, match="no longer open"):
        offers.book(waiting["patients"][0].id, slot.id)


def test_fifty_patients_booking_one_slot_at_once_make_one_appointment(app, people):
    practitioner = practitioner_of(people["practitioner"])
    patients = [make_patient(f"Racer{i}") for i in range(50)]
    for patient in patients:
        waitlist.add(practitioner.id, patient.id, by_user=people["staff"])
    slot = make_slot(practitioner)
    offers.fan_out(practitioner.id, [slot.id])
    ids = [p.id for p in patients]
    start = threading.Barrier(len(ids))
    outcomes: list[str] = []

    def attempt(patient_id: int) -> None:
        with app.app_context():
            start.wait(timeout=30)
            try:
                offers.book(patient_id, slot.id)
                outcomes.append("booked")
            except SlotTaken:
                outcomes.append("taken")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes) == ["booked"] + ["taken"] * 49
    assert db.session.scalar(select(func.count()).select_from(Appointment)) == 1
    assert set(offer_statuses(slot).values()) == {OfferStatus.BOOKED, OfferStatus.TAKEN}


# ------------------------------------------------------------------ one at a time


@pytest.mark.config(OFFER_MODE="one_at_a_time", OFFER_HOLD_MINUTES=120)
def test_one_at_a_time_holds_the_slot_for_each_in_turn(waiting):
    practitioner = waiting["practitioner"]
    slot = make_slot(practitioner, starts_in=timedelta(days=3))
    offers.fan_out(practitioner.id, [slot.id])
    ana, ben, cleo = waiting["patients"]
    # Ben (urgent) first; only he is emailed.
    assert [e.to_addrs for e in availability_emails()] == [ben.email]
    assert "holding this time for you alone" in availability_emails()[0].text
    assert offer_statuses(slot) == {ben.id: "held", ana.id: "queued", cleo.id: "queued"}
    with pytest.raises(SlotTaken, match="held for someone else"):
        offers.book(ana.id, slot.id)

    # Ben's hold runs out: Ana is next.
    with time_machine.travel(utcnow() + timedelta(minutes=121), tick=False):
        offers.advance()
    assert offer_statuses(slot) == {ben.id: "expired", ana.id: "held", cleo.id: "queued"}
    assert [e.to_addrs for e in availability_emails()] == [ben.email, ana.email]

    # Ana says no: Cleo is next, and books.
    offers.decline(ana.id, slot.id)
    assert offer_statuses(slot)[cleo.id] == "held"
    offers.book(cleo.id, slot.id)
    assert offer_statuses(slot) == {ben.id: "expired", ana.id: "declined", cleo.id: "booked"}


# ------------------------------------------------------------------ nothing owed is forgotten


def test_a_fan_out_that_never_ran_is_sent_by_the_cron(waiting):
    slot = make_slot(waiting["practitioner"])  # written directly: no job was queued, offered_at is NULL
    assert db.session.get(Slot, slot.id).offered_at is None
    with time_machine.travel(utcnow() + timedelta(minutes=2), tick=False):
        result = offers.advance()
    assert result["late_fan_outs"] == 1
    assert len(availability_emails()) == 3
    with time_machine.travel(utcnow() + timedelta(minutes=3), tick=False):
        assert offers.advance()["late_fan_outs"] == 0


def test_a_cancellation_offers_the_freed_slot(waiting, people):
    practitioner = waiting["practitioner"]
    slot = make_slot(practitioner)
    slot.offered_at = utcnow()
    db.session.commit()
    booked = appointments.book(patient_id=make_patient("Who").id, slot_id=slot.id, by_user=people["staff"])
    queues.get_queue("default").empty()
    appointments.cancel(booked.appointment.id, by_user=people["staff"], reason="Unwell")
    [job] = queues.get_queue("default").get_jobs()
    assert job.func_name == offers.FAN_OUT_JOB and job.args == (practitioner.id, [slot.id])


def test_a_slot_opened_again_is_offered_anew_and_old_links_work_again(waiting, people):
    slot = make_slot(waiting["practitioner"])
    offers.fan_out(waiting["practitioner"].id, [slot.id])
    slots.block_slot(slot.id, people["staff"])
    assert set(offer_statuses(slot).values()) == {OfferStatus.WITHDRAWN}
    with time_machine.travel(utcnow() + timedelta(minutes=5), tick=False):
        slots.unblock_slot(slot.id, people["staff"])
        offers.fan_out(waiting["practitioner"].id, [slot.id])
    assert len(availability_emails()) == 6  # each patient told again
    assert set(offer_statuses(slot).values()) == {OfferStatus.OFFERED}
    assert offers.book(waiting["patients"][0].id, slot.id).appointment.slot_id == slot.id


@pytest.mark.config(OFFER_MODE="one_at_a_time", OFFER_HOLD_MINUTES=30)
def test_a_hold_that_ran_out_cannot_be_used_even_before_the_cron_passes_it_on(waiting):
    slot = make_slot(waiting["practitioner"], starts_in=timedelta(days=3))
    offers.fan_out(waiting["practitioner"].id, [slot.id])
    ben = waiting["patients"][1]
    later = time_machine.travel(utcnow() + timedelta(minutes=31), tick=False)
    with later, pytest.raises(SlotTaken, match="held for someone else"):
        offers.book(ben.id, slot.id)
    assert offer_statuses(slot)[ben.id] == OfferStatus.EXPIRED
    assert offer_statuses(slot)[waiting["patients"][0].id] == OfferStatus.HELD  # passed on at once


@pytest.mark.config(OFFER_MODE="one_at_a_time", OFFER_HOLD_MINUTES=30)
def test_a_hold_passed_on_again_after_the_slot_reopens_is_told_again(waiting, people):
    """The same offer can be held twice (its hold ran out, then the slot was freed again and
    came round to them once more): each hold is news to the patient."""
    practitioner = waiting["practitioner"]
    slot = make_slot(practitioner, starts_in=timedelta(days=3))
    ana, ben, cleo = waiting["patients"]
    start = utcnow()
    offers.fan_out(practitioner.id, [slot.id])  # Ben (urgent) held
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        offers.advance()  # Ben's hold ran out: Ana held, and told
    with time_machine.travel(start + timedelta(minutes=62), tick=False):
        offers.advance()  # Ana's too: Cleo held
        booked = offers.book(cleo.id, slot.id).appointment
        appointments.cancel(booked.id, by_user=people["staff"], reason="Can't come after all")
        offers.fan_out(practitioner.id, [slot.id])  # offered anew: Ben first again
    with time_machine.travel(start + timedelta(minutes=95), tick=False):
        offers.advance()  # Ben's new hold ran out: Ana is held a second time
    assert offer_statuses(slot)[ana.id] == OfferStatus.HELD
    told_ana = [e for e in availability_emails() if e.to_addrs == ana.email]
    assert len(told_ana) == 2 and "holding this time for you alone" in told_ana[-1].text
