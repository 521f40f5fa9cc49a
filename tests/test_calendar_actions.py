"""What the calendar's panels do: book an open slot, an appointment's actions, moving it (no time
chosen for the desk), and the printed day sheet."""

import re
from datetime import time, timedelta

import pytest
from sqlalchemy import select

from dashboard.clinic_time import clinic_day, describe
from dashboard.extensions import db
from dashboard.models import Appointment, EmailMessage, RequestStatus, RescheduleRequest, Slot, SlotStatus
from dashboard.services import appointments
from tests.conftest import csrf_token
from tests.factories import make_patient, make_slot, practitioner_of
from tests.test_calendar_pages import DAY, booked, slot_at

HX = {"HX-Request": "true"}


@pytest.fixture
def drwho(people):
    return practitioner_of(people["practitioner"])


@pytest.fixture
def grace(app):
    return make_patient("Grace", "Clarke-Ngātiwai 🌿")


@pytest.fixture
def appointment(people, drwho, grace):
    slot = make_slot(drwho, starts_in=timedelta(days=2))
    return appointments.book(patient_id=grace.id, slot_id=slot.id, by_user=people["staff"], reason="Knee").appointment


def emails(kind: str) -> list[EmailMessage]:
    return list(db.session.scalars(select(EmailMessage).where(EmailMessage.kind == kind)))


def body(response) -> str:
    return response.get_data(as_text=True)


# ------------------------------------------------------------------ booking in the panel


def test_the_booking_page_is_a_fragment_for_htmx_and_a_page_without(client, auth, people, drwho):
    slot = make_slot(drwho)
    auth.login("sam")
    path = f"/appointments/new?slot={slot.id}"
    fragment = body(client.get(path, headers=HX))
    assert "<html" not in fragment and 'data-testid="panel-content"' in fragment
    assert 'name="request_key"' in fragment and 'data-testid="chosen-slot"' in fragment
    page = body(client.get(path))
    assert page.startswith("<!doctype html>") and 'data-testid="panel-content"' not in page


def test_booking_from_the_panel_books_once_and_answers_with_the_appointments_panel(client, auth, people, drwho, grace):
    slot = make_slot(drwho)
    auth.login("sam")
    path = f"/appointments/new?slot={slot.id}&q=grace"
    form = body(client.get(path, headers=HX))
    assert f'value="{grace.id}"' in form  # the chooser's list
    key = re.search(r'name="request_key"[^>]*value="([^"]+)"', form).group(1)
    data = {"csrf_token": csrf_token(client, path), "request_key": key, "patient_id": grace.id, "confirmed": "1"}
    response = client.post(path, data=data, headers=HX, follow_redirects=True)
    panel = body(response)
    assert response.status_code == 200 and "<html" not in panel
    assert "Booked Grace Clarke-Ngātiwai 🌿" in panel
    [booked_one] = db.session.scalars(select(Appointment)).all()
    assert booked_one.slot_id == slot.id and len(emails("appointment_confirmation")) == 1
    # the same form again (a double click): "already made", nothing new
    again = body(client.post(path, data=data, headers=HX, follow_redirects=True))
    assert "That booking was already made" in again
    assert len(db.session.scalars(select(Appointment)).all()) == 1


def test_a_refused_booking_is_shown_in_the_panel_with_400(client, auth, people, drwho):
    slot = make_slot(drwho)
    auth.login("sam")
    path = f"/appointments/new?slot={slot.id}"
    response = client.post(path, data={"csrf_token": csrf_token(client, path)}, headers=HX)
    assert response.status_code == 400
    assert "Choose a patient." in body(response) and "<html" not in body(response)


# ------------------------------------------------------------------ an appointment's panel


def test_an_appointments_panel_has_its_actions(client, auth, people, drwho, appointment):
    make_slot(drwho, starts_in=timedelta(days=4))
    auth.login("sam")
    panel = body(client.get(f"/appointments/{appointment.id}", headers=HX))
    assert "<html" not in panel
    for action in ("cancel", "reschedule-request", "earlier", "move"):
        assert f"/appointments/{appointment.id}/{action}" in panel
    assert f'href="/patients/{appointment.patient_id}"' in panel
    response = client.post(
        f"/appointments/{appointment.id}/cancel",
        data={"csrf_token": csrf_token(client, "/home"), "reason": "Clinic closed"},
        headers=HX,
        follow_redirects=True,
    )
    assert "Cancelled Grace" in body(response) and "<html" not in body(response)


# ------------------------------------------------------------------ moving


def test_no_move_picker_has_a_time_chosen(client, auth, people, drwho, appointment):
    make_slot(drwho, starts_in=timedelta(days=3))
    appointments.request_reschedule(appointment.id, note="Any afternoon next week", by_user=people["staff"])
    auth.login("sam")
    for path in ("/appointments/requests", f"/appointments/{appointment.id}"):
        page = body(client.get(path))
        select_tag = re.search(r'<select[^>]*name="new_slot_id".*?</select>', page, re.S).group(0)
        options = re.findall(r"<option[^>]*>", select_tag)
        assert options[0] == '<option selected value="">' or 'value=""' in options[0] and "selected" in options[0]
        assert "Choose a time…" in select_tag
        assert all("selected" not in option for option in options[1:]), path


def test_the_desk_moves_an_appointment_and_the_patient_is_emailed(client, auth, people, drwho, appointment):
    new_slot = make_slot(drwho, starts_in=timedelta(days=5))
    old_slot_id = appointment.slot_id
    request = appointments.request_reschedule(appointment.id, note="Later", by_user=people["staff"])
    auth.login("sam")
    page = f"/appointments/{appointment.id}"
    response = auth.post(f"{page}/move", {"new_slot_id": new_slot.id}, form_page=page, follow_redirects=True)
    assert f"Moved Grace Clarke-Ngātiwai 🌿 to {describe(new_slot.starts_at)}" in body(response)
    moved = db.session.get(Appointment, appointment.id)
    assert moved.slot_id == new_slot.id and moved.starts_at == new_slot.starts_at
    assert db.session.get(Slot, old_slot_id).status == SlotStatus.OPEN
    assert db.session.get(Slot, new_slot.id).status == SlotStatus.BOOKED
    [email] = emails("reschedule_approved")
    assert email.to_addrs == moved.patient.email
    assert db.session.get(RescheduleRequest, request.id).status == RequestStatus.APPROVED


@pytest.mark.parametrize("choice", ["", "junk", "0"])
def test_an_empty_choice_is_refused_with_a_clear_message(client, auth, people, drwho, appointment, choice):
    make_slot(drwho, starts_in=timedelta(days=5))
    auth.login("sam")
    page = f"/appointments/{appointment.id}"
    response = auth.post(f"{page}/move", {"new_slot_id": choice}, form_page=page, follow_redirects=True)
    assert "Choose the new time from the list first." in body(response)
    assert db.session.get(Appointment, appointment.id).slot_id == appointment.slot_id
    assert emails("reschedule_approved") == []
    req = appointments.request_reschedule(appointment.id, note="x", by_user=people["staff"])
    response = auth.post(
        f"/appointments/requests/{req.id}/approve",
        {"new_slot_id": choice},
        form_page="/appointments/requests",
        follow_redirects=True,
    )
    assert "Choose the new time from the list first." in body(response)


def test_a_move_to_someone_elses_or_a_taken_slot_is_refused(client, auth, people, drwho, appointment):
    other = make_slot(drwho, starts_in=timedelta(days=6), status=SlotStatus.BLOCKED)
    auth.login("sam")
    page = f"/appointments/{appointment.id}"
    text = body(auth.post(f"{page}/move", {"new_slot_id": other.id}, form_page=page, follow_redirects=True))
    assert "That slot is blocked" in text
    text = body(auth.post(f"{page}/move", {"new_slot_id": appointment.slot_id}, form_page=page, follow_redirects=True))
    assert "open slots" in text
    assert emails("reschedule_approved") == []


def test_a_practitioner_cannot_move_appointments(client, auth, people, drwho, appointment):
    new_slot = make_slot(drwho, starts_in=timedelta(days=5))
    auth.login("drwho")
    response = auth.post(f"/appointments/{appointment.id}/move", {"new_slot_id": new_slot.id})
    assert response.status_code == 403
    assert 'data-testid="move-to"' not in body(client.get(f"/appointments/{appointment.id}"))


def test_the_calendar_lets_the_desk_drag_upcoming_appointments(client, auth, people, drwho, appointment):
    auth.login("sam")
    day = clinic_day(appointment.starts_at).isoformat()
    page = body(client.get(f"/calendar/?day={day}"))
    assert 'data-move-url="/appointments/0/move"' in page and 'draggable="true"' in page
    assert 'id="calendar-csrf"' in page and "htmx-2.0.11/htmx.min.js" in page and "js/calendar.js" in page
    auth.logout()
    auth.login("drwho")
    assert 'draggable="true"' not in body(client.get(f"/calendar/?day={day}"))


# ------------------------------------------------------------------ the day sheet


def test_the_day_sheet_has_names_times_reasons_and_phones(client, auth, people, drwho):
    grace = make_patient("Grace", "O'Brien")
    booked(slot_at(drwho, DAY, time(9, 30)), grace, reason="Sore <knee>")
    slot_at(drwho, DAY, time(10))
    auth.login("sam")
    for path in (
        f"/calendar/print?day={DAY.isoformat()}",
        f"/calendar/print?day={DAY.isoformat()}&practitioner={drwho.id}",
    ):
        sheet = body(client.get(path))
        assert "Friday 4 December 2037" in sheet
        assert "Grace O&#39;Brien" in sheet and "+64 21 555 0100" in sheet and "Sore &lt;knee&gt;" in sheet
        assert "9:30 am–10:00 am" in sheet and "10:00 am–10:30 am" in sheet
        assert f'data-testid="sheet-{drwho.id}"' in sheet
    day = body(client.get(f"/calendar/?day={DAY.isoformat()}"))
    assert f'href="/calendar/print?day={DAY.isoformat()}&amp;practitioner={drwho.id}"' in day
    assert f'href="/calendar/week?practitioner={drwho.id}&amp;day={DAY.isoformat()}"' in day  # their week
