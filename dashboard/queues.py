"""Redis and the RQ queues: the fast path for background work.

Redis is never the source of truth: rows in the database are, and a job
only carries their ids. When Redis cannot be reached, `enqueue()` logs and
returns None, and the caller's request still succeeds.
"""

import logging
from datetime import UTC, datetime, timedelta

import redis
from flask import Flask, current_app
from redis.backoff import ExponentialBackoff
from redis.retry import Retry
from rq import Queue
from rq.job import Job

from dashboard import redis_server
from dashboard.extensions import db

log = logging.getLogger(__name__)

QUEUE_NAMES = ("emails", "default")

_job_app: Flask | None = None


def init_app(app: Flask) -> None:
    if not app.config.get("REDIS_URL"):
        # Where `make run` starts the embedded server. Never started here: a one-off command
        # would leave it running; until it answers, the app runs as in any Redis outage.
        app.config["REDIS_URL"] = redis_server.socket_url(app.instance_path)
    app.config.setdefault("RATELIMIT_STORAGE_URI", limiter_storage_uri(app.config["REDIS_URL"]))
    # Fail fast when Redis is down: callers fall back to the database rows.
    app.extensions["redis"] = redis.Redis.from_url(
        app.config["REDIS_URL"],
        socket_timeout=5,
        socket_connect_timeout=2,
        retry=Retry(ExponentialBackoff(cap=0.2, base=0.02), 1),
    )


def limiter_storage_uri(redis_url: str) -> str:
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url[len("unix://") :]
    return redis_url


def connection(app: Flask | None = None) -> redis.Redis:
    return (app or current_app).extensions["redis"]


def get_queue(name: str = "default", app: Flask | None = None) -> Queue:
    return Queue(name, connection=connection(app), job_class=AppJob)


def enqueue(func: str, *args, queue: str = "default", job_id: str | None = None, **kwargs) -> Job | None:
    """Queue `func` (a dotted path) with plain arguments; never raise on a Redis outage."""
    try:
        return get_queue(queue).enqueue(func, *args, job_id=job_id, **kwargs)
    except redis.RedisError as exc:
        log.warning("Redis unavailable, %s not queued (the sweeper will catch up): %s", func, exc)
        return None


def enqueue_at(when, func: str, *args, queue: str = "default", **kwargs) -> Job | None:
    """Queue `func` to run at `when` (RQ's scheduler, run by the worker, moves it over)."""
    try:
        return get_queue(queue).enqueue_at(when, func, *args, **kwargs)
    except redis.RedisError as exc:
        log.warning("Redis unavailable, %s not scheduled (the sweeper will catch up): %s", func, exc)
        return None


def open_window(key: str, seconds: float, func: str, *args, ttl: float, queue: str = "default") -> Job | None:
    """Coalesce work: the first call opens a window named `key` and schedules `func` at its
    end, `seconds` from now (RQ's scheduler, run by the worker, queues it when due); calls
    while the window is open return None, the job already coming covers them. The job
    closes the window as it starts (`close_window`); `ttl` closes one whose job never came.

    Also None when Redis cannot be reached: the caller's rows must say what is still owed."""
    due = datetime.now(UTC) + timedelta(seconds=seconds)
    try:
        if not connection().set(key, due.isoformat(), nx=True, px=max(1, int(ttl * 1000))):
            return None
    except redis.RedisError as exc:
        log.warning("Redis unavailable, %s not scheduled (the sweeper will catch up): %s", func, exc)
        return None
    job = enqueue_at(due, func, *args, queue=queue)
    if job is None:
        close_window(key)  # nothing is coming: the next call tries again
    return job


def close_window(key: str) -> None:
    """The window's job has started: calls from now on open the next window."""
    try:
        connection().delete(key)
    except redis.RedisError as exc:
        log.warning("Redis unavailable, window %s left to expire: %s", key, exc)


def window_open(key: str) -> bool:
    """Whether a window opened by `open_window` still waits for its job (False when Redis can't say)."""
    try:
        return bool(connection().exists(key))
    except redis.RedisError:
        return False


NO_REDIS = "Redis isn't running at {url}: start the system with `make run`, or set REDIS_URL."


def require_redis(app: Flask | None = None) -> None:
    """For a command that is no use without Redis: say so clearly instead of failing later."""
    app = app or current_app
    if not redis_ok(app):
        raise RedisMissing(NO_REDIS.format(url=app.config["REDIS_URL"]))


class RedisMissing(RuntimeError):
    pass


def redis_ok(app: Flask | None = None) -> bool:
    try:
        return bool(connection(app).ping())
    except redis.RedisError:
        return False


def set_job_app(app: Flask) -> None:
    """The app jobs run in; the worker (worker.py) sets it once, before it starts working."""
    global _job_app
    _job_app = app


NO_JOB_APP = (
    "No app to run job {job} in: jobs run in a worker started by worker.py, which calls "
    "dashboard.queues.set_job_app(app) first (`rq worker` alone does not)."
)


class AppJob(Job):
    """A job that runs inside the application context, as request handlers do."""

    def perform(self):
        # The app comes from the worker: building it here would make this module, which the
        # app factory's modules import, import the factory back.
        if _job_app is None:
            raise RuntimeError(NO_JOB_APP.format(job=self.id))
        with _job_app.app_context():
            try:
                return super().perform()
            finally:
                db.session.remove()
