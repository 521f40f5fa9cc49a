"""Filters and helpers every template can use: clinic-time dates, money, navigation."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from flask_login import current_user

from dashboard.models import Role

NAVIGATION = {
    Role.OWNER: [("main.home", "Today"), ("notifications.index", "Notifications"), ("admin.user_list", "Users")],
    Role.STAFF: [("main.home", "Today"), ("notifications.index", "Notifications")],
    Role.PRACTITIONER: [("main.home", "My day"), ("notifications.index", "Notifications")],
}


def clinic_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["CLINIC_TIMEZONE"])


def clinic_time(value: datetime | None, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(clinic_zone()).strftime(fmt)


def money(value: Decimal | None) -> str:
    return "" if value is None else f"${value:,.2f}"


def init_app(app: Flask) -> None:
    app.add_template_filter(clinic_time)
    app.add_template_filter(money)

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

        return {"nav_items": nav_items, "clinic_today": clinic_today, "greeting_time": greeting_time}
