"""Housekeeping jobs: the round-trip probe and the cron heartbeat."""

from datetime import UTC, datetime

from sqlalchemy import func, select

from dashboard import queues
from dashboard.extensions import db
from dashboard.models import User

CRON_HEARTBEAT_KEY = "dashboard:cron:last-beat"


def ping(token: str) -> dict:
    """Answer with what a worker sees, proving a job reached the app and its database."""
    users = db.session.scalar(select(func.count()).select_from(User))
    return {"token": token, "users": users}


def cron_heartbeat() -> str:
    """Written every minute by the cron process, so /healthz can tell it is alive."""
    now = datetime.now(UTC).isoformat()
    queues.connection().set(CRON_HEARTBEAT_KEY, now, ex=3600)
    return now
