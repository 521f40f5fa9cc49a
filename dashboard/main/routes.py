from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from dashboard import queues
from dashboard.extensions import db
from dashboard.models import Practitioner, Role
from dashboard.services import health
from dashboard.services import home as day

bp = Blueprint("main", __name__)


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    return redirect(url_for("auth.login"))


@bp.route("/home")
@login_required
def home():
    """Each role's day. Later features add their panels to `services.home`."""
    if current_user.role == Role.PRACTITIONER:
        profile = db.session.scalar(select(Practitioner).where(Practitioner.user_id == current_user.id))
        return render_template(
            "main/home_practitioner.html", profile=profile, panels=day.practitioner_panels(current_user)
        )
    return render_template("main/home_desk.html", panels=day.desk_panels(current_user))


@bp.route("/healthz")
def healthz():
    """Reachability of the database and Redis, for load balancers and monitors."""
    checks = {"database": health.database_ok(), "redis": queues.redis_ok()}
    healthy = all(checks.values())
    body = {name: "ok" if ok else "unreachable" for name, ok in checks.items()}
    body["status"] = "ok" if healthy else "degraded"
    return jsonify(body), 200 if healthy else 503
