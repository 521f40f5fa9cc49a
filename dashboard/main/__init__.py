"""Each role's home page, the health check and the clinic's logo."""

from dashboard.main import logo_routes  # noqa: F401  (registers its route on bp)
from dashboard.main.routes import bp

__all__ = ["bp"]
