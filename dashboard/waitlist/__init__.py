"""Practitioners' waiting lists: who is waiting, in what order, and who would be offered the next new time."""

from dashboard.waitlist.routes import bp

__all__ = ["bp"]
