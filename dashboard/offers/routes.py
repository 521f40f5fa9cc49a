"""The fairness and audit view: who was offered which slot, when, in what order, and how it ended."""

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import Practitioner, Slot
from dashboard.pages import int_or_none
from dashboard.security import DESK, EVERYONE, roles_required
from dashboard.services import offers, practitioners

bp = Blueprint("offers", __name__)

RECENT = 200
STATUS_BADGES = {
    "offered": "text-bg-info",
    "queued": "text-bg-light border",
    "held": "text-bg-warning",
    "booked": "text-bg-success",
    "taken": "text-bg-secondary",
    "expired": "text-bg-secondary",
    "declined": "text-bg-secondary",
    "withdrawn": "text-bg-secondary",
}


def _is_desk() -> bool:
    return current_user.has_role(*DESK)


def _own_practitioner() -> Practitioner | None:
    return db.session.scalar(select(Practitioner).where(Practitioner.user_id == current_user.id))


def _slot_or_abort(slot_id: int) -> Slot:
    slot = db.session.get(Slot, slot_id)
    if slot is None:
        abort(404)
    if not _is_desk() and slot.practitioner.user_id != current_user.id:
        abort(403)
    return slot


def _filter_or_abort(practitioner_id: int | None) -> Practitioner | None:
    """Whose offers to list: the desk may pick anyone (or everyone); a practitioner sees only their own."""
    if not _is_desk():
        own = _own_practitioner()
        if practitioner_id is not None and (own is None or own.id != practitioner_id):
            abort(403)
        return own
    if practitioner_id is None:
        return None
    practitioner = db.session.get(Practitioner, practitioner_id)
    if practitioner is None:
        abort(404)
    return practitioner


def _by_slot(rows) -> list[tuple[Slot, list]]:
    """Offers grouped by slot, slots in the order they first appear (newest first)."""
    groups: dict[int, tuple[Slot, list]] = {}
    for offer in rows:
        groups.setdefault(offer.slot_id, (offer.slot, []))[1].append(offer)
    return [(slot, sorted(found, key=lambda o: (o.rank, o.id))) for slot, found in groups.values()]


@bp.route("/")
@roles_required(*EVERYONE)
def index():
    common = {"mode": offers.mode(), "is_desk": _is_desk(), "badges": STATUS_BADGES}
    slot_id = int_or_none(request.args.get("slot"))
    if slot_id is not None:
        slot = _slot_or_abort(slot_id)
        return render_template("offers/slot.html", slot=slot, offers=offers.for_slot(slot.id), **common)
    practitioner = _filter_or_abort(int_or_none(request.args.get("practitioner")))
    if practitioner is None and not _is_desk():
        groups = []  # a practitioner account without a profile has no offers
    else:
        groups = _by_slot(offers.recent(practitioner.id if practitioner else None, limit=RECENT))
    return render_template(
        "offers/index.html",
        groups=groups,
        practitioner=practitioner,
        choices=practitioners.practitioners_for(current_user) if _is_desk() else [],
        limit=RECENT,
        **common,
    )
