"""The owner's pages: users, and the emails' words."""

from dashboard.admin import email_routes  # noqa: F401 - registers its routes on bp
from dashboard.admin.routes import bp

__all__ = ["bp"]
