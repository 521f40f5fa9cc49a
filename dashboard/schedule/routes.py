from datetime import date, time, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from dashboard.clinic_time import clinic_short_date, clinic_today, clinic_zone, describe
from dashboard.extensions import db
from dashboard.forms import ActionForm
from dashboard.models import Practitioner, Role, Slot, SlotStatus
from dashboard.models.base import utcnow
from dashboard.pages import int_or_none
from dashboard.schedule.forms import WEEKDAYS, RecurringForm, SlotForm
from dashboard.security import EVERYONE, practitioner_or_abort, roles_required
from dashboard.services import ServiceError, practitioners, slots, week_grid

bp = Blueprint("schedule", __name__)

# Weeks outside these are junk in the query string: show this week instead.
FIRST_WEEK, LAST_WEEK = date(2000, 1, 1), date(2999, 12, 31)


# ------------------------------------------------------------------ helpers


def _as_day(value: str | None) -> date | None:
    try:
        day = date.fromisoformat((value or "").strip())
    except ValueError:
        return None
    return day if FIRST_WEEK <= day <= LAST_WEEK else None


def _local_day(slot: Slot) -> date:
    return slot.starts_at.astimezone(clinic_zone()).date()


def _week_url(practitioner_id: int, day: date) -> str:
    monday = day - timedelta(days=day.weekday())
    return url_for("schedule.week", practitioner=practitioner_id, week=monday.isoformat())


def _back_to_week() -> str:
    return url_for(
        "schedule.week",
        practitioner=int_or_none(request.args.get("practitioner")),
        week=(day.isoformat() if (day := _as_day(request.args.get("week"))) else None),
    )


def _blank_forms(practitioner: Practitioner, shown: date) -> tuple[SlotForm, RecurringForm]:
    monday = shown - timedelta(days=shown.weekday())
    suggested = max(clinic_today() + timedelta(days=1), monday)  # today is often half over
    hidden = {"practitioner": practitioner.id, "week": monday.isoformat()}
    one = SlotForm(formdata=None, data={**hidden, "day": suggested, "start": time(9), "end": time(9, 30)})
    many = RecurringForm(
        formdata=None,
        data={**hidden, "first_day": suggested, "weeks": 4, "from_time": time(9), "to_time": time(12), "minutes": 30},
    )
    return one, many


def _render_week(practitioner: Practitioner, shown: date, *, one=None, many=None, status: int = 200):
    blank_one, blank_many = _blank_forms(practitioner, shown)
    return render_template(
        "schedule/week.html",
        week=week_grid.week(practitioner, shown),
        practitioner=practitioner,
        choices=practitioners.practitioners_for(current_user),
        is_desk=not current_user.has_role(Role.PRACTITIONER),
        one=one or blank_one,
        many=many or blank_many,
        weekdays=WEEKDAYS,
        action_form=ActionForm(),
        now=utcnow(),
        SlotStatus=SlotStatus,
    ), status


def _posted_practitioner(form) -> Practitioner:
    practitioner_id = int_or_none(form.practitioner.data)
    if practitioner_id is None:
        abort(404)
    return practitioner_or_abort(practitioner_id)


def _day_words(day: date) -> str:
    return clinic_short_date(day, year=False)


def _span_words(slots: list[Slot]) -> str:
    first, last = _local_day(slots[0]), _local_day(slots[-1])
    if len(slots) == 1:
        return f"on {describe(slots[0].starts_at)}"
    if first == last:
        return f"on {_day_words(first)}"
    return f"{_day_words(first)} – {_day_words(last)}"


def _added(practitioner: Practitioner, slots: list[Slot]):
    what = "a slot" if len(slots) == 1 else f"{len(slots)} slots"
    flash(f"Added {what} for {practitioner.name}, {_span_words(slots)}.", "success")
    return redirect(_week_url(practitioner.id, _local_day(slots[0])))


# ------------------------------------------------------------------ pages


@bp.route("/")
@roles_required(*EVERYONE)
def week():
    shown = _as_day(request.args.get("week")) or clinic_today()
    practitioner_id = int_or_none(request.args.get("practitioner"))
    try:
        practitioner = practitioner_or_abort(practitioner_id)
    except ServiceError as exc:
        return render_template("schedule/none.html", message=str(exc))
    return _render_week(practitioner, shown)


@bp.route("/slots", methods=["GET", "POST"])
@roles_required(*EVERYONE)
def add_slot():
    if request.method == "GET":  # e.g. reloading the page a refused form left in the address bar
        return redirect(_back_to_week())
    form = SlotForm()
    practitioner = _posted_practitioner(form)
    shown = _as_day(form.week.data) or clinic_today()
    if form.validate():
        try:
            slot = slots.add_slot(
                practitioner.id, form.day.data, form.start.data, form.end.data, by_user_id=current_user.id
            )
        except ServiceError as exc:
            flash(str(exc), "danger")
        else:
            return _added(practitioner, [slot])
    return _render_week(practitioner, shown, one=form, status=400)


@bp.route("/slots/recurring", methods=["GET", "POST"])
@roles_required(*EVERYONE)
def add_recurring():
    if request.method == "GET":
        return redirect(_back_to_week())
    form = RecurringForm()
    practitioner = _posted_practitioner(form)
    shown = _as_day(form.week.data) or clinic_today()
    if form.validate():
        try:
            added = slots.add_recurring(
                practitioner.id,
                first_day=form.first_day.data,
                weeks=form.weeks.data,
                weekdays=set(form.weekdays.data),
                start=form.from_time.data,
                end=form.to_time.data,
                minutes=form.minutes.data,
                by_user_id=current_user.id,
            )
        except ServiceError as exc:
            flash(str(exc), "danger")
        else:
            return _added(practitioner, added)
    return _render_week(practitioner, shown, many=form, status=400)


# ------------------------------------------------------------------ one slot


def _slot_action(slot_id: int, change, done: str):
    """Check the slot is one the user manages (404 / 403), then `change` it and go back to its week."""
    slot = db.session.get(Slot, slot_id)
    if slot is None:
        abort(404)
    practitioner = practitioner_or_abort(slot.practitioner_id)
    back = _week_url(practitioner.id, _local_day(slot))
    when = describe(slot.starts_at)
    try:
        change(slot_id, current_user)
    except ServiceError as exc:
        flash(str(exc), "danger")
    else:
        flash(f"{when} {done}.", "success")
    return redirect(back)


@bp.route("/slots/<int:slot_id>/block", methods=["POST"])
@roles_required(*EVERYONE)
def block(slot_id: int):
    return _slot_action(slot_id, slots.block_slot, "is blocked")


@bp.route("/slots/<int:slot_id>/unblock", methods=["POST"])
@roles_required(*EVERYONE)
def unblock(slot_id: int):
    return _slot_action(slot_id, slots.unblock_slot, "is open again")


@bp.route("/slots/<int:slot_id>/remove", methods=["POST"])
@roles_required(*EVERYONE)
def remove(slot_id: int):
    return _slot_action(slot_id, slots.remove_slot, "was removed")
