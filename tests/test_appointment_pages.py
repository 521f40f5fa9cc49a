"""The appointment pages: lists, booking, the actions on one appointment, and the reschedule queue."""

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dashboard.clinic_time import clinic_today, clinic_zone
from dashboard.extensions import db
from dashboard.models import (
    Appointment,
    AppointmentStatus,
    EmailMessage,
    EmailStatus,
    Notification,
    RequestStatus,
    RescheduleRequest,
    Slot,
    SlotStatus,
)
from dashboard.services import appointments
from tests.conftest import csrf_token
from tests.factories import make_patient, make_slot, practitioner_of


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _emails(kind: str) -> list[EmailMessage]:
    return list(db.session.scalars(select(EmailMessage).where(EmailMessage.kind == kind)))


def _booking_page(client, path: str) -> tuple[str, str, str]:
    """(page, csrf token, request key) of the booking form at `path`."""
    page = client.get(path).get_data(as_text=True)
    token = csrf_token(client, path)
    match = re.search(r'name="request_key"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="request_key"', page
    )
    assert match, "no request key on the booking form"
    return page, token, match.group(1)


def _book(client, slot: Slot, patient, **extra):
    path = f"/appointments/new?slot={slot.id}"
    _page, token, key = _booking_page(client, path)
    data = {"csrf_token": token, "request_key": key, "patient_id": patient.id, "confirmed": "1", **extra}
    return client.post(path, data=data), data, path


@pytest.fixture
def drwho(people):
    return practitioner_of(people["practitioner"])


@pytest.fixture
def booked(people, drwho):
    """A confirmed appointment of drwho two days ahead, booked by the desk."""
    patient = make_patient("Mere", "Tane")
    slot = make_slot(drwho)
    return appointments.book(patient_id=patient.id, slot_id=slot.id, by_user=people["staff"]).appointment


# ------------------------------------------------------------------ booking


def test_staff_books_a_patient_into_a_slot(client, auth, people, drwho):
    patient = make_patient("Aroha", "Ngata")
    slot = make_slot(drwho)
    auth.login("sam")
    page, _token, _key = _booking_page(client, f"/appointments/new?slot={slot.id}&patient={patient.id}")
    assert "Olive" not in page and drwho.name in page and "Aroha Ngata" in page

    response, _data, _path = _book(client, slot, patient, reason="Check-up")
    assert response.status_code == 302
    appointment = db.session.scalar(select(Appointment))
    assert response.headers["Location"] == f"/appointments/{appointment.id}"
    assert appointment.status == AppointmentStatus.CONFIRMED and appointment.reason == "Check-up"
    assert db.session.get(Slot, slot.id).status == SlotStatus.BOOKED

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Booked Aroha Ngata with Drwho Person" in page
    assert "Confirmed" in page and "Check-up" in page

    [confirmation] = _emails("appointment_confirmation")
    assert confirmation.to_addrs == patient.email
    assert confirmation.appointment_id == appointment.id
    assert [a.filename for a in confirmation.attachments if a.filename.endswith(".ics")]

    bells = db.session.scalars(select(Notification).where(Notification.kind == "new_appointment_notice")).all()
    assert people["practitioner"].id in {n.user_id for n in bells}
    assert people["staff"].id in {n.user_id for n in bells}  # all staff, the one who booked it too


def test_the_same_booking_posted_twice_books_once(client, auth, people, drwho):
    patient = make_patient()
    slot = make_slot(drwho)
    auth.login("sam")
    first, data, path = _book(client, slot, patient)
    assert first.status_code == 302
    second = client.post(path, data=data, follow_redirects=True)
    assert second.status_code == 200
    assert "That booking was already made." in second.get_data(as_text=True)
    assert _count(Appointment) == 1
    assert len(_emails("appointment_confirmation")) == 1


def test_booking_a_taken_slot_offers_the_other_times(client, auth, people, drwho):
    slot = make_slot(drwho)
    other = make_slot(drwho, starts_in=timedelta(days=3))
    appointments.book(patient_id=make_patient().id, slot_id=slot.id, by_user=people["owner"])
    emails_before = _count(EmailMessage)
    auth.login("sam")
    response, _data, _path = _book(client, slot, make_patient("Late", "Comer"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "just taken" in page
    assert "Book this instead" in page and f"slot={other.id}" in page
    assert "Late Comer" in page  # the chosen patient is kept
    assert _count(Appointment) == 1
    assert _count(EmailMessage) == emails_before


def test_booking_a_blocked_slot_is_refused(client, auth, people, drwho):
    slot = make_slot(drwho, status=SlotStatus.BLOCKED)
    auth.login("sam")
    response, _data, _path = _book(client, slot, make_patient())
    assert response.status_code == 400
    assert "That slot is blocked" in response.get_data(as_text=True)
    assert _count(Appointment) == 0
    assert db.session.get(Slot, slot.id).status == SlotStatus.BLOCKED


def _post_at_once(app, client, path: str, data: dict, times: int = 10) -> list[str]:
    """POST the same form `times` times at once (each from its own client, all logged in as `client`
    is); what each one's next page says."""
    session = client.get_cookie("session").value
    start = threading.Barrier(times)
    pages: list[str] = []

    def post() -> None:
        browser = app.test_client()
        browser.set_cookie("session", session)
        start.wait(timeout=30)
        response = browser.post(path, data=data)
        where = response.headers.get("Location")
        pages.append(f"{where} {browser.get(where).text}" if where else f"{response.status_code} {response.text}")

    threads = [threading.Thread(target=post) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return pages


@pytest.mark.parametrize("ad_hoc", [False, True], ids=["slot", "ad-hoc"])
def test_ten_repeats_of_one_booking_form_at_once_book_once_and_say_so(app, client, auth, people, drwho, ad_hoc):
    patient = make_patient("Hēmi", "Pōmare")
    auth.login("sam")
    if ad_hoc:
        when = clinic_today() + timedelta(days=6)
        path = "/appointments/new"
        _page, token, key = _booking_page(client, path)
        data = {"practitioner_id": drwho.id, "day": when.isoformat(), "start": "11:00", "end": "11:30"}
    else:
        path = f"/appointments/new?slot={make_slot(drwho).id}"
        _page, token, key = _booking_page(client, path)
        data = {}
    data.update(csrf_token=token, request_key=key, patient_id=patient.id, confirmed="1")
    db.session.commit()  # hand the connection back before the threads take theirs

    pages = _post_at_once(app, client, path, data)

    [appointment] = db.session.scalars(select(Appointment))
    said = ["booked" if "Booked Hēmi Pōmare" in page else "repeat" if "That booking was already made." in page
            else "already has a slot" if "already has a slot" in page else "taken" if "just taken" in page
            else page[:200] for page in pages]  # fmt: skip
    assert sorted(said) == ["booked"] + ["repeat"] * 9
    assert all(page.startswith(f"/appointments/{appointment.id} ") for page in pages)


def test_booking_without_a_patient_or_time_explains(client, auth, people, drwho):
    auth.login("sam")
    _page, token, key = _booking_page(client, "/appointments/new")
    response = client.post("/appointments/new", data={"csrf_token": token, "request_key": key})
    assert response.status_code == 400
    assert "Choose a patient." in response.get_data(as_text=True)
    patient = make_patient()
    response = client.post(
        "/appointments/new", data={"csrf_token": token, "request_key": key, "patient_id": patient.id}
    )
    assert response.status_code == 400
    assert "give the practitioner, date, start and end" in response.get_data(as_text=True)
    assert _count(Appointment) == 0


def test_ad_hoc_booking_as_requested(client, auth, people, drwho):
    patient = make_patient()
    when = clinic_today() + timedelta(days=5)
    auth.login("sam")
    _page, token, key = _booking_page(client, f"/appointments/new?patient={patient.id}")
    response = client.post(
        "/appointments/new",
        data={
            "csrf_token": token,
            "request_key": key,
            "patient_id": patient.id,
            "practitioner_id": drwho.id,
            "day": when.isoformat(),
            "start": "10:00",
            "end": "10:30",
            "confirmed": "0",
        },
    )
    assert response.status_code == 302
    appointment = db.session.scalar(select(Appointment))
    assert appointment.status == AppointmentStatus.PENDING
    assert _emails("appointment_confirmation") == []  # a request is confirmed later
    page = client.get(f"/appointments/{appointment.id}").get_data(as_text=True)
    assert "Requested" in page and "Confirm appointment" in page
    response = auth.post(f"/appointments/{appointment.id}/confirm", form_page=f"/appointments/{appointment.id}")
    assert response.status_code == 302
    assert db.session.get(Appointment, appointment.id).status == AppointmentStatus.CONFIRMED
    assert len(_emails("appointment_confirmation")) == 1


def test_a_practitioner_books_only_their_own_slots(client, auth, people, drwho):
    from dashboard.services.users import create_user

    other_user = create_user(
        username="drno", email="drno@clinic.example.org", full_name="Dr No", role="practitioner", password="x" * 12
    )
    other_slot = make_slot(practitioner_of(other_user))
    auth.login("drwho")
    response, _data, _path = _book(client, other_slot, make_patient())
    assert response.status_code == 400
    assert _count(Appointment) == 0


# ------------------------------------------------------------------ one appointment


def _confirmation_sent(appointment) -> None:
    """As the worker would: the confirmation has left, so a cancellation is emailed too."""
    for email in _emails("appointment_confirmation"):
        if email.appointment_id == appointment.id:
            email.status = EmailStatus.SENT
    db.session.commit()


def test_cancel_with_a_reason_frees_the_slot_and_emails_once(client, auth, people, booked):
    _confirmation_sent(booked)
    auth.login("sam")
    page = f"/appointments/{booked.id}"
    response = auth.post(f"{page}/cancel", {"reason": "Dr Who is unwell"}, form_page=page, follow_redirects=True)
    assert "Cancelled Mere Tane" in response.get_data(as_text=True)
    appointment = db.session.get(Appointment, booked.id)
    assert appointment.status == AppointmentStatus.CANCELLED
    assert db.session.get(Slot, appointment.slot_id).status == SlotStatus.OPEN
    [email] = _emails("appointment_cancelled")
    assert email.to_addrs == appointment.patient.email

    page_text = client.get(page).get_data(as_text=True)
    assert "Dr Who is unwell" in page_text and "Sam Person at the clinic" in page_text
    assert "Cancel appointment" not in page_text

    again = auth.post(f"{page}/cancel", {"reason": "Again"}, form_page=page, follow_redirects=True)
    assert "already cancelled" in again.get_data(as_text=True)
    assert len(_emails("appointment_cancelled")) == 1


def test_without_a_grace_period_a_queued_confirmation_is_followed_by_the_cancellation(client, auth, people, booked):
    """Only a grace period withdraws the confirmation; a worker merely behind leaves both to go, in order."""
    auth.login("sam")
    page = f"/appointments/{booked.id}"
    auth.post(f"{page}/cancel", {"reason": "Booked by mistake"}, form_page=page)
    assert db.session.get(Appointment, booked.id).status == AppointmentStatus.CANCELLED
    [confirmation] = _emails("appointment_confirmation")
    assert confirmation.status == EmailStatus.QUEUED
    assert len(_emails("appointment_cancelled")) == 1


def test_cancel_needs_a_reason(client, auth, people, booked):
    auth.login("sam")
    page = f"/appointments/{booked.id}"
    response = auth.post(f"{page}/cancel", {"reason": "  "}, form_page=page, follow_redirects=True)
    assert "Give a reason" in response.get_data(as_text=True)
    assert db.session.get(Appointment, booked.id).status == AppointmentStatus.CONFIRMED


def test_practitioner_sees_only_their_own_appointments(client, auth, people, drwho, booked):
    from dashboard.services.users import create_user

    other_user = create_user(
        username="drno", email="drno@clinic.example.org", full_name="Dr No", role="practitioner", password="x" * 12
    )
    theirs = appointments.book(
        patient_id=make_patient("Other", "Person").id,
        slot_id=make_slot(practitioner_of(other_user)).id,
        by_user=people["staff"],
    ).appointment
    auth.login("drwho")
    assert client.get(f"/appointments/{booked.id}").status_code == 200
    assert client.get(f"/appointments/{theirs.id}").status_code == 403
    response = auth.post(f"/appointments/{theirs.id}/cancel", {"reason": "x"}, form_page=f"/appointments/{booked.id}")
    assert response.status_code == 403
    listing = client.get("/appointments/?view=upcoming").get_data(as_text=True)
    assert "Mere Tane" in listing and "Other Person" not in listing
    assert "/patients/" not in listing  # practitioners see names, not the patient pages


def test_unknown_appointment_is_404(client, auth, people):
    auth.login("sam")
    assert client.get("/appointments/999999").status_code == 404
    assert client.get(f"/appointments/{10**30}").status_code == 404
    assert auth.post("/appointments/999999/cancel", {"reason": "x"}).status_code == 404


def test_outcome_only_after_it_started(client, auth, people, drwho, booked):
    auth.login("sam")
    page = f"/appointments/{booked.id}"
    response = auth.post(f"{page}/outcome", {"outcome": "completed"}, form_page=page, follow_redirects=True)
    assert "started yet" in response.get_data(as_text=True)
    response = auth.post(f"{page}/outcome", {"outcome": "exploded"}, form_page=page, follow_redirects=True)
    assert response.status_code == 200 and "Unknown outcome." in response.get_data(as_text=True)

    started = make_slot(drwho, starts_in=timedelta(hours=2))
    appointment = appointments.book(patient_id=make_patient().id, slot_id=started.id, by_user=people["staff"])
    appointment = appointment.appointment
    appointment.starts_at = appointment.starts_at - timedelta(hours=3)
    appointment.ends_at = appointment.ends_at - timedelta(hours=3)
    db.session.commit()
    page = f"/appointments/{appointment.id}"
    assert "No-show" in client.get(page).get_data(as_text=True)
    auth.post(f"{page}/outcome", {"outcome": "no_show"}, form_page=page)
    assert db.session.get(Appointment, appointment.id).status == AppointmentStatus.NO_SHOW


# ------------------------------------------------------------------ reschedule requests


def test_reschedule_request_then_approve_into_another_slot(client, auth, people, drwho, booked):
    new_slot = make_slot(drwho, starts_in=timedelta(days=4))
    old_slot_id = booked.slot_id
    auth.login("sam")
    page = f"/appointments/{booked.id}"
    response = auth.post(
        f"{page}/reschedule-request", {"note": "Thursday <b>afternoon</b>"}, form_page=page, follow_redirects=True
    )
    text = response.get_data(as_text=True)
    assert "Recorded the request" in text
    assert "Thursday &lt;b&gt;afternoon&lt;/b&gt;" in text and "<b>afternoon</b>" not in text
    req = db.session.scalar(select(RescheduleRequest))
    assert req.status == RequestStatus.PENDING

    queue = client.get("/appointments/requests").get_data(as_text=True)
    assert "Mere Tane" in queue and f'value="{new_slot.id}"' in queue

    response = auth.post(
        f"/appointments/requests/{req.id}/approve",
        {"new_slot_id": new_slot.id},
        form_page="/appointments/requests",
        follow_redirects=True,
    )
    assert "Moved Mere Tane" in response.get_data(as_text=True)
    appointment = db.session.get(Appointment, booked.id)
    assert appointment.slot_id == new_slot.id
    assert db.session.get(Slot, old_slot_id).status == SlotStatus.OPEN
    assert db.session.get(Slot, new_slot.id).status == SlotStatus.BOOKED
    [email] = _emails("reschedule_approved")
    assert email.to_addrs == appointment.patient.email
    assert "No requests are waiting." in client.get("/appointments/requests").get_data(as_text=True)


def test_reject_needs_a_reason(client, auth, people, booked):
    req = appointments.request_reschedule(booked.id, note="Later", by_user=people["staff"])
    auth.login("sam")
    path = f"/appointments/requests/{req.id}/reject"
    response = auth.post(path, {"reason": ""}, form_page="/appointments/requests", follow_redirects=True)
    assert "Give a reason" in response.get_data(as_text=True)
    assert db.session.get(RescheduleRequest, req.id).status == RequestStatus.PENDING
    assert _emails("reschedule_rejected") == []

    response = auth.post(path, {"reason": "Fully booked"}, form_page="/appointments/requests", follow_redirects=True)
    assert "Declined" in response.get_data(as_text=True)
    assert db.session.get(RescheduleRequest, req.id).status == RequestStatus.REJECTED
    assert len(_emails("reschedule_rejected")) == 1


def test_approve_needs_a_slot_and_unknown_requests_are_404(client, auth, people, booked):
    req = appointments.request_reschedule(booked.id, note="Later", by_user=people["staff"])
    auth.login("sam")
    response = auth.post(
        f"/appointments/requests/{req.id}/approve", {"new_slot_id": "junk"}, form_page="/appointments/requests"
    )
    assert response.status_code == 302
    assert db.session.get(RescheduleRequest, req.id).status == RequestStatus.PENDING
    assert auth.post("/appointments/requests/99999/approve", {"new_slot_id": "1"}).status_code == 404
    assert auth.post("/appointments/requests/99999/reject", {"reason": "x"}).status_code == 404


# ------------------------------------------------------------------ lists


def test_lists_filter_and_search(client, auth, people, drwho):
    today_slot = make_slot(drwho, starts_in=timedelta(minutes=5))
    future = make_slot(drwho, starts_in=timedelta(days=9))
    now_appt = appointments.book(
        patient_id=make_patient("Soon", "Soonest").id, slot_id=today_slot.id, by_user=people["staff"]
    ).appointment
    appointments.book(
        patient_id=make_patient("Later", "Laterly").id, slot_id=future.id, by_user=people["staff"], reason="knee"
    )
    auth.login("sam")
    upcoming = client.get("/appointments/?view=upcoming").get_data(as_text=True)
    assert "Soon Soonest" in upcoming and "Later Laterly" in upcoming
    found = client.get("/appointments/?view=all&q=KNEE").get_data(as_text=True)
    assert "Later Laterly" in found and "Soon Soonest" not in found
    today = client.get("/appointments/?view=today").get_data(as_text=True)
    # "today" is the clinic's calendar day; five minutes ahead may already be tomorrow there.
    same_day = clinic_today() == now_appt.starts_at.astimezone(clinic_zone()).date()
    assert ("Soon Soonest" in today) == same_day
    assert "Later Laterly" not in today
    cancelled = client.get("/appointments/?view=all&status=cancelled").get_data(as_text=True)
    assert "No appointments match." in cancelled


@pytest.mark.parametrize(
    "query",
    [
        "view=nonsense",
        "page=-3",
        "page=abc",
        f"page={10**30}",
        "status=<script>",
        f"practitioner={10**30}",
        "practitioner=abc",
        "patient=-1",
        "q=" + "%25" * 300,
    ],
)
def test_junk_list_params_fall_back(client, auth, people, query):
    auth.login("sam")
    response = client.get(f"/appointments/?{query}")
    assert response.status_code == 200
    assert "<script>" not in response.get_data(as_text=True).split("<main", 1)[1]


def test_pagination_keeps_the_filters(client, auth, people, drwho):
    patient = make_patient("Pager", "Person")
    for day in range(27):
        slot = make_slot(drwho, starts_in=timedelta(days=1 + day))
        appointments.book(patient_id=patient.id, slot_id=slot.id, by_user=people["staff"], reason="series")
    auth.login("sam")
    first = client.get("/appointments/?view=upcoming&q=series").get_data(as_text=True)
    assert first.count('data-testid="appointment-row"') == 25
    assert "page=2" in first and "q=series" in first
    second = client.get("/appointments/?view=upcoming&q=series&page=2").get_data(as_text=True)
    assert second.count('data-testid="appointment-row"') == 2
    assert "Previous" in second


def test_html_in_names_is_escaped_in_the_list(client, auth, people, drwho):
    patient = make_patient("<img src=x onerror=alert(1)>", "Evil")
    appointments.book(patient_id=patient.id, slot_id=make_slot(drwho).id, by_user=people["staff"])
    auth.login("sam")
    page = client.get("/appointments/?view=upcoming").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
