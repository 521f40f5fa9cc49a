"""Appointments: the lists, booking, confirming, cancelling, and the reschedule queue."""

from dashboard.appointments.routes import bp

__all__ = ["bp"]
