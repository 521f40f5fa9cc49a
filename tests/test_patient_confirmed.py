""" "Confirmed by the patient" (issue 13): the patient says they're coming from their appointment page
(a POST, never a GET), the reminder asks them to, and the desk sees it on the calendar, the
appointment's page and the day sheet. The desk confirming is not the patient's word, and a move
clears it (they said so for the old time)."""

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from dashboard import patient_links
from dashboard.clinic_time import clinic_time, clinic_zone
from dashboard.extensions import db
from dashboard.models import AppointmentStatus, EmailMessage
from dashboard.models.base import utcnow
from dashboard.services import ServiceError, appointments, reminders
from tests.factories import make_patient, make_slot, practitioner_of
from tests.test_patient_links import manage_links, session_csrf, submit, text, title

COMING = "I'll be there"


def confirmations(appointment) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(EmailMessage)
        .where(EmailMessage.kind == "appointment_confirmation", EmailMessage.appointment_id == appointment.id)
    )


def book(people, first="Mereana", last="Pōmare", *, starts_in=timedelta(days=2), confirmed=True):
    practitioner = practitioner_of(people["practitioner"])
    patient = make_patient(first, last)
    return appointments.book(
        patient_id=patient.id,
        slot_id=make_slot(practitioner, starts_in=starts_in).id,
        by_user=people["staff"],
        confirmed=confirmed,
    ).appointment


def say_coming(client, appointment):
    manage = manage_links(appointment)["manage_url"]
    return submit(client, f"{manage}/confirm", form_page=manage)


def fresh(appointment):
    db.session.expire_all()
    db.session.refresh(appointment)
    return appointment


# ------------------------------------------------------------------ the patient's word


def test_ill_be_there_on_a_confirmed_appointment_is_recorded_once_without_an_email(client, people):
    appointment = book(people, "Tūī", "O'Brien")
    manage = manage_links(appointment)["manage_url"]
    page = client.get(manage)
    assert page.status_code == 200 and COMING in text(page).replace("&#39;", "'")
    assert "You told us you're coming" not in text(page).replace("&#39;", "'")
    assert confirmations(appointment) == 1  # the desk's booking

    response = say_coming(client, appointment)
    assert response.status_code == 200 and title(response) == "Thank you for letting us know you're coming"
    first = fresh(appointment).patient_confirmed_at
    assert first is not None and appointment.status == AppointmentStatus.CONFIRMED
    assert confirmations(appointment) == 1  # nothing more to send

    page = text(client.get(manage)).replace("&#39;", "'")
    assert "You told us you're coming" in page and COMING not in page

    again = client.post(f"{manage}/confirm", data={"csrf_token": session_csrf(client)})
    assert again.status_code == 200 and title(again) == "You've already told us you're coming"
    assert fresh(appointment).patient_confirmed_at == first  # one record
    assert confirmations(appointment) == 1


def test_confirming_a_requested_one_confirms_it_emails_it_and_records_the_patients_word(client, people):
    appointment = book(people, "Hēmi", "Ngātiwai", confirmed=False)
    assert confirmations(appointment) == 0
    response = say_coming(client, appointment)
    assert response.status_code == 200 and title(response) == "Thank you, your appointment is confirmed"
    fresh(appointment)
    assert appointment.status == AppointmentStatus.CONFIRMED
    assert appointment.patient_confirmed_at is not None
    assert appointment.confirmed_at == appointment.patient_confirmed_at
    assert confirmations(appointment) == 1
    assert appointments.patient_confirms(appointment.id) == "already"
    assert confirmations(appointment) == 1


def test_the_service_says_what_it_did(people):
    requested = book(people, "Aroha", "Ngātiwai", confirmed=False)
    confirmed = book(people, "Rāwiri", "Pōmare")
    assert appointments.patient_confirms(requested.id) == "confirmed"
    assert appointments.patient_confirms(confirmed.id) == "coming"
    assert appointments.patient_confirms(confirmed.id) == "already"
    assert confirmations(confirmed) == 1


def test_a_get_never_confirms(client, people):
    appointment = book(people)
    manage = manage_links(appointment)["manage_url"]
    assert client.get(manage).status_code == 200
    assert client.get(f"{manage}/confirm").status_code == 405
    assert fresh(appointment).patient_confirmed_at is None


def test_the_desk_confirming_is_not_the_patients_word(people):
    appointment = book(people, "Kiri", "Te Rangi", confirmed=False)
    appointments.confirm(appointment.id, people["staff"])
    fresh(appointment)
    assert appointment.status == AppointmentStatus.CONFIRMED and appointment.patient_confirmed_at is None


def test_a_move_clears_it_and_the_patient_is_asked_again(client, people):
    appointment = book(people, "Ngaio", "Pōmare")
    assert appointments.patient_confirms(appointment.id) == "coming"
    other = make_slot(practitioner_of(people["practitioner"]), starts_in=timedelta(days=3))
    appointments.move_to(appointment.id, other.id, people["staff"])
    assert fresh(appointment).patient_confirmed_at is None
    page = text(client.get(manage_links(appointment)["manage_url"])).replace("&#39;", "'")
    assert COMING in page and "You told us you're coming" not in page
    assert appointments.patient_confirms(appointment.id) == "coming"


def test_a_past_appointment_is_refused_with_the_friendly_page(client, people):
    appointment = book(people, "Wiremu", "Ngātiwai", starts_in=timedelta(hours=3))
    manage = manage_links(appointment)["manage_url"]
    csrf = session_csrf(client)
    with time_machine.travel(utcnow() + timedelta(hours=4), tick=False):
        page = text(client.get(manage)).replace("&#39;", "'")
        assert COMING not in page
        response = client.post(f"{manage}/confirm", data={"csrf_token": csrf})
        assert response.status_code == 409 and title(response) == "This appointment has passed"
        with pytest.raises(ServiceError):
            appointments.patient_confirms(appointment.id)
    assert fresh(appointment).patient_confirmed_at is None


def test_a_cancelled_appointment_is_refused_with_the_friendly_page(client, people):
    appointment = book(people, "Mere", "O'Brien")
    appointments.cancel(appointment.id, by_user=people["staff"], reason="Dr Who is away 🌿")
    manage = manage_links(appointment)["manage_url"]
    response = client.post(f"{manage}/confirm", data={"csrf_token": session_csrf(client)})
    assert response.status_code == 409 and title(response) == "This appointment is already cancelled"
    with pytest.raises(ServiceError):
        appointments.patient_confirms(appointment.id)
    assert fresh(appointment).patient_confirmed_at is None


# ------------------------------------------------------------------ the desk sees it


def test_the_calendar_the_appointment_and_the_day_sheet_show_it(client, auth, people):
    coming = book(people, "Tūī", "Ngātiwai")
    desk_only = book(people, "Hēmi", "Pōmare", starts_in=timedelta(days=2, hours=1))
    appointments.patient_confirms(coming.id)
    day = coming.starts_at.astimezone(clinic_zone()).date().isoformat()
    auth.login("sam")

    page = text(client.get(f"/calendar/?day={day}"))
    [coming_tag] = re.findall(rf'<a class="[^"]*"[^>]*data-testid="entry-{coming.slot_id}"', page)
    [desk_tag] = re.findall(rf'<a class="[^"]*"[^>]*data-testid="entry-{desk_only.slot_id}"', page)
    assert "cal-confirmed" in coming_tag and "cal-patient-confirmed" in coming_tag
    assert "cal-patient-confirmed" not in desk_tag
    grid = page.split('data-testid="calendar-grid"')[1]
    assert grid.count("Confirmed by patient") == 1  # Tūī's entry only; Hēmi's reads "Confirmed"
    assert "cal-patient-confirmed d-inline-block" in page  # the legend

    detail = text(client.get(f"/appointments/{fresh(coming).id}"))
    assert f"The patient confirmed on {clinic_time(coming.patient_confirmed_at)}" in detail
    assert "The patient confirmed" not in text(client.get(f"/appointments/{desk_only.id}"))

    sheet = text(client.get(f"/calendar/print?day={day}"))
    assert sheet.count('data-testid="patient-confirmed"') == 1 and "Confirmed by patient" in sheet


# ------------------------------------------------------------------ the reminder asks


def test_the_reminder_asks_the_patient_to_say_they_are_coming_until_they_have(people):
    asked = book(people, "Aroha", "Pōmare", starts_in=timedelta(hours=20))
    told = book(people, "Rangi", "O'Brien", starts_in=timedelta(hours=21))
    appointments.patient_confirms(told.id)
    for appointment in (asked, told):
        appointment.scheduled_at = utcnow() - timedelta(days=5)
    db.session.commit()
    assert reminders.send_appointment_reminders(24) == 2
    by_appointment = {
        e.appointment_id: e
        for e in db.session.scalars(select(EmailMessage).where(EmailMessage.kind == "appointment_reminder"))
    }
    email = by_appointment[asked.id]
    [in_text] = re.findall(r"Let us know you're coming: http://clinic\.test/p/appointment/([^/\s]+)\n", email.text)
    button = r'href="http://clinic\.test/p/appointment/([^/"]+)"[^>]*>Let us know you.re coming<'
    [in_html] = re.findall(button, email.html)
    ids = {"a": asked.id, "p": asked.patient_id}
    assert patient_links.read("appointment", in_text) == ids == patient_links.read("appointment", in_html)
    assert "Let us know you're coming" not in by_appointment[told.id].text
