"""Filters and helpers every template can use: clinic-time dates, money, counts, navigation.

The words themselves live on the ground floor, where services use them too: dates and
times in dashboard/clinic_time.py, counts, stock and money in dashboard/wording.py.
This module only registers them for templates.
"""

from datetime import datetime

from flask import Flask, request
from flask_login import current_user

from dashboard import brand
from dashboard import clinic_time as clinic_dates
from dashboard.clinic_time import clinic_date, clinic_today, clinic_zone
from dashboard.models import Role
from dashboard.notify.kinds import label_of
from dashboard.notify.render import inline_styles
from dashboard.services import clinic_logo, patients
from dashboard.settings import setting
from dashboard.wording import greeting_name, in_units, money, plural, quantity, stock_left

# Each role's links in the header; the owner's admin pages are grouped under one "Admin" menu
# (ADMIN_MENU), and who is signed in, "Change password" and "Log out" are in the user menu
# (base.html), so the owner's header fits one line on a 1366px desk screen.
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
    ],
    Role.STAFF: [
        ("calendar.day", "Calendar"),
        ("main.home", "Today"),
        ("appointments.index", "Appointments"),
        ("schedule.week", "Schedules"),
        ("waitlist.index", "Waiting lists"),
        ("offers.index", "Offers"),
        ("patients.index", "Patients"),
        ("messages.index", "Messages"),
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

ADMIN_MENU = {
    Role.OWNER: [
        ("admin.user_list", "Users"),
        ("outbox.index", "Outbox"),
        ("admin.settings_page", "Clinic settings"),
        ("outbox.gallery", "Emails"),
        ("messages.index", "Messages to patients"),  # the staff's is in their header (the owner's is full)
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
    app.add_template_filter(greeting_name)
    app.add_template_filter(label_of, name="kind_label")
    app.add_template_filter(inline_styles)

    @app.context_processor
    def helpers() -> dict:
        def nav_items():
            if not current_user.is_authenticated:
                return []
            return NAVIGATION[current_user.role_enum]

        def admin_items():
            if not current_user.is_authenticated:
                return []
            return ADMIN_MENU.get(current_user.role_enum, [])

        def in_section(items) -> bool:
            """Whether this page belongs to one of these links' sections (their blueprints)."""
            return request.blueprint in {endpoint.partition(".")[0] for endpoint, _label in items}

        def greeting_time() -> str:
            hour = datetime.now(clinic_zone()).hour
            return "morning" if hour < 12 else "afternoon" if hour < 18 else "evening"

        def brand_palette() -> brand.Palette:
            return brand.palette(setting("CLINIC_BRAND_COLOUR"))

        return {
            "brand_css": lambda: brand.css(setting("CLINIC_BRAND_COLOUR")),
            "brand_palette": brand_palette,
            "nav_items": nav_items,
            "admin_items": admin_items,
            "in_section": in_section,
            "clinic_today": lambda: clinic_date(clinic_today()),
            "greeting_time": greeting_time,
            "email_reach": patients.email_reach,
            "logo_url": clinic_logo.current_url,
        }
