"""Filters and helpers every template can use: clinic-time dates, money, counts, navigation.

Everything a person reads about a time or a count is worded here once, for the
pages, the emails (whose subjects too) and the services' bell titles alike.
"""

import math
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from flask_login import current_user

from dashboard.models import Role
from dashboard.notify.render import inline_styles
from dashboard.services import patients

NAVIGATION = {
    Role.OWNER: [
        ("main.home", "Today"),
        ("appointments.index", "Appointments"),
        ("schedule.week", "Schedules"),
        ("waitlist.index", "Waiting lists"),
        ("offers.index", "Offers"),
        ("patients.index", "Patients"),
        ("inventory.index", "Stock"),
        ("billing.index", "Billing"),
        ("notifications.index", "Notifications"),
        ("outbox.index", "Outbox"),
        ("admin.user_list", "Users"),
    ],
    Role.STAFF: [
        ("main.home", "Today"),
        ("appointments.index", "Appointments"),
        ("schedule.week", "Schedules"),
        ("waitlist.index", "Waiting lists"),
        ("offers.index", "Offers"),
        ("patients.index", "Patients"),
        ("inventory.index", "Stock"),
        ("billing.index", "Billing"),
        ("notifications.index", "Notifications"),
    ],
    Role.PRACTITIONER: [
        ("main.home", "My day"),
        ("schedule.week", "My schedule"),
        ("waitlist.index", "My waiting list"),
        ("appointments.index", "My appointments"),
        ("notifications.index", "Notifications"),
    ],
}


def clinic_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["CLINIC_TIMEZONE"])  # zoneinfo caches instances


def clinic_time(value: datetime | None, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(clinic_zone()).strftime(fmt)


def _local(value: datetime) -> datetime:
    return value.astimezone(clinic_zone())


def _date_words(local: datetime) -> str:
    return f"{local:%A} {local.day} {local:%B %Y}"


def _hour_words(local: datetime) -> str:
    return f"{local.hour % 12 or 12}:{local:%M} {'am' if local.hour < 12 else 'pm'}"


def clinic_date(value: datetime | date | None) -> str:
    """Tuesday 3 March 2026 (a plain date, e.g. an invoice's due date, is already the clinic's)."""
    if value is None:
        return ""
    return _date_words(value if not isinstance(value, datetime) else _local(value))


def clinic_hour(value: datetime | None) -> str:
    """9:30 am"""
    return "" if value is None else _hour_words(_local(value))


def clinic_datetime(value: datetime | None) -> str:
    """Tuesday 3 March 2026, 9:30 am"""
    if value is None:
        return ""
    local = _local(value)
    return f"{_date_words(local)}, {_hour_words(local)}"


def clinic_when(starts_at: datetime | None, now: datetime | None = None) -> str:
    """When something starts, said from `now` as a person would, in the clinic's zone:
    "in 45 minutes", "in 2 hours, at 2:00 pm", "today at 2:00 pm", "tomorrow at 9:30 am",
    "on Friday 11 December at 9:30 am" (with the year only when it isn't this year's).
    Without `now`: "on Wednesday 4 March 2026 at 9:30 am"."""
    if starts_at is None:
        return ""
    local = _local(starts_at)
    at = _hour_words(local)
    if now is None:
        return f"on {_date_words(local)} at {at}"
    # In UTC: two datetimes of one zone subtract as wall-clock times, wrong across a clock change.
    lead = starts_at.astimezone(UTC) - now.astimezone(UTC)
    minutes = math.floor(lead / timedelta(minutes=1) + 0.5)  # to the nearest, half up
    if 0 < minutes < 60:
        return f"in {plural(minutes, 'minute')}"
    if 60 <= minutes < 180:
        return f"in {plural(math.floor(minutes / 60 + 0.5), 'hour')}, at {at}"
    days = (local.date() - _local(now).date()).days
    if days == 0:
        return f"today at {at}"
    if days == 1:
        return f"tomorrow at {at}"
    year = f" {local.year}" if local.year != _local(now).year else ""
    return f"on {local:%A} {local.day} {local:%B}{year} at {at}"


# English nouns, regular ones: the words counted here are ours ("day", "patient", "reminder")
# or a stock unit the desk typed ("boxes", "pairs", "ml"); an irregular word passes its own
# plural. (inflect did this, at 3.5 s of import in every process: workers, cron, commands.)
SIBILANT = ("s", "x", "z", "ch", "sh")


def _plural_noun(word: str) -> str:
    head, _, last = word.rpartition(" ")
    if last.endswith("y") and len(last) > 1 and last[-2] not in "aeiou":
        last = last[:-1] + "ies"
    else:
        last += "es" if last.endswith(SIBILANT) else "s"
    return f"{head} {last}" if head else last


def _singular_noun(word: str) -> str:
    """ "boxes" → "box", "bottles" → "bottle", "supplies" → "supply"; a word not in a plural
    form ("ml", "kg", "glass") as it is."""
    if word.endswith("ies") and len(word) > 3:
        return word[:-3] + "y"
    if word.endswith("es") and word[:-2].endswith(SIBILANT):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 2:
        return word[:-1]
    return word


def plural(count: int | Decimal, word: str, plural_form: str | None = None) -> str:
    """The count and the word in its number: "1 day", "3 days". `word` is singular;
    `plural_form` is for words that carry their verb ("invoice is", "invoices are")
    or whose plural isn't regular."""
    if count == 1:
        return f"{count} {word}"
    return f"{count} {plural_form or _plural_noun(word)}"


def in_units(count: int | Decimal, unit: str | None) -> str:
    """A stock quantity in its unit as the desk typed it (plural by convention, "boxes"):
    "3 boxes", "1 box", "10 ml", or the bare number when the item has no unit."""
    if not unit:
        return f"{count}"
    if count == 1:
        return f"{count} {_singular_noun(unit)}"
    return f"{count} {unit}"


def stock_left(count: int, unit: str | None) -> str:
    """What a low-stock alert says of an item: "3 boxes left", "1 box left", "none left",
    after its name and a colon (a name may be plural or singular: no verb agrees with it)."""
    return "none left" if count <= 0 else f"{in_units(count, unit)} left"


def quantity(value: Decimal | int | None) -> str:
    """An invoice line's quantity without trailing zeros: "1", "2", "1.5" (stored as NUMERIC(10, 2))."""
    if value is None:
        return ""
    return f"{Decimal(value).normalize():f}"


def money(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{current_app.config.get('CLINIC_CURRENCY_SYMBOL', '$')}{Decimal(value):,.2f}"


def init_app(app: Flask) -> None:
    app.add_template_filter(clinic_time)
    app.add_template_filter(clinic_date)
    app.add_template_filter(clinic_hour)
    app.add_template_filter(clinic_datetime)
    app.add_template_filter(clinic_when)
    app.add_template_filter(plural)
    app.add_template_filter(in_units)
    app.add_template_filter(stock_left)
    app.add_template_filter(quantity)
    app.add_template_filter(money)
    app.add_template_filter(inline_styles)

    @app.context_processor
    def helpers() -> dict:
        def nav_items():
            if not current_user.is_authenticated:
                return []
            return NAVIGATION[current_user.role_enum]

        def clinic_today() -> str:
            return datetime.now(clinic_zone()).strftime("%A %d %B %Y")

        def greeting_time() -> str:
            hour = datetime.now(clinic_zone()).hour
            return "morning" if hour < 12 else "afternoon" if hour < 18 else "evening"

        return {
            "nav_items": nav_items,
            "clinic_today": clinic_today,
            "greeting_time": greeting_time,
            "email_reach": patients.email_reach,
        }
