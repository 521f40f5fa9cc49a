"""Billing jobs the cron runs: the overdue-payment reminders."""

from dashboard.services import billing


def send_payment_reminders() -> int:
    return billing.send_payment_reminders()
