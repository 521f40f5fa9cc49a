"""The owner's pages: users, the clinic's settings and the emails' words."""

from dashboard.admin import email_routes, settings_routes  # noqa: F401  (register their routes on bp)
from dashboard.admin.routes import bp

__all__ = ["bp"]
