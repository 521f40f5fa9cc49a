"""Whether the database answers, for the health check."""

from sqlalchemy import text

from dashboard.extensions import db
from dashboard.services import unit_of_work


def database_ok() -> bool:
    """One `SELECT 1` in its own unit of work: a failure rolls the unit back and reads as False."""
    try:
        with unit_of_work():
            db.session.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001  any failure means "not reachable" here
        return False
