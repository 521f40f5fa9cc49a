"""An email in the owner's words, written by the real booking service (real rows in its
context), delivered by a real worker to a real SMTP server: the patient gets the owner's
words inside the clinic's shell and footer, with the calendar invitation still attached."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import EmailMessage
from dashboard.notify.drafts import Draft
from dashboard.services import appointments, email_templates
from tests.factories import make_patient, make_slot, practitioner_of
from tests.helpers import wait_for

pytestmark = pytest.mark.slow

OWN = Draft(
    subject="Kia ora {{ patient.first_name }}, you're booked with {{ appointment.practitioner_name }}",
    html=(
        "<h1>Nau mai, {{ patient.first_name }}!</h1>\n"
        "<p>We'll see you {{ appointment.starts_at | clinic_datetime }} for {{ appointment.reason }}.</p>\n"
        "{% if manage_url %}{{ button(manage_url, 'Change or cancel') }}{% endif %}\n"
        "<p>Ngā mihi, the Ngātiwai Health whānau 🌿</p>"
    ),
    text=(
        "Nau mai, {{ patient.first_name }}!\n\nWe'll see you {{ appointment.starts_at | clinic_datetime }}.\n"
        "{% if manage_url %}Change or cancel: {{ manage_url }}{% endif %}\n\nNgā mihi, the Ngātiwai Health whānau 🌿"
    ),
)


def test_a_customised_confirmation_arrives_in_the_owners_words_with_shell_footer_and_ics(
    app, smtp, start_process, people
):
    checked = email_templates.save("appointment_confirmation", OWN, user_id=people["owner"].id)
    assert checked.ok, checked.errors
    practitioner = practitioner_of(people["practitioner"])
    patient = make_patient("Siobhán", "O'Brien-Pōmare", email="siobhan@patients.example.org")
    slot = make_slot(practitioner, starts_in=timedelta(days=3))
    appointments.book(patient_id=patient.id, slot_id=slot.id, by_user=people["staff"], reason="Kawakawa & rongoā")

    start_process()
    received = wait_for(
        lambda: smtp.messages_to("siobhan@patients.example.org"), timeout=30, message="the confirmation to arrive"
    )
    message = received[0].message
    assert message["Subject"] == f"Kia ora Siobhán, you're booked with {practitioner.user.full_name}"
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert "Nau mai, Siobhán!" in html and "Kawakawa &amp; rongoā" in html
    assert "Ngā mihi, the Ngātiwai Health whānau 🌿" in text
    assert "Your appointment is booked" not in html  # the default's words are gone
    clinic = app.config["CLINIC_NAME"]
    assert html.count(clinic) >= 2 and app.config["CLINIC_ADDRESS"] in html  # header and footer: the shell
    assert "<h1 style=" in html and 'class="button"' in html  # the content CSS inlined, the macro's button
    assert app.config["CLINIC_ADDRESS"] in text
    calendars = [part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]
    assert calendars and "METHOD:REQUEST" in calendars[0].get_content()
    row = db.session.scalar(select(EmailMessage).where(EmailMessage.kind == "appointment_confirmation"))
    assert row.subject.startswith("Kia ora Siobhán")
