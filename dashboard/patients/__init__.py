"""Patients: find, add and edit them, and see their appointments."""

from dashboard.patients.routes import bp

__all__ = ["bp"]
