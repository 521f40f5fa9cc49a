"""Quiet hours: when optional emails (reminders, offers, payment reminders) wait.

`QUIET_HOURS` (read through `setting`) is "HH:MM-HH:MM" in clinic time, and may wrap
midnight ("20:00-08:00"); empty means none. Each night's window is turned into UTC
instants by `clinic_time.local_to_utc`, so 08:00 stays 08:00 across a clock change and
a window that spans one is an hour longer or shorter, as the clock on the wall says.
"""

import logging
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from dashboard.clinic_time import SkippedTime, clinic_zone, local_to_utc
from dashboard.settings import setting

log = logging.getLogger(__name__)

_SPEC = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse(spec: str | None) -> tuple[time, time] | None:
    """The (start, end) wall-clock times of "HH:MM-HH:MM"; None for empty (or a zero-length window).
    ValueError for anything else, with a message a person can act on."""
    if not spec or not spec.strip():
        return None
    match = _SPEC.match(spec)
    if not match:
        raise ValueError(f"Quiet hours look like 20:00-08:00, not {spec!r}.")
    hours_minutes = [int(part) for part in match.groups()]
    if hours_minutes[0] > 23 or hours_minutes[2] > 23 or hours_minutes[1] > 59 or hours_minutes[3] > 59:
        raise ValueError(f"Quiet hours look like 20:00-08:00, not {spec!r}.")
    start, end = time(hours_minutes[0], hours_minutes[1]), time(hours_minutes[2], hours_minutes[3])
    return None if start == end else (start, end)


def window() -> tuple[time, time] | None:
    """The clinic's quiet hours now (the setting may change without a restart). A value that
    can't be read is logged and taken as none: emails going is better than none being written."""
    try:
        return parse(setting("QUIET_HOURS"))
    except ValueError as exc:
        log.warning("QUIET_HOURS ignored: %s", exc)
        return None


def _instant(day: date, at: time) -> datetime:
    try:
        return local_to_utc(day, at)
    except SkippedTime:  # a boundary inside the hour the clocks skip: the first instant after it
        return datetime.combine(day, at, tzinfo=clinic_zone()).astimezone(UTC)


def _windows(first: date, last: date, hours: tuple[time, time]) -> Iterator[tuple[datetime, datetime]]:
    """Each night's window, as UTC instants, for the nights starting on `first` to `last` (clinic dates)."""
    start, end = hours
    day = first
    while day <= last:
        end_day = day if end > start else day + timedelta(days=1)
        yield _instant(day, start), _instant(end_day, end)
        day += timedelta(days=1)


def _local_date(moment: datetime) -> date:
    return moment.astimezone(clinic_zone()).date()


def quiet_until(moment: datetime, hours: tuple[time, time] | None = None) -> datetime | None:
    """The end (UTC) of the quiet window `moment` falls in; None outside quiet hours."""
    hours = hours if hours is not None else window()
    if hours is None:
        return None
    day = _local_date(moment)
    for start, end in _windows(day - timedelta(days=1), day, hours):
        if start <= moment < end:
            return end
    return None


def not_before(moment: datetime, hours: tuple[time, time] | None = None) -> datetime:
    """When an optional email due at `moment` may go: then, or the end of the quiet hours it falls in."""
    return quiet_until(moment, hours) or moment


def overlap(start: datetime, end: datetime, hours: tuple[time, time] | None = None) -> timedelta:
    """How much of [start, end) falls in quiet hours."""
    hours = hours if hours is not None else window()
    total = timedelta(0)
    if hours is None or end <= start:
        return total
    for quiet_start, quiet_end in _windows(_local_date(start) - timedelta(days=1), _local_date(end), hours):
        total += max(timedelta(0), min(end, quiet_end) - max(start, quiet_start))
    return total


def awake_after(start: datetime, length: timedelta, hours: tuple[time, time] | None = None) -> datetime:
    """The moment `length` of time outside quiet hours has passed since `start` (an offer's hold:
    it does not run out while the patient is asleep). Without quiet hours, start + length."""
    hours = hours if hours is not None else window()
    until = start + length
    for _ in range(60):  # each round adds the quiet time the last extension ran into; a few suffice
        extended = start + length + overlap(start, until, hours)
        if extended == until:
            break
        until = extended
    return until
