"""Calendar invitations (.ics, RFC 5545) for appointment emails.

One event with fixed properties, so it is written directly rather than
through a calendar library: a fan-out writes thousands of these and the
library costs more than the rest of the email. tests/test_ics.py parses the
result with icalendar to check it.
"""

from datetime import UTC, datetime

from flask import current_app

from dashboard.models.base import utcnow

LINE_OCTETS = 75


def appointment_invite(
    *, uid: str, starts_at: datetime, ends_at: datetime, summary: str, description: str = ""
) -> bytes:
    config = current_app.config
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{_text('-//' + config['CLINIC_NAME'] + '//Clinic dashboard//EN')}",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{_text(uid)}",
        f"DTSTAMP:{_utc(utcnow())}",
        f"DTSTART:{_utc(starts_at)}",
        f"DTEND:{_utc(ends_at)}",
        f"SUMMARY:{_text(summary)}",
        f"LOCATION:{_text(config['CLINIC_NAME'] + ', ' + config['CLINIC_ADDRESS'])}",
    ]
    if description:
        lines.append(f"DESCRIPTION:{_text(description)}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return b"".join(_fold(line.encode()) + b"\r\n" for line in lines)


def _utc(value: datetime) -> str:
    """A UTC date-time (naive values are taken as UTC, as the database stores them)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _text(value: str) -> str:
    """A TEXT value: backslash, semicolon and comma escaped; line breaks as \\n."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def _fold(line: bytes) -> bytes:
    """Lines longer than 75 octets continue on the next line after CRLF and a space,
    never splitting a UTF-8 character."""
    if len(line) <= LINE_OCTETS:
        return line
    parts = []
    limit = LINE_OCTETS
    while len(line) > limit:
        cut = limit
        while cut > 0 and (line[cut] & 0xC0) == 0x80:  # inside a multi-byte character
            cut -= 1
        parts.append(line[:cut])
        line = line[cut:]
        limit = LINE_OCTETS - 1  # continuation lines start with a space
    parts.append(line)
    return b"\r\n ".join(parts)
