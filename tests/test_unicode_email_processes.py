"""Every kind of email, made by the real services for people whose names are written
as New Zealand writes them, delivered by a real worker to a real SMTP server on
loopback, with and without SMTPUTF8.

What a person would check: every email arrives (or, for an address the server
can't take, fails with a reason the desk sees); its Subject, decoded by a mail
client, is exactly what the clinic wrote; international addresses get their mail.
"""

import re
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal

import pytest
from flask import g
from sqlalchemy import select

from dashboard.clinic_time import clinic_today
from dashboard.extensions import db
from dashboard.models import EmailMessage, EmailStatus, Notification, Role
from dashboard.models.base import utcnow
from dashboard.notify.kinds import KINDS
from dashboard.services import appointments, billing, desk_messages, inventory, reminders, slots, waitlist
from dashboard.services.billing import Line
from dashboard.services.users import create_user
from tests.conftest import PASSWORD, ROOT, AuthActions, process_env
from tests.factories import make_patient, make_slot, practitioner_of
from tests.helpers import wait_for
from tests.smtp_sink import SmtpSink

pytestmark = pytest.mark.slow

LONG_FIRST = "Te Rangihīroa Hōne Wiremu Ātaahua Tūhoe-Pōtatau Kōtuku Ngāhuia Whetū-mārama Āna"
LONG_LAST = "Ngāti-Whātua-ki-Ōrākei Tāmaki-Makaurau Te Waipounamu Aotearoa Ōtautahi Rēhia 🌿"
PATIENTS = [
    # (first name, last name, email): every one of these is a normal name here
    ("Aroha", "Ngātiwai", "aroha.ngatiwai@patients.example.org"),
    ("Zoë", "Müller", "zoe.mueller@patients.example.org"),
    ("Siobhán", "O'Brien", "siobhan@patients.example.org"),
    ("Mere 🌿", "Pōmare", "mere@whānau.example.org"),  # ASCII before the @: the domain goes as IDNA
    ("\u200fمريم\u200f", "Haddad", "maryam@patients.example.org"),  # right-to-left marks around Arabic
    (LONG_FIRST, LONG_LAST, "long.name@patients.example.org"),  # a subject of over 200 characters
    ("=?utf-8?q?Ana=0D=0ABcc:", "evil@example.org?=", "ana@patients.example.org"),  # typed as an encoded-word
]
INTERNATIONAL = [("José", "García-López", "josé@example.com"), ("伟", "张", "用户@例子.广告")]
REFUSED = "nobody@patients.example.org"  # the server says 550 for this one


@pytest.fixture(params=[True, False], ids=["smtputf8", "ascii-only-server"])
def sink(request, app):
    sink = SmtpSink(smtputf8=request.param).start()
    sink.handler.refused = {REFUSED}
    app.config.update(
        MAIL_BACKEND="smtp",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=sink.port,
        MAIL_TIMEOUT=5,
        MAIL_DEFAULT_SENDER="reception@clinic.example.org",  # no display name: the clinic's name is used
        OUTBOX_RETRY_BASE=0.2,
        OUTBOX_RETRY_CAP=1.0,
    )
    yield sink
    sink.stop()


def clinic_people() -> dict:
    made = {}
    for username, name, role in [
        ("ngaio", "Ngaio Pōmare-Tūhoe", Role.OWNER),
        ("siobhan", "Siobhán Ó Súilleabháin", Role.STAFF),
        ("aroha", "Dr Aroha Ngātiwai", Role.PRACTITIONER),
    ]:
        made[str(role)] = create_user(
            username=username,
            email=f"{username}@clinic.example.org",
            full_name=name,
            role=role,
            password=PASSWORD,
            specialty="Rongoā Māori & general practice" if role == Role.PRACTITIONER else None,
            consultation_fee=Decimal("85.00") if role == Role.PRACTITIONER else None,
        )
    return made


def make_every_kind(people: dict) -> dict:
    """Drive the services so that every kind of email is written at least once."""
    practitioner = practitioner_of(people["practitioner"])
    desk = people["staff"]
    patients = [make_patient(first, last, email=address) for first, last, address in PATIENTS + INTERNATIONAL]
    refused = make_patient("Nobody", "Home", email=REFUSED)
    booked = []
    for n, patient in enumerate([*patients, refused]):
        slot = make_slot(practitioner, starts_in=timedelta(days=3, hours=n))
        reason = "Follow-up: kawakawa balm & rongoā 🌿"
        booked.append(
            appointments.book(patient_id=patient.id, slot_id=slot.id, by_user=desk, reason=reason).appointment
        )
    aroha, zoe, siobhan, mere, maryam, long_name, ana, jose, wei = patients  # noqa: F841  (named for reading)

    appointments.cancel(booked[1].id, by_user=desk, reason="Dr Ngātiwai is away at a hui")  # Zoë
    request = appointments.request_reschedule(booked[2].id, note="Mornings", by_user=desk)  # Siobhán
    appointments.approve_reschedule(request.id, make_slot(practitioner, starts_in=timedelta(days=6)).id, desk)
    request = appointments.request_reschedule(booked[5].id, note="Any Friday", by_user=desk)  # the long name
    appointments.reject_reschedule(request.id, "No Fridays free until Matariki", desk)

    soon = appointments.book(
        patient_id=maryam.id, slot_id=make_slot(practitioner, starts_in=timedelta(hours=20)).id, by_user=desk
    ).appointment
    soon.scheduled_at = utcnow() - timedelta(days=3)  # booked long enough ago to be reminded
    db.session.commit()
    assert reminders.send_appointment_reminders(24) == 1

    invoice = billing.create_invoice(
        patient_id=jose.id, lines=[Line("Consulta – revisión", Decimal("1"), Decimal("85"))], by_user=desk
    )
    billing.record_payment(invoice.id, amount=Decimal("40"), method="Card", by_user=desk, reference="Kia ora 🌿")
    overdue = billing.create_invoice(
        patient_id=aroha.id, lines=[Line("Rongoā consultation", Decimal("1"), Decimal("60"))], by_user=desk
    )
    overdue.due_on = clinic_today() - timedelta(days=10)
    db.session.commit()
    assert billing.send_payment_reminders(7).written == 1

    cancelled = billing.create_invoice(
        patient_id=siobhan.id, lines=[Line("Rongoā consultation", Decimal("1"), Decimal("60"))], by_user=desk
    )
    billing.void(cancelled.id, "Charged twice – sorry, Siobhán 🌿", by_user=desk)
    words = "Kia ora {{ 7*7 }},\n\nThe car park on Ōrākei Road is closed 🅿️.\nPark at the marae.\n\nNgā mihi"
    desk_messages.send(desk_messages.Draft("Te Rangihīroa's car park – closed 🅿️", words, patient_id=long_name.id),
                       utcnow(), by_user=desk)  # fmt: skip

    inventory.create_item(name="Kawakawa balm 🌿 (Ngātiwai's)", sku="KWK-1", quantity=2, minimum_level=5, by_user=desk)

    waitlist.add(practitioner.id, wei.id, by_user=desk)
    waitlist.add(practitioner.id, ana.id, by_user=desk)
    slots.add_slots(
        practitioner.id,
        [slots.Span(utcnow() + timedelta(days=9), utcnow() + timedelta(days=9, minutes=30))],
        by_user_id=desk.id,
    )
    return {"patients": patients, "refused": refused}


def run_worker(app, backend) -> None:
    worker = subprocess.run(
        [sys.executable, "worker.py", "--burst"], cwd=ROOT, env=process_env(app, backend), timeout=120
    )
    assert worker.returncode == 0


def settled() -> list[EmailMessage]:
    db.session.expire_all()
    rows = list(db.session.scalars(select(EmailMessage).order_by(EmailMessage.id)))
    return rows if rows and all(r.status in (EmailStatus.SENT, EmailStatus.FAILED) for r in rows) else []


def test_every_kind_reaches_people_with_every_kind_of_name(app, backend, sink):
    people = clinic_people()
    made = make_every_kind(people)
    # The fan-out job, every delivery, and the failure notices they cause, until nothing is left.
    rows = wait_for(lambda: run_worker(app, backend) or settled(), timeout=120, interval=0.2, message="the outbox")
    assert {row.kind for row in rows} == set(KINDS), "every kind was made and sent"

    received = {" ".join(r.message["Message-ID"].split()): r for r in sink.received}
    by_address = {address: row for row in rows for address in row.recipients}
    international_ok = sink.smtputf8
    for row in rows:
        address = row.recipients[0]
        cannot = address in ("josé@example.com", "用户@例子.广告") and not international_ok
        if cannot or address == REFUSED:
            assert row.status == EmailStatus.FAILED, (row.kind, address, row.last_error)
            assert ("SMTPUTF8" if cannot else "550 5.1.1") in row.last_error, row.last_error
            continue
        assert row.status == EmailStatus.SENT, (row.kind, address, row.last_error)
        delivered = received[row.smtp_message_id]
        message = delivered.message
        # A mail client decodes exactly the subject the clinic wrote: no escaping, nothing lost.
        assert message["Subject"] == row.subject
        assert "&#39;" not in row.subject and "&amp;" not in row.subject and "\n" not in message["Subject"]
        assert message["From"] == "Harbourside Clinic <reception@clinic.example.org>"
        assert re.search(r"[+-]\d{4}$", message["Date"]) and not message["Date"].endswith("-0000")
        assert message["Message-ID"].endswith("@clinic.example.org>")
        for line in delivered.raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n"):
            assert len(line) <= 998 and (b"=?utf-8?q?" not in line or len(line) <= 76), line
        if row.kind == "new_appointment_notice":
            assert row.subject.startswith("New appointment: ")

    # The typed names arrive as typed (decoded), even a name that looks like an encoded-word.
    subjects = [received[r.smtp_message_id].message["Subject"] for r in rows if r.smtp_message_id in received]
    for first, last, _ in PATIENTS:
        assert any(f"{first} {last}" in subject for subject in subjects), (first, last)
    assert any(len(subject) > 200 for subject in subjects)
    assert all("Bcc" not in received[r.smtp_message_id].message for r in rows if r.smtp_message_id in received)

    # The domain of an ASCII address goes as IDNA, and its mail arrives.
    mere = by_address["mere@whānau.example.org"]
    assert received[mere.smtp_message_id].rcpt_tos == ["mere@xn--whnau-gwa.example.org"]

    jose = by_address["josé@example.com"]
    if international_ok:
        arrived = received[jose.smtp_message_id]
        assert arrived.rcpt_tos == ["josé@example.com"] and "SMTPUTF8" in arrived.mail_options
        assert arrived.message["To"] == "josé@example.com"
        assert received[by_address["用户@例子.广告"].smtp_message_id].message["To"] == "用户@例子.广告"
    else:
        # The desk sees it: the owners' notice by email, a bell for the rest of the desk, and the patient's page.
        notices = [r for r in rows if r.kind == "delivery_failed" and r.status == EmailStatus.SENT]
        assert any("josé@example.com" in n.text and "SMTPUTF8" in n.text for n in notices)
        staff_bells = db.session.scalars(
            select(Notification).where(
                Notification.user_id == people["staff"].id, Notification.kind == "delivery_failed"
            )
        ).all()
        assert any(b.link == f"/patients/{made['patients'][7].id}" for b in staff_bells)
        page = desk_page(app, "siobhan", f"/patients/{made['patients'][7].id}")
        assert "This patient will get no emails" in page and "SMTPUTF8" in page

    # A refused address is reported too, and the patient's page says so.
    page = desk_page(app, "siobhan", f"/patients/{made['refused'].id}")
    assert "This patient will get no emails" in page and "550" in page

    # The owner can open every row of the outbox, whatever its status, escaped once.
    for row in rows:
        page = desk_page(app, "ngaio", f"/admin/outbox/{row.id}")
        assert f"Email #{row.id}" in page, (row.id, row.kind, row.status)
        assert "&amp;#39;" not in page and "&amp;amp;" not in page


def desk_page(app, username: str, path: str) -> str:
    """`path` as `username` sees it, from a browser of their own."""
    for name in ("_login_user", "csrf_token"):  # requests share the test's app context, and so its `g`
        g.pop(name, None)
    client = app.test_client()
    response = AuthActions(client).login(username)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    return client.get(path).get_data(as_text=True)
