"""Skeleton: the audit page comes next."""

from flask import Blueprint, abort

from dashboard.security import EVERYONE, roles_required

bp = Blueprint("offers", __name__)


@bp.route("/")
@roles_required(*EVERYONE)
def index():
    abort(404)
