"""Filters and helpers every template can use: clinic-time dates, money, navigation."""

from datetime import date, datetime
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


def money(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{current_app.config.get('CLINIC_CURRENCY_SYMBOL', '$')}{Decimal(value):,.2f}"


def init_app(app: Flask) -> None:
    app.add_template_filter(clinic_time)
    app.add_template_filter(clinic_date)
    app.add_template_filter(clinic_hour)
    app.add_template_filter(clinic_datetime)
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
