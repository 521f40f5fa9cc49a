"""Billing end to end: the invoice and the receipt, each with its PDF, through a real worker
to an SMTP server on loopback; the overdue command run twice as its own process."""

import io
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from dashboard.clinic_time import clinic_today
from dashboard.extensions import db
from dashboard.services import billing
from tests.conftest import ROOT, process_env
from tests.factories import make_patient
from tests.helpers import wait_for

pytestmark = pytest.mark.slow


def pdf_of(message) -> str:
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
    data = part.get_content()
    assert data.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_invoice_and_the_receipt_arrive_with_valid_pdfs(app, smtp, start_process, people):
    start_process()
    patient = make_patient("Aroha", "Ngata", email="aroha@patients.example.org")
    invoice = billing.create_invoice(
        patient_id=patient.id,
        lines=[billing.Line("Consultation", Decimal("1"), Decimal("85.00"))],
        by_user=people["staff"],
    )
    wait_for(lambda: len(smtp.received) >= 1, timeout=30, message="the invoice email")
    [sent] = smtp.received
    assert sent.rcpt_tos == [patient.email]
    assert invoice.number in sent.message["Subject"]
    assert invoice.number in pdf_of(sent.message) and "85.00" in pdf_of(sent.message)

    payment = billing.record_payment(invoice.id, amount=Decimal("85.00"), method="Card", by_user=people["staff"])
    wait_for(lambda: len(smtp.received) >= 2, timeout=30, message="the payment confirmation")
    receipt = smtp.received[1].message
    assert payment.receipt_number in pdf_of(receipt)


def test_the_overdue_command_twice_sends_one_reminder_and_none_for_paid(app, smtp, backend, people):
    overdue = billing.create_invoice(
        patient_id=make_patient("Ben", email="ben@patients.example.org").id,
        lines=[billing.Line("Cleaning", Decimal("1"), Decimal("60.00"))],
        by_user=people["staff"],
    )
    paid = billing.create_invoice(
        patient_id=make_patient("Cleo", email="cleo@patients.example.org").id,
        lines=[billing.Line("Cleaning", Decimal("1"), Decimal("60.00"))],
        by_user=people["staff"],
    )
    billing.record_payment(paid.id, amount=Decimal("60.00"), method="Cash", by_user=people["staff"])
    for invoice in (overdue, paid):
        invoice.due_on = clinic_today() - timedelta(days=8)
    db.session.commit()

    command = [sys.executable, "-m", "flask", "--app", "wsgi", "send-payment-reminders", "--days", "7"]
    env = process_env(app, backend)
    outputs = [subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60) for _ in range(2)]
    assert [o.returncode for o in outputs] == [0, 0], outputs
    assert "1 payment reminder written" in outputs[0].stdout and "0 payment reminders written" in outputs[1].stdout
    assert subprocess.run([sys.executable, "worker.py", "--burst"], cwd=ROOT, env=env, timeout=60).returncode == 0
    wait_for(lambda: any("overdue" in r.message["Subject"] for r in smtp.received), timeout=20, message="reminder")
    reminders = [r for r in smtp.received if "overdue" in r.message["Subject"]]
    assert len(reminders) == 1 and reminders[0].rcpt_tos == ["ben@patients.example.org"]
