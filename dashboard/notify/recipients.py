"""Who an email may go to: validated addresses, and the admins' hidden copies.

Addresses are checked with email-validator (syntax only, no DNS). Invalid or
empty ones are dropped and logged, never sent. Nothing with CR or LF ever
reaches a header.
"""

import functools
import logging
from collections.abc import Iterable

from email_validator import EmailNotValidError, validate_email
from flask import current_app

log = logging.getLogger(__name__)


class HeaderInjection(ValueError):
    """A header value we were asked to build contains CR or LF."""


def reject_line_breaks(value: str, what: str = "header") -> str:
    if "\r" in value or "\n" in value:
        raise HeaderInjection(f"line break in {what}: {value!r}")
    return value


def normalise(address: str | None) -> str | None:
    """The address in canonical form, or None if it is not a valid address."""
    if not address or not address.strip():
        return None
    if "\r" in address or "\n" in address or "," in address:
        return None
    try:
        return validate_email(address.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def clean(addresses: Iterable[str | None], *, context: str = "") -> list[str]:
    """Valid addresses, deduplicated case-insensitively, in order; logs what it drops."""
    seen: set[str] = set()
    kept: list[str] = []
    for raw in addresses:
        address = normalise(raw)
        if address is None:
            log.warning("dropped invalid email address %r %s", raw, context)
            continue
        if address.lower() not in seen:
            seen.add(address.lower())
            kept.append(address)
    return kept


def admin_copies(recipients: list[str]) -> list[str]:
    """ADMIN_NOTIFICATION_EMAILS, minus anyone already among the recipients."""
    admins = _admins(current_app.config.get("ADMIN_NOTIFICATION_EMAILS") or "")
    already = {r.lower() for r in recipients}
    return [a for a in admins if a.lower() not in already]


@functools.lru_cache(maxsize=4)
def _admins(configured: str) -> tuple[str, ...]:
    """The valid addresses of the setting, checked once rather than for every email."""
    return tuple(
        clean((part for part in configured.split(",") if part.strip()), context="in ADMIN_NOTIFICATION_EMAILS")
    )
