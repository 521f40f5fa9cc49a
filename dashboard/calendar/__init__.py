"""The clinic's calendar: a day of every practitioner's time, its panels, and the printed day sheet."""

from dashboard.calendar.routes import bp

__all__ = ["bp"]
