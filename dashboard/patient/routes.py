"""Skeleton: the pages come next. Every endpoint name here is one a signed link points at."""

from flask import Blueprint, abort

bp = Blueprint("patient", __name__)


@bp.route("/appointment/<token>")
def appointment(token: str):
    abort(404)


@bp.route("/appointment/<token>/cancel")
def cancel(token: str):
    abort(404)


@bp.route("/appointment/<token>/reschedule")
def reschedule(token: str):
    abort(404)


@bp.route("/me/<token>")
def patient(token: str):
    abort(404)


@bp.route("/preferences/<token>")
def preferences(token: str):
    abort(404)


@bp.route("/unsubscribe/<token>")
def unsubscribe(token: str):
    abort(404)


@bp.route("/book/<token>/<int:slot_id>")
def book(token: str, slot_id: int):
    abort(404)


@bp.route("/availability/<token>")
def availability(token: str):
    abort(404)
