"""The owner's pages: users."""

from dashboard.admin.routes import bp

__all__ = ["bp"]
