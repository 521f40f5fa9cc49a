"""The bell: dropdown, mark read, the full list."""

from dashboard.notifications.routes import bp

__all__ = ["bp"]
