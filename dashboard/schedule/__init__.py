"""Practitioners' availability: the week at a glance, adding, blocking and removing slots."""

from dashboard.schedule.routes import bp

__all__ = ["bp"]
