"""A form handler that writes five emails: request latency, and what a killed web process loses.

The SMTP sink is another process that waits 0.5 s before answering each DATA (`--delay 0.5`)
and records each accepted Message-ID (`--record`). Three handlers, registered as a blueprint on
an app from create_app (CSRF off); each saves one domain row and makes the same five emails
(an appointment confirmation with its .ics to the patient, a new-appointment notice to four
staff):

  (a) inline: renders, saves, then builds and sends the five in the request, a new SMTP
      connection each;
  (b) thread: the source documents' design: renders, saves, commits, then starts a background
      threading.Thread per email that builds the MIME and sends it over a new SMTP connection,
      no retry (as Flask-Mail's send_async_email);
  ours: five notify.email(...) + commit; the ids go to RQ after the commit.

Latency: p50/p95 of 40 requests each for (b) and ours through the Flask test client, back to
back and again spaced 100 ms apart (untimed sleeps: then (b)'s threads from earlier requests are
idle, waiting on the sink, though each request still shares the GIL with the five threads it
has just started); and of LATENCY_INLINE requests for (a) (each takes ~5 x 0.5 s; for scale).

Kill test: bench/form_app.py serves the same app as a real web process; a burst of 40 POSTs
(thread pool) goes to (b), the web process is SIGKILLed as soon as the burst has returned, and
the sink's record shows how many of the 200 emails arrived (polled until it stops growing,
at most 15 s). Then the same for ours; after the kill, one worker (`worker.py --burst`, then
the sweep and another worker if any row is still queued) delivers what the requests wrote.
Ours' sink has no delay: its web process never talks to SMTP, so the delay could not change
what is lost, only make the one worker take 200 x 0.5 s to deliver.

Targets: ours p95 <= (b) p95 in the same run (both ways), and 0 of 200 lost for ours.
"""

import logging
import smtplib
import sys
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from email.utils import parseaddr
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Blueprint, Flask, current_app, request  # noqa: E402

from bench._common import (  # noqa: E402
    Report,
    Scratch,
    percentile,
    ratio_figure,
    record_lines,
    time_limit,
    wait_for_port,
    wait_process,
    wait_until_stable,
)
from dashboard import create_app  # noqa: E402
from tests.smtp_sink import free_port  # noqa: E402

log = logging.getLogger("bench.form_handler")

LATENCY_REQUESTS = 40
LATENCY_INLINE = 6
SPACING = 0.1
WARM_UP = 3
BURST = 40
EMAILS_PER_FORM = 5
SINK_DELAY = 0.5
STAFF = [f"staff{i}@clinic.example.org" for i in range(1, EMAILS_PER_FORM)]
BENCH_USER_ID = 1

bp = Blueprint("bench_forms", __name__, url_prefix="/bench/form")
background: list[threading.Thread] = []  # (b)'s sending threads, so the in-process run can wait for them


def build_app(overrides: dict | None = None) -> Flask:
    """The dashboard app plus the three bench handlers; settings from the environment unless overridden."""
    app = create_app("testing", {"WTF_CSRF_ENABLED": False, **(overrides or {})})
    app.register_blueprint(bp)
    return app


def prepare_database() -> None:
    """Schema and the one user the handlers' domain row (a bell notification) belongs to."""
    from dashboard.extensions import db
    from dashboard.models import User

    db.create_all()
    db.session.add(
        User(
            id=BENCH_USER_ID,
            username="desk",
            email="desk@clinic.example.org",
            full_name="Front Desk",
            role="staff",
            password_hash="x",
        )
    )
    db.session.commit()


# ------------------------------------------------------------------- handlers


def _emails() -> list[tuple[str, str, dict]]:
    """The five emails of one form: (kind, recipient, context)."""
    from dashboard.notify.samples import sample_context

    patient = f"patient-{request.form['tag']}@patients.example.org"
    emails = [("appointment_confirmation", patient, sample_context("appointment_confirmation"))]
    emails += [("new_appointment_notice", to, sample_context("new_appointment_notice")) for to in STAFF]
    return emails


def _save_domain_row() -> None:
    from dashboard.extensions import db
    from dashboard.models import Notification

    db.session.add(
        Notification(user_id=BENCH_USER_ID, kind="new_appointment_notice", title=f"Form {request.form['tag']}")
    )


def _rendered() -> list[tuple[SimpleNamespace, str]]:
    """The five emails rendered (as the source design renders its templates in the request), not yet MIME."""
    from dashboard.notify import kinds
    from dashboard.notify.outbox import calendar_attachment
    from dashboard.notify.render import render_email

    messages = []
    for n, (kind, to, context) in enumerate(_emails()):
        rendered = render_email(kind, context)
        message = SimpleNamespace(
            id=None,
            subject=rendered.subject,
            recipients=[to],
            text=rendered.text,
            html=rendered.html,
            smtp_message_id=f"<bench-{request.form['tag']}-{n}@clinic.example.org>",
            attachments=[calendar_attachment(kind, context)] if kinds.get(kind).calendar else [],
        )
        messages.append((message, to))
    return messages


def _send_with_new_connection(message: SimpleNamespace, to: str) -> None:
    """Build the MIME (mime.build_mime, as ours) and send it over a new SMTP connection."""
    from bench._common import stdlib_message

    config = current_app.config
    mime = stdlib_message(message)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
        smtp.send_message(mime, from_addr=parseaddr(config["MAIL_DEFAULT_SENDER"])[1], to_addrs=[to])


def _send_in_background(app: Flask, message: SimpleNamespace, to: str) -> None:
    """The source design's thread body (as Flask-Mail's send_async_email): no retry, no record."""
    with app.app_context():
        try:
            _send_with_new_connection(message, to)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("background send failed: %s", exc)


@bp.post("/inline")
def inline():
    from dashboard.extensions import db

    messages = _rendered()
    _save_domain_row()
    db.session.commit()
    for message, to in messages:
        _send_with_new_connection(message, to)
    return "sent\n"


@bp.post("/thread")
def thread():
    from dashboard.extensions import db

    messages = _rendered()
    _save_domain_row()
    db.session.commit()
    app = current_app._get_current_object()
    for message, to in messages:
        worker = threading.Thread(target=_send_in_background, args=(app, message, to), daemon=True)
        worker.start()
        background.append(worker)
    return "sending\n"


@bp.post("/ours")
def ours():
    from dashboard import notify
    from dashboard.extensions import db

    _save_domain_row()
    for kind, to, context in _emails():
        notify.email(kind, to=to, context=context)
    db.session.commit()  # after the commit: the five ids go to RQ as one delivery job
    return "queued\n"


# ------------------------------------------------------------------- measuring


def latencies(client, path: str, count: int, tag: str, spacing: float = 0.0) -> list[float]:
    """Time `count` POSTs; with `spacing`, sleep that long (untimed) before each, as a steady request rate would."""
    times = []
    for n in range(count):
        time.sleep(spacing)
        started = time.perf_counter()
        response = client.post(path, data={"tag": f"{tag}-{n}"})
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}: {response.get_data(as_text=True)[:300]}")
    return times


def join_background(timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    for worker in list(background):
        worker.join(max(0.0, deadline - time.monotonic()))


def burst(port: int, path: str, tag: str) -> int:
    """BURST concurrent POSTs; returns how many were answered 200."""

    def post(n: int) -> bool:
        data = urllib.parse.urlencode({"tag": f"{tag}-{n}"}).encode()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", data=data, timeout=20) as response:
                return response.status == 200
        except OSError as exc:
            log.warning("POST %s failed: %s", path, exc)
            return False

    with ThreadPoolExecutor(max_workers=8) as pool:
        return sum(pool.map(post, range(BURST)))


def start_web(scratch: Scratch, app: Flask, database_url: str, name: str):
    port = free_port()
    proc = scratch.start(
        [sys.executable, "bench/form_app.py", "--port", str(port)],
        env=scratch.env(app, DATABASE_URL=database_url),
        log_name=name,
    )
    wait_for_port(port, proc, timeout=30)
    return proc, port


def kill_test_thread(scratch: Scratch, report: Report) -> dict:
    """(b) in a real web process, SIGKILLed right after a burst: how many emails arrive?"""
    from dashboard.extensions import db

    record = f"{scratch.dir}/kill-thread.txt"
    _, sink_port = scratch.start_sink(delay=SINK_DELAY, record=record)
    database_url = f"sqlite:///{scratch.dir}/kill-thread.db"
    app = scratch.app(
        SQLALCHEMY_DATABASE_URI=database_url, MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=sink_port
    )
    with app.app_context():
        prepare_database()
        db.engine.dispose()
    web, port = start_web(scratch, app, database_url, "web-thread")
    started = time.perf_counter()
    answered = burst(port, "/bench/form/thread", "kill-thread")
    burst_seconds = time.perf_counter() - started
    scratch.kill(web)
    arrived = wait_until_stable(lambda: len(set(record_lines(record))), quiet=2.0, deadline=15.0)
    return {"answered": answered, "expected": answered * EMAILS_PER_FORM, "arrived": arrived, "burst": burst_seconds}


def kill_test_ours(scratch: Scratch, report: Report) -> dict:
    """Ours in a real web process, SIGKILLed right after a burst; then one worker delivers what was written."""
    import redis
    from sqlalchemy import func, select

    from dashboard.extensions import db
    from dashboard.models import EmailMessage
    from dashboard.notify import delivery

    redis.Redis.from_url(scratch.redis_url).flushdb()  # only this test's jobs
    record = f"{scratch.dir}/kill-ours.txt"
    _, sink_port = scratch.start_sink(delay=0.0, record=record)
    database_url = f"sqlite:///{scratch.dir}/kill-ours.db"
    app = scratch.app(
        SQLALCHEMY_DATABASE_URI=database_url, MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=sink_port
    )
    with app.app_context():
        prepare_database()
        db.engine.dispose()
    web, port = start_web(scratch, app, database_url, "web-ours")
    started = time.perf_counter()
    answered = burst(port, "/bench/form/ours", "kill-ours")
    burst_seconds = time.perf_counter() - started
    scratch.kill(web)

    workers = 0
    with app.app_context():
        written = db.session.scalar(select(func.count()).select_from(EmailMessage))
        db.session.commit()
        for _ in range(2):
            worker = scratch.start_worker(app, "--burst", log_name=f"worker-ours-{workers}", DATABASE_URL=database_url)
            workers += 1
            if wait_process(worker, 60, "the worker delivering ours") != 0:
                report.line(scratch.log_tail(f"worker-ours-{workers - 1}"))
            queued = db.session.scalar(
                select(func.count()).select_from(EmailMessage).where(EmailMessage.status != "sent")
            )
            db.session.commit()
            if not queued:
                break
            report.line(f"{queued} row(s) not sent after the worker; running the sweep and another worker")
            delivery.sweep()
        statuses = dict(
            db.session.execute(select(EmailMessage.status, func.count()).group_by(EmailMessage.status)).all()
        )
        db.session.commit()
        db.engine.dispose()
    arrived = wait_until_stable(lambda: len(set(record_lines(record))), quiet=1.0, deadline=15.0)
    return {
        "answered": answered,
        "expected": answered * EMAILS_PER_FORM,
        "written": written,
        "arrived": arrived,
        "duplicates": len(record_lines(record)) - arrived,
        "statuses": statuses,
        "workers": workers,
        "burst": burst_seconds,
    }


def main() -> int:
    time_limit(115)
    report = Report("form_handler")
    with Scratch("form") as scratch:
        from dashboard.extensions import db

        _, sink_port = scratch.start_sink(delay=SINK_DELAY, record=f"{scratch.dir}/latency.txt")
        app = build_app(scratch.config(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=sink_port))
        client = app.test_client()
        with app.app_context():
            prepare_database()
        for path in ("/bench/form/ours", "/bench/form/thread"):
            latencies(client, path, WARM_UP, f"warm{path.rsplit('/', 1)[1]}")
        latencies(client, "/bench/form/inline", 1, "warm-inline")
        join_background()

        # Back to back: (b)'s threads build and send while the next requests run (same process, same GIL).
        ours = latencies(client, "/bench/form/ours", LATENCY_REQUESTS, "lat-ours")
        thread = latencies(client, "/bench/form/thread", LATENCY_REQUESTS, "lat-thread")
        join_background()
        # Spaced SPACING apart (untimed): each request mostly alone, (b)'s threads idle waiting on the sink.
        ours_spaced = latencies(client, "/bench/form/ours", LATENCY_REQUESTS, "sp-ours", SPACING)
        thread_spaced = latencies(client, "/bench/form/thread", LATENCY_REQUESTS, "sp-thread", SPACING)
        join_background()
        inline = latencies(client, "/bench/form/inline", LATENCY_INLINE, "lat-inline")
        with app.app_context():
            db.engine.dispose()

        report.line(f"sink delay {SINK_DELAY} s per DATA; {EMAILS_PER_FORM} emails per form")
        report.line(f"{'':50} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'p95 vs (b)':>11}")
        rows = [
            ("back to back:", None, None),
            ("(a) inline: send in the request, conn/email", inline, thread),
            ("(b) thread: background Thread, conn/email", thread, thread),
            ("ours: notify.email x5 + commit (+ enqueue)", ours, thread),
            (f"spaced {SPACING * 1000:.0f} ms apart (untimed):", None, None),
            ("(b) thread: background Thread, conn/email", thread_spaced, thread_spaced),
            ("ours: notify.email x5 + commit (+ enqueue)", ours_spaced, thread_spaced),
        ]
        for name, values, base in rows:
            if values is None:
                report.line(name)
                continue
            p50, p95 = percentile(values, 50), percentile(values, 95)
            ratio = p95 / percentile(base, 95)
            report.line(f"  {name:48} {len(values):8d} {p50 * 1000:8.1f} {p95 * 1000:8.1f} {ratio:10.2f}x")

        report.line()
        killed_thread = kill_test_thread(scratch, report)
        lost_thread = killed_thread["expected"] - killed_thread["arrived"]
        report.line(
            f"kill test (b): {killed_thread['answered']}/{BURST} requests answered in {killed_thread['burst']:.2f} s,"
            f" web SIGKILLed; {killed_thread['arrived']} of {killed_thread['expected']} emails arrived,"
            f" {lost_thread} lost ({lost_thread / max(1, killed_thread['expected']):.0%})"
        )
        killed_ours = kill_test_ours(scratch, report)
        lost_ours = killed_ours["expected"] - killed_ours["arrived"]
        report.line(
            f"kill test ours: {killed_ours['answered']}/{BURST} requests answered in {killed_ours['burst']:.2f} s,"
            f" web SIGKILLed; {killed_ours['written']} rows written; {killed_ours['workers']} worker run(s);"
            f" rows {killed_ours['statuses']}; {killed_ours['arrived']} of {killed_ours['expected']} emails arrived"
            f" ({killed_ours['duplicates']} duplicates), {lost_ours} lost"
        )
        report.line()
        for mode, mine, theirs in [("back to back", ours, thread), ("spaced", ours_spaced, thread_spaced)]:
            ours95, b95 = percentile(mine, 95), percentile(theirs, 95)
            report.check(
                f"ours p95 <= (b) p95, {mode}",
                ours95 <= b95,
                ratio_figure("ours p95", ours95, "(b) p95", b95, 1.0) + f" ({LATENCY_REQUESTS} requests each)",
            )
        report.check(
            "ours loses nothing",
            lost_ours == 0 and killed_ours["answered"] == BURST,
            f"{lost_ours} of {killed_ours['expected']} lost after SIGKILL (b lost {lost_thread})",
        )
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
