"""Messages from the desk, the void-invoice email and quiet hours, through a real worker and a
real SMTP server (aiosmtpd on loopback), for patients named as New Zealand names them."""

import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from dashboard import patient_links
from dashboard.clinic_time import clinic_zone
from dashboard.extensions import db
from dashboard.models import EmailMessage, EmailStatus
from dashboard.models.base import utcnow
from dashboard.notify import quiet
from dashboard.notify.samples import sample_context
from dashboard.services import appointments, billing, desk_messages
from dashboard.services.billing import Line
from tests.factories import make_patient, make_slot, practitioner_of
from tests.helpers import wait_for

pytestmark = pytest.mark.slow

WORDS = "Kia ora {{ 7*7 }},\n\nThe car park is closed <today> 🅿️.\nPark on Quay Street.\n\nNgā mihi"


def _linked_patient(text: str) -> int:
    """The patient whose own page the email's link opens (a signed token, timed to the second)."""
    (token,) = re.findall(r"/p/me/([\w.-]+)", text)
    return patient_links.read("patient", token)["p"]


def _rows(kind: str) -> list[EmailMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(EmailMessage).where(EmailMessage.kind == kind).order_by(EmailMessage.id)))


def _text(received) -> str:
    return received.message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def test_desk_messages_now_later_cancelled_and_to_a_days_patients(app, smtp, start_process, people):
    desk, practitioner = people["staff"], practitioner_of(people["practitioner"])
    aroha = make_patient("Aroha", "Ngātiwai", email="aroha@patients.example.org")
    siobhan = make_patient("Siobhán", "O'Brien", email="siobhan@patients.example.org")
    mere = make_patient("Mere 🌿", "Pōmare", email="mere@whānau.example.org")
    start_process()

    now_message = desk_messages.Draft("Kia ora, Aroha {{ 7*7 }} 🌿", WORDS, patient_id=aroha.id)
    desk_messages.send(now_message, utcnow(), by_user=desk)
    later = desk_messages.send(desk_messages.Draft("Later", "Soon.", patient_id=siobhan.id),
                               utcnow() + timedelta(seconds=4), by_user=desk)  # fmt: skip
    dropped = desk_messages.send(desk_messages.Draft("Never", "Not sent.", patient_id=mere.id),
                                 utcnow() + timedelta(seconds=4), by_user=desk)  # fmt: skip
    assert desk_messages.cancel(dropped.id, by_user=desk) == 1

    wait_for(lambda: smtp.messages_to("aroha@patients.example.org"), timeout=30, message="the message sent now")
    (first,) = smtp.messages_to("aroha@patients.example.org")
    assert first.message["Subject"] == "Kia ora, Aroha {{ 7*7 }} 🌿"
    text = _text(first)
    assert "The car park is closed <today> 🅿️.\nPark on Quay Street." in text and "49" not in text.split("Ngā")[0]
    assert _linked_patient(text) == aroha.id
    assert not smtp.messages_to("siobhan@patients.example.org")  # not before its time

    wait_for(lambda: smtp.messages_to("siobhan@patients.example.org"), timeout=30, message="the scheduled message")
    sent_at = _rows("desk_message")[1].sent_at
    assert sent_at >= later.send_at
    # The cancelled one, due at the same moment, never goes.
    assert not [r for r in smtp.received if "mere@xn--whnau-gwa.example.org" in r.rcpt_tos]
    assert [r.status for r in _rows("desk_message")] == [EmailStatus.SENT, EmailStatus.SENT, EmailStatus.CANCELLED]

    # Everyone with an appointment on one day: one email each, each with their own link.
    starts_in = timedelta(days=4)
    day = (utcnow() + starts_in).astimezone(clinic_zone()).date()
    for n, patient in enumerate([aroha, siobhan, mere]):
        slot = make_slot(practitioner, starts_in=starts_in + timedelta(minutes=30 * n))
        appointments.book(patient_id=patient.id, slot_id=slot.id, by_user=desk)
    booked_days = {
        (utcnow() + starts_in + timedelta(minutes=30 * n)).astimezone(clinic_zone()).date() for n in range(3)
    }
    assert booked_days == {day} or pytest.skip("the three slots straddle midnight in Auckland")
    desk_messages.send(desk_messages.Draft("Running late ⏰", "About 20 minutes.", day=day), utcnow(), by_user=desk)
    expected = {"aroha@patients.example.org": aroha, "siobhan@patients.example.org": siobhan,
                "mere@xn--whnau-gwa.example.org": mere}  # fmt: skip
    wait_for(
        lambda: {r.rcpt_tos[0] for r in smtp.received if r.message["Subject"] == "Running late ⏰"} == set(expected),
        timeout=30,
        message="one email for each of the day's patients",
    )
    day_emails = [r for r in smtp.received if r.message["Subject"] == "Running late ⏰"]
    assert len(day_emails) == 3
    for received in day_emails:
        patient = expected[received.rcpt_tos[0]]
        assert _linked_patient(_text(received)) == patient.id
        assert f"Hello {patient.first_name}," in _text(received)


def test_voiding_an_invoice_emails_the_patient_through_the_worker(app, smtp, start_process, people):
    patient = make_patient("Hōne", "O'Brien-Ngātiwai 🌿", email="hone@patients.example.org")
    invoice = billing.create_invoice(
        patient_id=patient.id, lines=[Line("Rongoā consultation", Decimal("1"), Decimal("60"))], by_user=people["staff"]
    )
    billing.void(invoice.id, "Charged twice – sorry, Hōne.\nWe've refunded nothing: nothing was paid.",
                 by_user=people["staff"])  # fmt: skip
    start_process()
    wait_for(
        lambda: any(r.message["Subject"].startswith(f"Invoice {invoice.number} is cancelled") for r in smtp.received),
        timeout=30,
        message="the void email",
    )
    (void_email,) = [r for r in smtp.received if "cancelled" in r.message["Subject"]]
    assert void_email.rcpt_tos == ["hone@patients.example.org"]
    assert "Charged twice – sorry, Hōne.\nWe've refunded nothing" in _text(void_email)


def _window_around_now() -> str:
    """Quiet hours from an hour ago to two hours ahead, clinic time (wrapping midnight if it must)."""
    local = datetime.now(clinic_zone())
    start, end = local - timedelta(hours=1), local + timedelta(hours=2)
    return f"{start:%H:%M}-{end:%H:%M}"


def test_quiet_hours_hold_optional_emails_and_not_the_others(app, smtp, start_process):
    window = _window_around_now()
    app.config["QUIET_HOURS"] = window
    try:
        start_process()  # the worker is in quiet hours
        confirmation = sample_context("appointment_confirmation")
        from dashboard import notify

        # Written before the window as far as the writer knows (the app's setting empty), tried inside it.
        app.config["QUIET_HOURS"] = ""
        notify.email("appointment_reminder", to="aroha@patients.example.org",
                     context=sample_context("appointment_reminder"), dedupe_key="quiet:reminder")  # fmt: skip
        notify.email("appointment_confirmation", to="aroha@patients.example.org", context=confirmation)
        db.session.commit()
        wait_for(lambda: smtp.received, timeout=30, message="the confirmation")
        app.config["QUIET_HOURS"] = window
        (reminder,) = wait_for(
            lambda: [r for r in _rows("appointment_reminder") if r.next_attempt_at > utcnow()],
            timeout=30,
            message="the worker to hold the reminder until the window ends",
        )
        assert reminder.status == EmailStatus.QUEUED and reminder.attempts == 0
        assert reminder.next_attempt_at == quiet.quiet_until(utcnow())
        assert [r.message["Subject"].startswith("Your appointment") for r in smtp.received] == [True]
        # Written inside the window: it waits from the start.
        notify.email("payment_reminder", to="aroha@patients.example.org", context=sample_context("payment_reminder"))
        db.session.commit()
        assert _rows("payment_reminder")[0].next_attempt_at == reminder.next_attempt_at
    finally:
        app.config["QUIET_HOURS"] = ""
