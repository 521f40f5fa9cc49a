"""Messages from the desk (`/messages/`): staff write to one patient or to a day's patients, now or later."""

from dashboard.messages.routes import bp

__all__ = ["bp"]
