"""The day view (`/calendar/`): time down the side, a column per practitioner."""

from datetime import date

from flask import Blueprint, render_template, request
from flask_login import current_user

from dashboard.clinic_time import clinic_today
from dashboard.pages import int_or_none
from dashboard.security import DESK, EVERYONE, roles_required
from dashboard.services import calendar

bp = Blueprint("calendar", __name__)

# Days outside these are junk in the query string: show today instead.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)


def chosen_day() -> date:
    """The day in `?day=` (YYYY-MM-DD), or today in the clinic."""
    try:
        day = date.fromisoformat((request.args.get("day") or "").strip())
    except ValueError:
        return clinic_today()
    return day if FIRST_DAY <= day <= LAST_DAY else clinic_today()


@bp.route("/")
@roles_required(*EVERYONE)
def day():
    shown = calendar.day_view(current_user, chosen_day(), int_or_none(request.args.get("practitioner")))
    template = "calendar/_grid.html" if request.headers.get("HX-Request") else "calendar/day.html"
    return render_template(template, cal=shown, desk=current_user.has_role(*DESK))


@bp.route("/print")
@roles_required(*EVERYONE)
def sheet():
    """The day sheet to print: the clinic's day, or one practitioner's (`?practitioner=`)."""
    shown = calendar.day_view(current_user, chosen_day(), int_or_none(request.args.get("practitioner")))
    return render_template("calendar/sheet.html", cal=shown, one=request.args.get("practitioner") is not None)
