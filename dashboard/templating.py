"""Filters and helpers every template can use: clinic-time dates, money, counts, navigation.

The words themselves live on the ground floor, where services use them too: dates and
times in dashboard/clinic_time.py, counts, stock and money in dashboard/wording.py.
This module only registers them for templates.
"""

from datetime import datetime

from flask import Flask, request
from flask_babel import gettext
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


def N_(message: str) -> str:
    """Marks words kept as data for `make translations`; `gettext` translates them where shown."""
    return message


# Each role's links in the header; the owner's admin pages are grouped under one "Admin" menu
# (ADMIN_MENU), and who is signed in, "Change password" and "Log out" are in the user menu
# (base.html), so the owner's header fits one line on a 1366px desk screen. The labels are
# translated as each page shows them (`nav_items`, `admin_items`), in the user's language.
NAVIGATION = {
    Role.OWNER: [
        ("calendar.day", N_("Calendar")),
        ("main.home", N_("Today")),
        ("appointments.index", N_("Appointments")),
        ("schedule.week", N_("Schedules")),
        ("waitlist.index", N_("Waiting lists")),
        ("offers.index", N_("Offers")),
        ("patients.index", N_("Patients")),
        ("inventory.index", N_("Stock")),
        ("billing.index", N_("Billing")),
        ("notifications.index", N_("Notifications")),
    ],
    Role.STAFF: [
        ("calendar.day", N_("Calendar")),
        ("main.home", N_("Today")),
        ("appointments.index", N_("Appointments")),
        ("schedule.week", N_("Schedules")),
        ("waitlist.index", N_("Waiting lists")),
        ("offers.index", N_("Offers")),
        ("patients.index", N_("Patients")),
        ("messages.index", N_("Messages")),
        ("inventory.index", N_("Stock")),
        ("billing.index", N_("Billing")),
        ("notifications.index", N_("Notifications")),
    ],
    Role.PRACTITIONER: [
        ("main.home", N_("My day")),
        ("calendar.day", N_("My calendar")),
        ("schedule.week", N_("My schedule")),
        ("waitlist.index", N_("My waiting list")),
        ("appointments.index", N_("My appointments")),
        ("notifications.index", N_("Notifications")),
    ],
}

ADMIN_MENU = {
    Role.OWNER: [
        ("admin.user_list", N_("Users")),
        ("outbox.index", N_("Outbox")),
        ("admin.settings_page", N_("Clinic settings")),
        ("outbox.gallery", N_("Emails")),
        ("messages.index", N_("Messages to patients")),  # the staff's is in their header (the owner's is full)
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
            return [(endpoint, gettext(label)) for endpoint, label in NAVIGATION[current_user.role_enum]]

        def admin_items():
            if not current_user.is_authenticated:
                return []
            return [(endpoint, gettext(label)) for endpoint, label in ADMIN_MENU.get(current_user.role_enum, [])]

        def in_section(items) -> bool:
            """Whether this page belongs to one of these links' sections (their blueprints)."""
            return request.blueprint in {endpoint.partition(".")[0] for endpoint, _label in items}

        def greeting_time() -> str:
            hour = datetime.now(clinic_zone()).hour
            return "morning" if hour < 12 else "afternoon" if hour < 18 else "evening"

        def greeting(name: str) -> str:
            """The home page's "Good morning, Dr Wilson", in the user's language."""
            words = {
                "morning": gettext("Good morning, %(name)s", name=name),
                "afternoon": gettext("Good afternoon, %(name)s", name=name),
                "evening": gettext("Good evening, %(name)s", name=name),
            }
            return words[greeting_time()]

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
            "greeting": greeting,
            "email_reach": patients.email_reach,
            "logo_url": clinic_logo.current_url,
        }
