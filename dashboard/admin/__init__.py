"""The owner's pages: users and the clinic's settings."""

from dashboard.admin import settings_routes  # noqa: F401  (registers its routes on bp)
from dashboard.admin.routes import bp

__all__ = ["bp"]
