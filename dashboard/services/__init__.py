"""Domain actions. They take plain values, write rows and never touch `request`.

Each entry point owns its transaction with `unit_of_work()` (dashboard/database.py,
re-exported here): helpers raise and never roll back their caller; routes never commit.
"""

from dashboard.database import rows_changed, unit_of_work

__all__ = ["ServiceError", "rows_changed", "unit_of_work"]


class ServiceError(ValueError):
    """A refusal the person asking should read, e.g. "That username is taken"."""
