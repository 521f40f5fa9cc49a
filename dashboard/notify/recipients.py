"""Who an email may go to: validated addresses, and the admins' hidden copies.

Addresses are checked with email-validator (syntax only, no DNS). Invalid or
empty ones are dropped and logged, never sent. Nothing with CR or LF ever
reaches a header.

email-validator spends most of its time on the domain (IDNA rules, character
by character), and a fan-out's thousands of addresses share a few domains; so
each domain is validated once (cached), and a plain ASCII local part (RFC 5322
dot-atom, which email-validator keeps exactly as it is) is checked by its
pattern. Anything else goes through email-validator whole. bench/outbox_write.py
measures the difference; tests/test_recipients.py holds the two to the same answers.
"""

import functools
import logging
import re
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


# RFC 5322 dot-atom: atext characters, dots between them; at most 64 octets (RFC 5321).
PLAIN_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
MAX_LOCAL, MAX_ADDRESS = 64, 254


def normalise(address: str | None) -> str | None:
    """The address in canonical form, or None if it is not a valid address."""
    if not address or not address.strip():
        return None
    address = address.strip()
    if "\r" in address or "\n" in address or "," in address:
        return None
    local, at, domain = address.rpartition("@")
    if at and len(local) <= MAX_LOCAL and PLAIN_LOCAL.fullmatch(local):
        checked = _domain(domain)
        if checked is not None and len(local) + 1 + len(checked) <= MAX_ADDRESS:
            return f"{local}@{checked}"
        if checked is None:
            return None
    return _validated(address)


@functools.lru_cache(maxsize=1024)
def _domain(domain: str) -> str | None:
    """The domain as email-validator normalises it, or None if it can't take mail."""
    address = _validated(f"postmaster@{domain}")
    return address.rpartition("@")[2] if address else None


def _validated(address: str) -> str | None:
    try:
        return validate_email(address, check_deliverability=False).normalized
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


def admin_copies(recipients: list[str], configured: str | None = None) -> list[str]:
    """ADMIN_NOTIFICATION_EMAILS (or `configured`), minus anyone already among the recipients."""
    if configured is None:
        configured = current_app.config.get("ADMIN_NOTIFICATION_EMAILS") or ""
    if not configured:
        return []
    admins = _admins(configured)
    already = {r.lower() for r in recipients}
    return [a for a in admins if a.lower() not in already]


@functools.lru_cache(maxsize=4)
def _admins(configured: str) -> tuple[str, ...]:
    """The valid addresses of the setting, checked once rather than for every email."""
    return tuple(
        clean((part for part in configured.split(",") if part.strip()), context="in ADMIN_NOTIFICATION_EMAILS")
    )
