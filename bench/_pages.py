"""What the benchmarks of staff pages share: the desk user, logging in through the real form, the
floor route (GET /bench/floor) and the timing loop that interleaves it with the page.

The floor is a logged-in staff request with one SELECT 1 and a one-line answer: the request
machinery of a staff page (the session cookie, the user loaded by Flask-Login) without the page,
in this process only. Timed right before every timed request of the page, both see the machine's
load of the moment, so page / floor is a load-independent figure (see bench/README.md).
"""

import re
import time

from flask import Blueprint
from flask_login import current_user, login_required
from markupsafe import escape
from sqlalchemy import text

from bench.reminder_scan import StatementCounter

WARM = 5  # warm-up calls before the timed ones
REQUESTS = 40  # timed calls (the figures are their medians)
FLOOR_PATH = "/bench/floor"
DESK = "desk"
PASSWORD = "bench-password-1"
CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')

floor_bp = Blueprint("bench_floor", __name__)


@floor_bp.get(FLOOR_PATH)
@login_required
def floor_page():
    """The floor: a logged-in staff request with one SELECT 1 and a one-line answer."""
    from dashboard.extensions import db

    db.session.execute(text("SELECT 1"))
    return f"<p>{escape(current_user.full_name)}</p>"


def with_floor(app):
    """The app with GET /bench/floor added."""
    app.register_blueprint(floor_bp)
    return app


def make_desk_user():
    """The staff user the benchmark logs in as (in the app context it is called in)."""
    from dashboard.services.users import create_user

    return create_user(
        username=DESK, email="desk@clinic.example.org", full_name="Desk Bench", role="staff", password=PASSWORD
    )


def csrf_token(page: str) -> str:
    match = CSRF_INPUT.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def log_in(client, username: str = DESK, password: str = PASSWORD) -> None:
    """Log in through the login form (CSRF token and all), as a browser would."""
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 302, f"login answered {response.status_code}"


def get(client, path: str):
    """A call that GETs `path` and reads the whole answer."""

    def call():
        response = client.get(path)
        response.get_data()
        return response

    return call


def timed(call, engine, floor=None) -> tuple[list[float], list[int], StatementCounter, object, list[float]]:
    """WARM calls, then REQUESTS timed, each right after one timed call of `floor` (when given): (seconds,
    statements per call, the first timed call's statements, result, the floor's seconds)."""
    for _ in range(WARM):
        result = call()
        if floor is not None:
            floor()
    seconds, counts, first, floor_seconds = [], [], None, []
    for _ in range(REQUESTS):
        if floor is not None:
            started = time.perf_counter()
            floor()
            floor_seconds.append(time.perf_counter() - started)
        with StatementCounter(engine) as counter:
            started = time.perf_counter()
            result = call()
            seconds.append(time.perf_counter() - started)
        counts.append(counter.count)
        first = first or counter
    return seconds, counts, first, result, floor_seconds
