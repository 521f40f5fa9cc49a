"""Billing jobs: the cron's overdue scan, and the batches of reminders it hands out."""

from datetime import date

from dashboard.services import billing


def send_payment_reminders() -> dict:
    run = billing.send_payment_reminders()
    return {"due": run.due, "written": run.written, "queued": run.queued, "already": run.already}


def write_payment_reminders(invoice_ids: list[int], days: int, today: str) -> int:
    return billing.write_payment_reminders([int(i) for i in invoice_ids], int(days), date.fromisoformat(today))
