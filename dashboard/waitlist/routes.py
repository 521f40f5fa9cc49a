from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from dashboard.extensions import db
from dashboard.forms import ActionForm, first_error
from dashboard.models import Practitioner, WaitlistEntry
from dashboard.pages import SEARCH_LENGTH, int_or_none, search_term
from dashboard.security import DESK, EVERYONE, practitioner_or_abort, roles_required
from dashboard.services import ServiceError, offers, practitioners, waitlist
from dashboard.services import patients as patient_service
from dashboard.waitlist.forms import AddForm, MoveForm, UrgentForm

bp = Blueprint("waitlist", __name__)

MODE_LABELS = {
    offers.EVERYONE: "Everyone at once: every interested patient is emailed, first to book wins.",
    offers.ONE_AT_A_TIME: "One at a time: each new time is held for the next person in line, then passed on.",
}


# ------------------------------------------------------------------ helpers


def _is_desk() -> bool:
    return current_user.has_role(*DESK)


def _entry_or_abort(entry_id: int) -> WaitlistEntry:
    """The entry (ended or not) if it is on a list the user manages: 404 / 403 otherwise."""
    known_id = int_or_none(entry_id)  # ids beyond what the database holds are simply not there
    entry = db.session.get(WaitlistEntry, known_id) if known_id else None
    if entry is None:
        abort(404)
    practitioner_or_abort(entry.practitioner_id)
    return entry


def _list_url(practitioner_id: int) -> str:
    return url_for("waitlist.index", practitioner=practitioner_id)


def _render(practitioner: Practitioner, form: AddForm, q: str, status: int = 200):
    choice = patient_service.chooser(q, int_or_none(form.patient_id.data))
    mode = offers.mode()
    return render_template(
        "waitlist/index.html",
        practitioner=practitioner,
        choices=practitioners.practitioners_for(current_user),
        is_desk=_is_desk(),
        entries=waitlist.entries(practitioner.id),
        interested=offers.interested(practitioner.id),
        mode=mode,
        mode_label=MODE_LABELS.get(mode, mode),
        form=form,
        **choice.context(),
        move_form=MoveForm(formdata=None),
        urgent_form=UrgentForm(formdata=None),
        action_form=ActionForm(formdata=None),
    ), status


# ------------------------------------------------------------------ pages


@bp.route("/")
@roles_required(*EVERYONE)
def index():
    try:
        practitioner = practitioner_or_abort(int_or_none(request.args.get("practitioner")))
    except ServiceError as exc:
        return render_template("waitlist/none.html", message=str(exc))
    q = search_term()
    form = AddForm(formdata=None, data={"practitioner": practitioner.id, "q": q})
    form.patient_id.data = int_or_none(request.args.get("patient"))
    return _render(practitioner, form, q)


@bp.route("/add", methods=["GET", "POST"])
@roles_required(*EVERYONE)
def add():
    if request.method == "GET":  # e.g. reloading the page a refused form left in the address bar
        return redirect(url_for("waitlist.index", practitioner=int_or_none(request.args.get("practitioner"))))
    form = AddForm()
    practitioner_id = int_or_none(form.practitioner.data)
    if practitioner_id is None:
        abort(404)
    practitioner = practitioner_or_abort(practitioner_id)
    q = (form.q.data or "").strip()[:SEARCH_LENGTH]
    if form.validate():
        try:
            entry = waitlist.add(
                practitioner.id,
                form.patient_id.data,
                by_user=current_user,
                urgent=form.urgent.data,
                preferences=form.preferences.data or "",
                expires_on=form.expires_on.data,
            )
        except ServiceError as exc:
            flash(str(exc), "danger")
        else:
            flash(f"Added {entry.patient.name} to {practitioner.name}'s waiting list.", "success")
            return redirect(_list_url(practitioner.id))
    else:
        flash(first_error(form), "danger")
    return _render(practitioner, form, q, status=400)


def _entry_action(entry_id: int, form, change, done: str):
    """Check the entry is on a list the user manages (404 / 403), then `change` it and go back to the list."""
    entry = _entry_or_abort(entry_id)
    back = _list_url(entry.practitioner_id)
    if not form.validate_on_submit():
        flash(first_error(form), "danger")
        return redirect(back)
    name = entry.patient.name
    # End entries past their end date first: the service's move() can't find an entry that
    # its own listing expires under it (StopIteration, a 500).
    waitlist.expire()
    try:
        change(entry.id)
    except ServiceError as exc:
        flash(str(exc), "danger")
    else:
        flash(f"{name} {done}.", "success")
    return redirect(back)


@bp.route("/<int:entry_id>/move", methods=["POST"])
@roles_required(*EVERYONE)
def move(entry_id: int):
    form = MoveForm()
    up = form.direction.data == "up"
    return _entry_action(
        entry_id,
        form,
        lambda i: waitlist.move(i, -1 if up else 1, by_user=current_user),
        "moved up" if up else "moved down",
    )


@bp.route("/<int:entry_id>/urgent", methods=["POST"])
@roles_required(*EVERYONE)
def urgent(entry_id: int):
    form = UrgentForm()
    urgent = form.urgent.data == "1"
    return _entry_action(
        entry_id,
        form,
        lambda i: waitlist.set_urgent(i, urgent, by_user=current_user),
        "is marked urgent" if urgent else "is no longer marked urgent",
    )


@bp.route("/<int:entry_id>/remove", methods=["POST"])
@roles_required(*EVERYONE)
def remove(entry_id: int):
    return _entry_action(
        entry_id,
        ActionForm(),
        lambda i: waitlist.remove(i, by_user=current_user),
        "was taken off the waiting list",
    )
