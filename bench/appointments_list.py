"""The appointments list on a big schedule: three pages over 100,000 appointments, as a staff user.

The same data as reminder_scan (5 practitioners, 20,000 patients, 2% of them named Smith,
100,000 appointments over 100 days around now), inserted with Core executemany on SQLite; a
staff user made with services.users.create_user logs in through the Flask test client (CSRF
token and all). Pages, each 5 warm-up requests then 40 timed (median ms), with the SQL
statements of each request counted by a `before_cursor_execute` listener on the engine (an
executemany counts once) and printed once:
  GET /appointments/?view=upcoming, /appointments/?view=all&page=200, /appointments/?view=upcoming&q=smith.
While the page does not answer 200 (not there yet: 404, or half-written: 500),
services.appointments.listing(user, ...) with the same arguments is timed directly instead, and
the "page answers 200" check fails. The rows each page shows are counted, and the SQLite plan of
each page's appointments SELECT printed.
Everything is measured again on the same data shape at a tenth (10,000 appointments).
The floor, in the same run, same client and session, interleaved with each page (timed right
before every timed request of the page, so both see the machine's load of the moment):
GET /bench/floor, a route this benchmark adds: a logged-in request (the session cookie, the
user loaded by Flask-Login), one SELECT 1 and a one-line answer; the request machinery of a
staff page without the list, in this process only. GET /healthz (one SELECT 1, and a Redis ping:
a round trip to another process, whose wake-up under load makes it the noisier floor) and
GET /home are shown beside it for information.
Targets: page / its interleaved floor <= TARGET_RATIO (medians) for the first two pages;
statements per request bounded (<= 10, and the same count at 10k and at 100k rows: no N+1).
"""

import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import Report, Scratch, median, ratio_figure, time_limit  # noqa: E402
from bench._pages import FLOOR_PATH, REQUESTS, get, log_in, make_desk_user, timed, with_floor  # noqa: E402
from bench.reminder_scan import load_schedule  # noqa: E402

N = 100_000
N_SMALL = 10_000
TARGET_RATIO = 12.0  # page / its floor (/bench/floor), medians, at 100k: see bench/README.md
STATEMENT_BOUND = 10

PAGES = [
    ("upcoming", "/appointments/?view=upcoming", {"view": "upcoming"}, True),
    ("all, page 200", "/appointments/?view=all&page=200", {"view": "all", "page": 200}, True),
    ("upcoming, q=smith", "/appointments/?view=upcoming&q=smith", {"view": "upcoming", "q": "smith"}, False),
]
BASELINES = [
    ("floor: /bench/floor", FLOOR_PATH),
    ("for information: /healthz", "/healthz"),
    ("for information: /home", "/home"),
]


def measure(app, n: int) -> dict:
    from sqlalchemy import select

    from dashboard.extensions import db
    from dashboard.models import User
    from dashboard.models.base import utcnow
    from dashboard.services import appointments

    results = {"n": n, "pages": {}, "baselines": {}, "floors": {}, "plans": {}}
    with app.app_context():
        db.create_all()
        load_schedule(n, utcnow())
        make_desk_user()
        engine = db.engine
    # Requests run outside any app context of ours, so each pushes and tears down its own (and its session).
    client = app.test_client()
    log_in(client)
    for label, path in BASELINES:
        seconds, counts, first, response, _ = timed(get(client, path), engine)
        results["baselines"][label] = (seconds, counts, first, response.status_code)
    floor = get(client, FLOOR_PATH)
    errors = logging.getLogger("dashboard.errors")
    for label, path, kwargs, _ in PAGES:
        errors.disabled = True  # a half-written page would log a traceback per request
        try:
            status = client.get(path).status_code
        finally:
            errors.disabled = False
        if status == 200:
            seconds, counts, first, response, results["floors"][label] = timed(get(client, path), engine, floor)
            rows = response.get_data(as_text=True).count('data-testid="appointment-row"')
            results["pages"][label] = ("page", seconds, counts, first, response.status_code, rows)
            continue
        with app.app_context():
            user = db.session.scalar(select(User).where(User.username == "desk"))

            def call(kwargs=kwargs, user=user):
                result = appointments.listing(user, **kwargs)
                db.session.rollback()  # a request ends its transaction
                return result

            seconds, counts, first, listing, results["floors"][label] = timed(call, engine, floor)
        results["pages"][label] = ("listing()", seconds, counts, first, status, len(listing.items))
    with app.app_context():  # SQLite's plan for each page's appointments SELECT
        for label, (*_, first, _, _) in results["pages"].items():
            sql, parameters = next((q, p) for q, p, _ in first.statements if "FROM appointments" in q and "LIMIT" in q)
            plan = db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql, parameters).all()
            results["plans"][label] = [row[-1] for row in plan]
        db.session.rollback()
    return results


def main() -> int:
    time_limit(85)
    report = Report("appointments_list")
    with Scratch("appointments-list") as scratch:
        small = measure(with_floor(scratch.app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{scratch.dir}/small.db")), N_SMALL)
        big = measure(with_floor(scratch.app()), N)

    for label, (_, _, first, status) in big["baselines"].items():
        report.line(f"{label} (HTTP {status}), statements of one request at 100k:")
        for line in first.summary():
            report.line("    " + line)
    for label, (how, _, _, first, status, rows) in big["pages"].items():
        what = f"page answered HTTP {status}; {how}" if how == "listing()" else f"HTTP {status}"
        report.line(f"{label} ({what}, {rows} rows), statements of one call at 100k:")
        for line in first.summary():
            report.line("    " + line)
        report.line("    plan of its appointments SELECT: " + "; ".join(big["plans"][label]))

    report.line()
    report.line(f"{'':44} {'10k: ms':>8} {'stmts':>6} {'100k: ms':>9} {'stmts':>6} {'floor ms':>12} {'ratio':>7}")
    base = median(big["baselines"][BASELINES[0][0]][0])
    rows = [(label, small["baselines"][label], big["baselines"][label], [base]) for label, _ in BASELINES]
    rows += [
        (
            f"{label} [{big['pages'][label][0]}]",
            small["pages"][label][1:3],
            big["pages"][label][1:3],
            big["floors"][label],
        )
        for label, *_ in PAGES
    ]
    for label, (s_sec, s_counts, *_), (b_sec, b_counts, *_), floor in rows:
        report.line(
            f"{label:44} {median(s_sec) * 1000:8.2f} {max(s_counts):6d} {median(b_sec) * 1000:9.2f}"
            f" {max(b_counts):6d} {median(floor) * 1000:12.2f} {median(b_sec) / median(floor):6.1f}x"
        )
    report.line(
        "(each page's floor: the /bench/floor requests timed right before its own; the other rows: the first"
        " block of floor requests)"
    )
    report.line()

    missing = [label for label, (how, *_) in big["pages"].items() if how != "page"]
    statuses = sorted({big["pages"][label][4] for label, *_ in PAGES})
    report.check(
        "page answers 200",
        not missing,
        f"GET /appointments/ answered {statuses}"
        + ("; timed services.appointments.listing() directly instead" if missing else ""),
    )
    shown = {label: (small["pages"][label][5], big["pages"][label][5]) for label, *_ in PAGES}
    report.check(
        "pages show rows",
        all(rows == 25 for label, _, _, target in PAGES if target for rows in shown[label])
        and all(rows > 0 for rows in shown[PAGES[2][0]]),
        "rows shown at 10k / 100k: " + ", ".join(f"{label} {a} / {b}" for label, (a, b) in shown.items()),
    )
    for label, _, _, has_target in PAGES:
        how, seconds, counts, *_ = big["pages"][label]
        _, _, small_counts, *_ = small["pages"][label]
        ours, floor = median(seconds), median(big["floors"][label])
        figure = ratio_figure(label, ours, FLOOR_PATH, floor, TARGET_RATIO if has_target else None)
        if has_target:
            report.check(
                f"{label} / {FLOOR_PATH} <= {TARGET_RATIO:g}x",
                ours <= TARGET_RATIO * floor,
                f"{how}: {figure} (medians of {REQUESTS}, interleaved, at 100k)",
            )
        else:
            report.line(f"      ({how}: {figure}, at 100k; not a target)")
        report.check(
            f"{label} statements bounded",
            set(counts) == set(small_counts) and max(counts) <= STATEMENT_BOUND,
            f"{how}: {sorted(set(small_counts))} per request at 10k, {sorted(set(counts))} at 100k"
            f" (bound {STATEMENT_BOUND})",
        )
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
