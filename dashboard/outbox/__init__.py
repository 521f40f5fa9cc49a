"""The owner's outbox: every email as it went out, and the email gallery."""

from dashboard.outbox.routes import bp

__all__ = ["bp"]
