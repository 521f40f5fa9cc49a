"""What the single cron process (`python worker.py --cron`) enqueues, and when.

RQ's cron has no leader lock: run exactly one cron process per deployment.
Later features add their scans (reminders, overdue invoices, the outbox
sweeper) to `SCHEDULE`.
"""

from dataclasses import dataclass

from rq.cron import CronScheduler

from dashboard.jobs import email, system


@dataclass(frozen=True)
class Scheduled:
    func: object
    queue: str
    interval: int | None = None  # seconds
    cron: str | None = None  # crontab syntax, in UTC


SCHEDULE = [
    Scheduled(system.cron_heartbeat, "default", interval=60),
    Scheduled(email.sweep, "emails", interval=60),
]


def build_scheduler(connection) -> CronScheduler:
    scheduler = CronScheduler(connection=connection, name="dashboard-cron")
    for entry in SCHEDULE:
        scheduler.register(entry.func, entry.queue, interval=entry.interval, cron=entry.cron)
    return scheduler
