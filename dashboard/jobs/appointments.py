"""Appointment jobs the cron runs: reminders, and expiring unanswered reschedule requests."""

from dashboard.services import appointments, reminders


def send_reminders() -> dict:
    return {f"{hours}h": reminders.send_appointment_reminders(hours) for hours in reminders.lead_times()}


def expire_requests() -> int:
    return appointments.expire_requests()
