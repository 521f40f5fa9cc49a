"""Stock: items, movements in and out, and what is running low."""

from dashboard.inventory.routes import bp

__all__ = ["bp"]
