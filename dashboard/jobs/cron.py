"""What the single cron process (`python worker.py --cron`) enqueues, and when.

RQ's cron has no leader lock: run exactly one cron process per deployment.
Features add their scans (reminders, overdue invoices, the outbox sweeper)
to `schedule()`.
"""

from collections.abc import Callable
from dataclasses import dataclass

from rq.cron import CronScheduler

from dashboard.jobs import appointments, billing, email, offers, system


@dataclass(frozen=True)
class Scheduled:
    func: Callable[..., object]
    queue: str
    interval: int | None = None  # seconds
    cron: str | None = None  # crontab syntax, in UTC


def schedule(config) -> list[Scheduled]:
    return [
        Scheduled(system.cron_heartbeat, "default", interval=60),
        Scheduled(email.sweep, "emails", interval=60),
        Scheduled(appointments.send_reminders, "default", cron=config["REMINDER_CRON"]),
        Scheduled(appointments.expire_requests, "default", interval=600),
        Scheduled(offers.advance, "default", interval=60),
        Scheduled(billing.send_payment_reminders, "default", cron=config["PAYMENT_REMINDER_CRON"]),
    ]


def build_scheduler(connection, config) -> CronScheduler:
    scheduler = CronScheduler(connection=connection, name="dashboard-cron")
    for entry in schedule(config):
        scheduler.register(entry.func, entry.queue, interval=entry.interval, cron=entry.cron)
    return scheduler
