"""Failed-login throttles, and the locks they make.

Three ceilings, each counted in Flask-Limiter's Redis storage with its strategy
(`limiter.limiter`), and only for failed attempts:

- per account and address together (LOGIN_LIMIT_PER_ACCOUNT_ADDRESS): someone mistyping at
  one desk locks only that account at that address, and the owner still logs in elsewhere;
- per account alone (LOGIN_LIMIT_PER_ACCOUNT, higher): someone guessing from many addresses;
- per address alone (LOGIN_LIMIT_PER_IP, higher still): a clinic's desks share one address.

A ceiling reached is a lock, also noted in a Redis sorted set (member: kind, account,
address; score: until when) so the owner's Users page can list the locks and lift one.
A Redis outage locks nobody out and breaks no page: every call here swallows it.
"""

import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import cast

from flask import current_app
from limits import RateLimitItem, parse

from dashboard import queues
from dashboard.extensions import limiter

log = logging.getLogger(__name__)


def N_(message: str) -> str:
    """Marks words for `make translations`: the login page translates what a lock covers."""
    return message


# kind: (setting, what the lock covers, in words)
KINDS = {
    "account_address": ("LOGIN_LIMIT_PER_ACCOUNT_ADDRESS", N_("this username from this address")),
    "account": ("LOGIN_LIMIT_PER_ACCOUNT", N_("this username, from any address")),
    "address": ("LOGIN_LIMIT_PER_IP", N_("any username from this address")),
}


@dataclass(frozen=True)
class Lock:
    kind: str
    account: str | None
    address: str | None
    until: datetime

    @property
    def covers(self) -> str:
        return KINDS[self.kind][1]

    @property
    def member(self) -> str:
        return json.dumps([self.kind, self.account, self.address])


@cache
def _parse(limit: str) -> RateLimitItem:
    return parse(limit)


def _item(kind: str) -> RateLimitItem:
    return _parse(current_app.config[KINDS[kind][0]])


def _scope(kind: str, account: str | None, address: str | None) -> tuple[str | None, str | None]:
    return (account if kind != "address" else None, address if kind != "account" else None)


def _identifiers(kind: str, account: str | None, address: str | None) -> tuple[str, ...]:
    account, address = _scope(kind, account, address)
    parts = [current_app.config["RATELIMIT_KEY_PREFIX"], "login", kind]
    return tuple(parts + [p for p in (account, address) if p is not None])


def _locks_key() -> str:
    return current_app.config["RATELIMIT_KEY_PREFIX"] + ":login-locks"


def _lock_if_reached(kind: str, account: str, address: str) -> Lock | None:
    item, ids = _item(kind), _identifiers(kind, account, address)
    if limiter.limiter.test(item, *ids):
        return None
    reset_at = limiter.limiter.get_window_stats(item, *ids).reset_time
    return Lock(kind, *_scope(kind, account, address), until=datetime.fromtimestamp(reset_at, UTC))


def locks_for(account: str, address: str) -> list[Lock]:
    """The locks that stop `account` logging in from `address` now (none if Redis is down)."""
    try:
        return [lock for kind in KINDS if (lock := _lock_if_reached(kind, account, address))]
    except Exception as exc:  # noqa: BLE001  (a Redis outage must not lock everyone out)
        log.warning("login throttle unavailable, not checked: %s", exc)
        return []


def record_failure(account: str, address: str) -> None:
    """Count a failed attempt against every ceiling; note any lock it makes."""
    try:
        for kind in KINDS:
            limiter.limiter.hit(_item(kind), *_identifiers(kind, account, address))
        for kind in KINDS:
            lock = _lock_if_reached(kind, account, address)
            if lock is not None:
                queues.connection().zadd(_locks_key(), {lock.member: lock.until.timestamp()})
    except Exception as exc:  # noqa: BLE001
        log.warning("login throttle unavailable, failure not counted: %s", exc)


def current_locks() -> list[Lock] | None:
    """Every lock in force, soonest over first; None when Redis can't be reached."""
    try:
        redis = queues.connection()
        redis.zremrangebyscore(_locks_key(), "-inf", time.time())
        locks = []
        # withscores: (member, score) pairs; redis-py's return type covers every form of the reply
        entries = cast(list[tuple[bytes, float]], redis.zrange(_locks_key(), 0, -1, withscores=True))
        for member, _until in entries:
            kind, account, address = json.loads(member)
            if kind not in KINDS:
                continue
            # Still in force? (A lock lifted by hand, or a ceiling raised since, is gone.)
            lock = _lock_if_reached(kind, account or "", address or "")
            if lock is None:
                redis.zrem(_locks_key(), member)
            else:
                locks.append(lock)
        return sorted(locks, key=lambda lock: lock.until)
    except Exception as exc:  # noqa: BLE001
        log.warning("login locks unavailable: %s", exc)
        return None


def lift(kind: str, account: str | None, address: str | None) -> bool:
    """End a lock: its count starts again from nothing. False when Redis can't be reached."""
    if kind not in KINDS:
        return False
    account, address = _scope(kind, account or "", address or "")
    try:
        limiter.limiter.clear(_item(kind), *_identifiers(kind, account, address))
        queues.connection().zrem(_locks_key(), json.dumps([kind, account, address]))
    except Exception as exc:  # noqa: BLE001
        log.warning("login lock not lifted, Redis unavailable: %s", exc)
        return False
    return True
