"""Every clinic date and time a person reads, in one style, in the clinic's zone.

The style is the emails': "Friday 4 December 2026, 9:30 am" — the day without a
leading zero, the month in words, a 12-hour clock with am/pm. Where space is
tight (tables, flash messages, bell titles) the same style is shortened here,
never elsewhere: "Fri 4 Dec 2026, 9:30 am", "Fri 4 Dec at 9:30 am", "Fri 4 Dec".

Pages, emails, PDFs and services all format through this module; nothing else
calls strftime on a date a person reads. It is also the clinic's clock: its zone,
today's date there, and a wall-clock time there as a UTC instant. Ground floor: it
imports nothing of the application but dashboard/settings.py (the clinic's zone is a
setting the owner may change).

In another language (the reader's: dashboard/languages.py) the same moments are written
as that language writes them, through Babel's CLDR data: "viernes, 4 de diciembre de
2026, 9:30"; the words around them ("today at", "in 2 hours") are gettext's.
"""

import math
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask_babel import get_locale, gettext, ngettext

from dashboard.settings import setting


class SkippedTime(ValueError):
    """A wall-clock time the clocks skip that night (e.g. 2:30 am when they spring forward)."""


def clinic_zone() -> ZoneInfo:
    """The clinic's zone, as the settings have it now (the owner may change it; zoneinfo caches instances)."""
    return ZoneInfo(setting("CLINIC_TIMEZONE"))


def clinic_today() -> date:
    """Today's date in the clinic (not UTC's: at 11:30 pm UTC on the 1st it is the 2nd in Auckland)."""
    return datetime.now(clinic_zone()).date()


def local_to_utc(day: date, at: time) -> datetime:
    """The UTC instant of a wall-clock time on a day in the clinic's zone (09:00 stays 09:00
    across a clock change). A time the clocks skip raises SkippedTime."""
    zone = clinic_zone()
    local = datetime.combine(day, at, tzinfo=zone)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise SkippedTime(f"{clinic_hour(at)} does not exist on {clinic_date(day)}: the clocks change that night.")
    return instant


def _local(value: datetime) -> datetime:
    return value.astimezone(clinic_zone())


def _day(value: datetime | date) -> date:
    """The clinic's date of an instant (a plain date is already the clinic's)."""
    return _local(value).date() if isinstance(value, datetime) else value


def clinic_day(value: datetime | date | None) -> date | None:
    """The clinic's date of an instant, as a date (e.g. for a URL's ?week=2026-12-04)."""
    return None if value is None else _day(value)


# Another language's style, as its readers write a date (CLDR patterns, through Babel): by
# (weekday, year) for the long form and the short one, and its clock. English keeps the
# clinic's own style below, written out by hand ("Friday 4 December 2026, 9:30 am": Babel's
# English would say "Friday, December 4, 2026" or "9:30 AM").
LONG = {
    "es": {
        (True, True): "EEEE, d 'de' MMMM 'de' y",
        (True, False): "EEEE, d 'de' MMMM",
        (False, True): "d 'de' MMMM 'de' y",
        (False, False): "d 'de' MMMM",
    },
}
SHORT = {
    "es": {(True, True): "EEE d MMM y", (True, False): "EEE d MMM", (False, True): "d MMM y", (False, False): "d MMM"},
}
HOUR = {"es": "{hour}:{minute:02d}"}  # 24-hour: "9:30", "14:00"


def _language() -> str:
    locale = get_locale()  # None outside a request or a job: English
    return "en" if locale is None else locale.language


def _in_pattern(day: date, patterns: dict, weekday: bool, year: bool) -> str | None:
    """The day in the current language's pattern, or None to write it the English way."""
    language = _language()
    if language not in patterns:
        return None
    return format_date(day, patterns[language][weekday, year], locale=language)


def _long_day(day: date, weekday: bool = True, year: bool = True) -> str:
    if (words := _in_pattern(day, LONG, weekday, year)) is not None:
        return words
    words = f"{day.day} {day:%B}"
    if weekday:
        words = f"{day:%A} {words}"
    return f"{words} {day.year}" if year else words


def clinic_hour(value: datetime | time | None) -> str:
    """9:30 am (an instant in the clinic's zone; a plain time is already a wall-clock time)."""
    if value is None:
        return ""
    local = _local(value) if isinstance(value, datetime) else value
    if (style := HOUR.get(_language())) is not None:
        return style.format(hour=local.hour, minute=local.minute)
    return f"{local.hour % 12 or 12}:{local.minute:02d} {'am' if local.hour < 12 else 'pm'}"


def clinic_date(value: datetime | date | None, weekday: bool = True, year: bool = True) -> str:
    """Tuesday 3 March 2026 (or "3 March 2026" without the weekday, "Tuesday 3 March" without the year)."""
    return "" if value is None else _long_day(_day(value), weekday, year)


def clinic_datetime(value: datetime | None) -> str:
    """Tuesday 3 March 2026, 9:30 am"""
    if value is None:
        return ""
    return gettext("%(day)s, %(time)s", day=clinic_date(value), time=clinic_hour(value))


def clinic_short_date(value: datetime | date | None, weekday: bool = True, year: bool = True) -> str:
    """The short form where space is tight: "Tue 3 Mar 2026", "Tue 3 Mar" (year=False), "3 Mar 2026"."""
    if value is None:
        return ""
    day = _day(value)
    if (short := _in_pattern(day, SHORT, weekday, year)) is not None:
        return short
    words = f"{day.day} {day:%b}"
    if weekday:
        words = f"{day:%a} {words}"
    return f"{words} {day.year}" if year else words


def clinic_time(value: datetime | None, year: bool = True) -> str:
    """An instant in a table or a list: "Tue 3 Mar 2026, 9:30 am" ("Tue 3 Mar, 9:30 am" with year=False)."""
    if value is None:
        return ""
    return gettext("%(day)s, %(time)s", day=clinic_short_date(value, year=year), time=clinic_hour(value))


def describe(moment: datetime) -> str:
    """A slot's start in a sentence (flash messages, errors, bell titles): "Fri 4 Dec at 9:30 am"."""
    return gettext("%(day)s at %(time)s", day=clinic_short_date(moment, year=False), time=clinic_hour(moment))


def describe_time(moment: datetime) -> str:
    """The end of a span already described: "10:00 am"."""
    return clinic_hour(moment)


def clinic_when(starts_at: datetime | None, now: datetime | None = None) -> str:
    """When something starts, said from `now` as a person would, in the clinic's zone:
    "in 45 minutes", "in 2 hours, at 2:00 pm", "today at 2:00 pm", "tomorrow at 9:30 am",
    "on Friday 11 December at 9:30 am" (with the year only when it isn't this year's).
    Without `now`: "on Wednesday 4 March 2026 at 9:30 am"."""
    if starts_at is None:
        return ""
    local = _local(starts_at)
    at = clinic_hour(starts_at)
    if now is None:
        return gettext("on %(day)s at %(time)s", day=clinic_date(starts_at), time=at)
    # In UTC: two datetimes of one zone subtract as wall-clock times, wrong across a clock change.
    lead = starts_at.astimezone(UTC) - now.astimezone(UTC)
    minutes = math.floor(lead / timedelta(minutes=1) + 0.5)  # to the nearest, half up
    if 0 < minutes < 60:
        return ngettext("in %(num)d minute", "in %(num)d minutes", minutes)
    if 60 <= minutes < 180:
        hours = math.floor(minutes / 60 + 0.5)
        return ngettext("in %(num)d hour, at %(time)s", "in %(num)d hours, at %(time)s", hours, time=at)
    days = (local.date() - _local(now).date()).days
    if days == 0:
        return gettext("today at %(time)s", time=at)
    if days == 1:
        return gettext("tomorrow at %(time)s", time=at)
    day = clinic_date(starts_at, year=local.year != _local(now).year)
    return gettext("on %(day)s at %(time)s", day=day, time=at)


def clinic_birth_date(value: date | None) -> str:
    """A date of birth: "4 Dec 1987" (no weekday: nobody says which day they were born)."""
    return "" if value is None else clinic_short_date(value, weekday=False)


_MONTHS = {
    name: i for i in range(1, 13) for name in (f"{date(2000, i, 1):%b}".lower(), f"{date(2000, i, 1):%B}".lower())
}
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NUMERIC = re.compile(r"(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{2}|\d{4})")
_WORDS = re.compile(r"(\d{1,2})(?:st|nd|rd|th)? ([a-z]+)\.?,? (\d{4})")


def parse_clinic_date(text: str | None) -> date | None:
    """A date as the clinic types it, day first: "4/12/1987", "4-12-1987", "4.12.87", "4 Dec 1987",
    or "1987-12-04"; None when the text is not one (or names no real day, as 31/2/1987).
    A two-digit year is the latest such year not after this one (87: 1987, 05: 2005)."""
    words = " ".join((text or "").lower().split())
    if match := _ISO.fullmatch(words):
        year, month, day = (int(part) for part in match.groups())
    elif match := _NUMERIC.fullmatch(words):
        day, month, year = (int(part) for part in match.groups())
        if len(match.group(3)) == 2:
            this_year = date.today().year
            year += 100 * (this_year // 100)
            if year > this_year:
                year -= 100
    elif (match := _WORDS.fullmatch(words)) and match.group(2) in _MONTHS:
        day, month, year = int(match.group(1)), _MONTHS[match.group(2)], int(match.group(3))
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


FILTERS: list[Callable[..., object]] = [
    clinic_time,
    clinic_date,
    clinic_short_date,
    clinic_day,
    clinic_hour,
    clinic_datetime,
    clinic_when,
    clinic_birth_date,
]
