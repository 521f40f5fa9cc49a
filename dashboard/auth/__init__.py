"""Logging in and out."""

from dashboard.auth.routes import bp

__all__ = ["bp"]
