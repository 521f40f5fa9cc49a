"""What the single cron process (`python worker.py --cron`) enqueues, and when.

RQ's cron has no leader lock: run exactly one cron process per deployment.
Features add their scans (reminders, overdue invoices, the outbox sweeper)
to `schedule()`. A scan whose crontab is a setting (`setting_key`) follows the owner's
changes on /admin/settings: before each round the scheduler reads the settings again (it
wakes at least once a minute), so a new crontab counts from the next round, no restart.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask
from rq.cron import CronJob, CronScheduler

from dashboard.jobs import appointments, billing, email, offers, system
from dashboard.settings import setting


@dataclass(frozen=True)
class Scheduled:
    func: Callable[..., object]
    queue: str
    interval: int | None = None  # seconds
    cron: str | None = None  # crontab syntax, in UTC
    setting_key: str | None = None  # the setting `cron` comes from


def schedule(config) -> list[Scheduled]:
    """The table. `config` is a mapping of the crontab settings (the app's config, or the
    effective settings read through `setting()`)."""
    return [
        Scheduled(system.cron_heartbeat, "default", interval=60),
        Scheduled(email.sweep, "emails", interval=60),
        Scheduled(appointments.send_reminders, "default", cron=config["REMINDER_CRON"], setting_key="REMINDER_CRON"),
        Scheduled(appointments.expire_requests, "default", interval=600),
        Scheduled(offers.advance, "default", interval=60),
        Scheduled(
            billing.send_payment_reminders,
            "default",
            cron=config["PAYMENT_REMINDER_CRON"],
            setting_key="PAYMENT_REMINDER_CRON",
        ),
    ]


class SettingsCronScheduler(CronScheduler):
    """RQ's cron scheduler, with the crontabs that are settings read again before each round."""

    def __init__(self, *args, app: Flask, **kwargs):
        super().__init__(*args, **kwargs)
        self.app = app
        self.settings_of: dict[str, str] = {}  # a job's func name -> the setting its crontab is

    def follow_settings(self) -> None:
        with self.app.app_context():
            for job in self.get_jobs():
                key = self.settings_of.get(job.func_name)
                if key:
                    retime(job, setting(key))

    def enqueue_jobs(self) -> list[CronJob]:
        self.follow_settings()
        return super().enqueue_jobs()


def retime(job: CronJob, crontab: str) -> bool:
    """Give a registered job a new crontab, due next by it; whether it changed."""
    if not crontab or crontab == job.cron:
        return False
    job.cron = crontab
    job.next_enqueue_time = job.get_next_enqueue_time()
    return True


def build_scheduler(connection, app: Flask) -> SettingsCronScheduler:
    scheduler = SettingsCronScheduler(connection=connection, name="dashboard-cron", app=app)
    with app.app_context():
        entries = schedule({key: setting(key) for key in ("REMINDER_CRON", "PAYMENT_REMINDER_CRON")})
    for entry in entries:
        scheduler.register(entry.func, entry.queue, interval=entry.interval, cron=entry.cron)
        if entry.setting_key:
            scheduler.settings_of[f"{entry.func.__module__}.{entry.func.__name__}"] = entry.setting_key
    return scheduler
