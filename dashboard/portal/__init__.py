"""What patients do from the signed links in their emails, without logging in."""

from dashboard.portal.routes import bp

__all__ = ["bp"]
