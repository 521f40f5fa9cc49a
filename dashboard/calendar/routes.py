"""The calendar: the clinic's day (`/calendar/`: time down the side, a column per practitioner)
and a practitioner's week (`/calendar/week`: a column per day)."""

from datetime import date

from flask import Blueprint, render_template, request
from flask_login import current_user

from dashboard.clinic_time import clinic_today
from dashboard.pages import int_or_none
from dashboard.security import DESK, EVERYONE, roles_required
from dashboard.services import calendar, calendar_week
from dashboard.services.practitioners import practitioners_for

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
    return _page(shown)


@bp.route("/week")
@roles_required(*EVERYONE)
def week():
    """A practitioner's week (`?practitioner=`; a practitioner's own by default)."""
    shown = calendar_week.week_view(current_user, chosen_day(), int_or_none(request.args.get("practitioner")))
    if shown is None:
        return _page(calendar.day_view(current_user, chosen_day()))  # nobody to show: the (empty) day says so
    return _page(shown, practitioners_for(current_user) if current_user.has_role(*DESK) else [])


def _page(shown, choices=()):
    """The calendar page, or only its grid to htmx (fetched again after the panel changed
    something); `choices`: the practitioners a week can switch to."""
    if request.headers.get("HX-Request"):
        return render_template("calendar/_grid.html", cal=shown, desk=current_user.has_role(*DESK))
    return render_template("calendar/day.html", cal=shown, desk=current_user.has_role(*DESK), choices=choices)


@bp.route("/print")
@roles_required(*EVERYONE)
def sheet():
    """The day sheet to print: the clinic's day, or one practitioner's (`?practitioner=`)."""
    shown = calendar.day_view(current_user, chosen_day(), int_or_none(request.args.get("practitioner")))
    return render_template("calendar/sheet.html", cal=shown, one=request.args.get("practitioner") is not None)
