"""Previews of an owner's unsaved words, kept in Redis for a few minutes for the preview frames.

The frames load the email from its own URL, served with the outbox's email-frame policy
(inline styles allowed, nothing else): an `srcdoc` frame would inherit the page's policy,
which blocks the inline styles every email is made of.
"""

import secrets

import redis

from dashboard import queues

SECONDS = 15 * 60


def _key(user_id: int, token: str) -> str:
    return f"email-preview:{user_id}:{token}"


def keep(user_id: int, html: str) -> str | None:
    """A token for the preview, or None when Redis can't keep it."""
    token = secrets.token_urlsafe(12)
    try:
        queues.connection().set(_key(user_id, token), html.encode(), ex=SECONDS)
    except redis.RedisError:
        return None
    return token


def shown(user_id: int, token: str) -> str | None:
    try:
        found = queues.connection().get(_key(user_id, token))
    except redis.RedisError:
        return None
    return found.decode() if isinstance(found, bytes) else None
