"""The clinic's settings as the code reads them: `setting("CLINIC_NAME")`.

A value is the owner's, from the settings page (the `clinic_settings` table), if there is one
and the key isn't locked; else the app's config (the environment, config.py). Stored values
are the strings the environment would give, turned into the config default's type here.

Every process (web, worker, cron) keeps the overrides in memory and reloads them when a save
has bumped the version in Redis (checked once per request or job) or when they are older
than `TTL` seconds: a change shows at the next page and the next job without a restart, and
a Redis outage only makes it wait out the TTL (Redis isn't asked again for `TTL` seconds
after it fails, so an outage costs no request its connect timeout twice).

Locks: `SETTINGS_LOCKED` (comma-separated keys, e.g. "CLINIC_TIMEZONE,MAIL_DEFAULT_SENDER")
names keys the server decides; the page shows them read-only and refuses to change them.

Ground floor: imports only models and Redis (never services), so clinic_time and wording
can read settings without a circle.
"""

import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import redis
from flask import Flask, current_app, g
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from dashboard import queues
from dashboard.extensions import db
from dashboard.models import ClinicSetting

log = logging.getLogger(__name__)

TTL = 5.0  # seconds a process trusts its copy without a word from Redis
VERSION_KEY = "dashboard:settings:version"
_MEMO = "clinic_settings"  # this request's or job's overrides, in `g`


@dataclass
class _Cache:
    values: dict[str, str] | None = None
    version: bytes | None = None
    loaded_at: float = 0.0
    redis_quiet_until: float = 0.0  # after a failure, Redis isn't asked until then
    lock: threading.Lock = field(default_factory=threading.Lock)
    # One reload at a time per process: the read takes a second pool connection, and fifty
    # threads each holding one while they all reload would empty the pool (PostgreSQL).
    loading: threading.Lock = field(default_factory=threading.Lock)


def init_app(app: Flask) -> None:
    app.extensions["clinic_settings"] = _Cache()
    app.before_request(_forget_memo)
    app.add_template_global(setting)


def _forget_memo() -> None:
    """Each request asks afresh (tests run many requests in one app context, so `g` may be shared)."""
    g.pop(_MEMO, None)


def locked_keys() -> frozenset[str]:
    """The keys the server sets (SETTINGS_LOCKED): the owner can't change them."""
    return _parse_locked(current_app.config.get("SETTINGS_LOCKED") or "")


@lru_cache(maxsize=8)
def _parse_locked(raw: str) -> frozenset[str]:
    return frozenset(part.strip().upper() for part in raw.split(",") if part.strip())


def setting(name: str) -> Any:
    """The effective value of the setting `name` (a config key)."""
    config = current_app.config
    default = config[name]
    if name in _parse_locked(config.get("SETTINGS_LOCKED") or ""):
        return default
    raw = overrides().get(name)
    if raw is None:
        return default
    try:
        return convert(raw, default)
    except ValueError:  # a row edited by hand: the page never stores one
        log.warning("Setting %s=%r is not a %s; using the default", name, raw, type(default).__name__)
        return default


def convert(raw: str, default: Any) -> Any:
    """A stored string as the type the config gives the key."""
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


def as_text(value: Any) -> str:
    """A value as the environment (and the table) would give it."""
    return "" if value is None else str(value)


def overrides() -> dict[str, str]:
    """The owner's values, read once per request or job."""
    memo = g.get(_MEMO)
    if memo is None:
        memo = _current(current_app._get_current_object())  # type: ignore[attr-defined]
        g.setdefault(_MEMO, memo)
    return memo


def _current(app: Flask) -> dict[str, str]:
    cache: _Cache = app.extensions["clinic_settings"]
    now = time.monotonic()
    version = _version(app, cache, now)
    with cache.lock:
        # A load "in the future" is never fresh (a clock a test set by hand, then gave back).
        fresh = cache.values is not None and 0 <= now - cache.loaded_at < TTL
        if fresh and (version is None or version == cache.version):
            return cache.values  # type: ignore[return-value]
    if not cache.loading.acquire(blocking=cache.values is None):
        return cache.values  # type: ignore[return-value]  # another thread is reloading: the last known
    try:
        values = _load(cache.values)
        with cache.lock:
            cache.values, cache.loaded_at, cache.version = values, now, version
    finally:
        cache.loading.release()
    return values


def _version(app: Flask, cache: _Cache, now: float) -> bytes | None:
    """The version in Redis (b"" before any save), or None when Redis can't be asked."""
    if now < cache.redis_quiet_until:
        return None
    try:
        version = queues.connection(app).get(VERSION_KEY)
        return version.encode() if isinstance(version, str) else version or b""
    except redis.RedisError as exc:
        cache.redis_quiet_until = now + TTL
        log.warning("Redis unavailable, settings are reloaded every %s s instead: %s", TTL, exc)
        return None


def _load(previous: dict[str, str] | None) -> dict[str, str]:
    """Read on a connection of its own, so a read never joins (or flushes) the caller's session."""
    try:
        with db.engine.connect() as conn:
            return {key: value for key, value in conn.execute(select(ClinicSetting.key, ClinicSetting.value))}
    except SQLAlchemyError as exc:  # e.g. before `flask db upgrade` has made the table
        log.warning("Clinic settings unreadable, using the last known (or config's): %s", exc)
        return previous or {}


def changed() -> None:
    """After a save has committed: this process forgets its copy, and the others are told."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cache: _Cache = app.extensions["clinic_settings"]
    with cache.lock:
        cache.values = None
    g.pop(_MEMO, None)
    try:
        queues.connection(app).set(VERSION_KEY, secrets.token_hex(8))
    except redis.RedisError as exc:
        log.warning("Redis unavailable, other processes see the new settings within %s s: %s", TTL, exc)
