"""Filters and helpers every template can use: clinic-time dates, money, counts, navigation.

The words themselves live on the ground floor, where services use them too: dates and
times in dashboard/clinic_time.py, counts, stock and money in dashboard/wording.py.
This module only registers them for templates.
"""

from datetime import datetime

from flask import Flask
from flask_login import current_user

from dashboard import clinic_time as clinic_dates
from dashboard.clinic_time import clinic_date, clinic_today, clinic_zone
from dashboard.models import Role
from dashboard.notify.render import inline_styles
from dashboard.services import patients
from dashboard.wording import in_units, money, plural, quantity, stock_left

NAVIGATION = {
    Role.OWNER: [
        ("calendar.day", "Calendar"),
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
        ("calendar.day", "Calendar"),
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
        ("calendar.day", "My calendar"),
        ("schedule.week", "My schedule"),
        ("waitlist.index", "My waiting list"),
        ("appointments.index", "My appointments"),
        ("notifications.index", "Notifications"),
    ],
}


def init_app(app: Flask) -> None:
    for date_filter in clinic_dates.FILTERS:
        app.add_template_filter(date_filter)
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

        def greeting_time() -> str:
            hour = datetime.now(clinic_zone()).hour
            return "morning" if hour < 12 else "afternoon" if hour < 18 else "evening"

        return {
            "nav_items": nav_items,
            "clinic_today": lambda: clinic_date(clinic_today()),
            "greeting_time": greeting_time,
            "email_reach": patients.email_reach,
        }
