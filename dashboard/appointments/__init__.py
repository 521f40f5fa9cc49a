"""Appointments: the lists, booking, confirming, cancelling, and the reschedule queue."""

from dashboard.appointments import requests, routes  # noqa: F401  the views, registered on bp
from dashboard.appointments.blueprint import bp

__all__ = ["bp"]
