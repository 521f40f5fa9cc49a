"""Offering a new slot to 5,000 waiting patients: the request, the fan-out job, and delivery.

Data: two practitioners (users with their profiles), a staff user, and 5,000 patients with
distinct emails on the first practitioner's waiting list (Core executemany); the second has
nobody waiting. MAIL_BACKEND=smtp, an SMTP sink (`python -m tests.smtp_sink --record`) in
another process, the scratch folder's SQLite DB and embedded Redis.

1. Request: the "Add a slot" form (`schedule.add_slot`) POSTed through the Flask test client
   as the staff user (CSRF token from the week page), each add a new future slot, no worker
   running: median of REPEAT after a warm-up, for the busy practitioner and, interleaved, for
   the one with nobody waiting (the baseline: the difference is what interest costs the
   request). Each POST queues one fan-out job (OFFER_COALESCE_SECONDS=0, the testing config's);
   they are taken off the queue afterwards, the extra slots removed, and the first slot's job is
   the one measured next. For information, the same POSTs again with OFFER_COALESCE_SECONDS=60
   (production's default): the first per practitioner opens a window and schedules its fan-out,
   the rest find it coming; those jobs are counted and dropped, their slots removed.
2. Fan-out: that job's `offers.fan_out(practitioner_id, [slot_id])` run in this process (one
   new slot, no other open times: 5,000 emails, 5,000 offers, 5,000 patient messages), timed,
   with its SQL statements counted. Baseline (the floor): the same rows pre-rendered and
   inserted with DB-API executemany (emails, offers, messages), one commit.
3. Delivery: the fan-out's commits queued its delivery jobs; two workers (`worker.py --burst`)
   drain them into the sink. The rate is taken at the sink (its record file polled: first to
   last of ours received) and from the rows' timestamps. Baseline: a bare smtplib loop over
   ONE connection to the same sink, the same 5,000 rows as prebuilt `email` package messages
   (`_common.stdlib_message`), as in delivery_throughput. Every Message-ID must arrive once.
Targets, each a ratio to its baseline in the same run (absolute times move 2-3x with the
machine's load): the request with 5,000 waiting <= 2x the request with nobody waiting; the
fan-out <= 4x its floor; delivery >= 0.7x the single-connection limit with two workers. After
delivery (MAIL_BACKEND=outbox, each on a fresh slot, the previous one blocked) the floor and
the fan-out again, AGAIN times: the fan-out target is the median of the five fan-outs' ratios,
each to the floor timed right before it. When it missed, a breakdown timed in place and a cProfile
(top 15 by cumulative time), for information.
"""

import cProfile
import io
import os
import pstats
import smtplib
import sys
import threading
import time
from datetime import timedelta
from decimal import Decimal
from email.utils import parseaddr
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (  # noqa: E402
    SENDER,
    Report,
    Scratch,
    median,
    record_lines,
    time_limit,
    wait_process,
    wait_until_stable,
)
from bench._pages import csrf_token, log_in  # noqa: E402
from bench.reminder_scan import StatementCounter  # noqa: E402

N = 5000
REPEAT = 7
WORKERS = 2
AGAIN = 4  # the fan-out repeated on fresh slots, each right after the floor again: five pairs
PASSWORD = "bench-password-1234"
TARGET_REQUEST_RATIO = 2.0  # busy / quiet: the fan-out is a job, so interest must not slow the request
TARGET_FAN_OUT_RATIO = 4.0  # ours / floor
TARGET_VS_LIMIT = 0.7


# ------------------------------------------------------------------ data


def load_people(n: int) -> dict:
    """Two practitioners and a staff user (create_user), n patients on the first one's waiting list (Core)."""
    from sqlalchemy import select

    from dashboard.extensions import db
    from dashboard.models import Patient, Practitioner, WaitlistEntry
    from dashboard.models.base import utcnow
    from dashboard.services.users import create_user

    made = {}
    for username, role in [("drbusy", "practitioner"), ("drquiet", "practitioner"), ("desk", "staff")]:
        practitioner = role == "practitioner"
        user = create_user(
            username=username,
            email=f"{username}@clinic.example.org",
            full_name=f"Dr {username[2:].title()}" if practitioner else "Front Desk",
            role=role,
            password=PASSWORD,
            specialty="General practice" if practitioner else None,
            consultation_fee=Decimal("80.00") if practitioner else None,
        )
        made[username] = user.id
    busy = db.session.scalar(select(Practitioner.id).where(Practitioner.user_id == made["drbusy"]))
    quiet = db.session.scalar(select(Practitioner.id).where(Practitioner.user_id == made["drquiet"]))
    now = utcnow()
    patients = [
        {
            "id": i,
            "first_name": f"Pat{i}",
            "last_name": "Waiting",
            "email": f"patient{i}@patients.example.org",
            "phone": None,
            "created_at": now,
        }
        for i in range(1, n + 1)
    ]
    entries = [
        {
            "practitioner_id": busy,
            "patient_id": i,
            "urgent": False,
            "preferences": "",
            "position": i,
            "created_at": now - timedelta(days=30),
        }
        for i in range(1, n + 1)
    ]
    db.session.execute(Patient.__table__.insert(), patients)
    db.session.execute(WaitlistEntry.__table__.insert(), entries)
    db.session.commit()
    return {"busy": busy, "quiet": quiet, "desk_user": made["desk"]}


# ------------------------------------------------------------------ 1. the request


def time_requests(app, ids: dict, report: Report, days_ahead: int = 2) -> dict:
    """POST the add-a-slot form as the desk, alternately for the busy and the quiet practitioner."""
    from dashboard.clinic_time import clinic_today

    client = app.test_client()
    log_in(client, "desk", PASSWORD)
    with app.app_context():
        first_day = clinic_today() + timedelta(days=days_ahead)
    tokens = {}
    for name in ("busy", "quiet"):
        tokens[name] = csrf_token(client.get(f"/schedule/?practitioner={ids[name]}").get_data(as_text=True))

    times: dict[str, list[float]] = {"busy": [], "quiet": []}
    statuses: dict[str, list[int]] = {"busy": [], "quiet": []}
    for i in range(REPEAT + 1):  # the first of each is a warm-up
        day = first_day + timedelta(days=i)
        for name in ("busy", "quiet"):
            data = {
                "csrf_token": tokens[name],
                "practitioner": str(ids[name]),
                "week": "",
                "day": day.isoformat(),
                "start": "09:00",
                "end": "09:30",
            }
            started = time.perf_counter()
            response = client.post("/schedule/slots", data=data)
            seconds = time.perf_counter() - started
            statuses[name].append(response.status_code)
            if i:
                times[name].append(seconds)
    for name, codes in statuses.items():
        if set(codes) != {302}:
            report.line(f"add-a-slot POSTs for {name} answered {codes} (expected 302 each)")
    return {"times": times, "statuses": statuses}


def take_fan_out_jobs(app) -> list[tuple]:
    """The fan-out jobs the POSTs queued (no worker ran): their arguments; the queue is emptied."""
    from dashboard import queues
    from dashboard.services.offers import FAN_OUT_JOB

    queue = queues.get_queue("default", app)
    jobs = [(job.func_name, tuple(job.args)) for job in queue.jobs]
    queue.empty()
    return [args for func, args in jobs if func == FAN_OUT_JOB]


def take_window_jobs(app, practitioner_ids: list[int]) -> list[tuple]:
    """The fan-outs the coalesced POSTs scheduled: their arguments; the registry and the windows are cleared."""
    from rq.registry import ScheduledJobRegistry

    from dashboard import queues
    from dashboard.services import offers

    registry = ScheduledJobRegistry(queue=queues.get_queue("default", app))
    jobs = [queues.AppJob.fetch(job_id, connection=queues.connection(app)) for job_id in registry.get_job_ids()]
    for job in jobs:
        registry.remove(job, delete_job=True)
    queues.connection(app).delete(*[offers.window_key(i) for i in practitioner_ids])
    return [tuple(job.args) for job in jobs if job.func_name == offers.FAN_OUT_JOB]


def fan_out_keys(practitioner_id: int, slot_id: int) -> str:
    """The LIKE pattern of the dedupe keys of the fan-out that offered this one slot."""
    from dashboard.extensions import db
    from dashboard.models import Slot
    from dashboard.services import offers

    return f"offers:{offers.opening_key(practitioner_id, [db.session.get(Slot, slot_id)])}:%"


# ------------------------------------------------------------------ 2. the fan-out


def floor_rows(practitioner_id: int, slot_id: int, n: int) -> tuple[list, list, list]:
    """The fan-out's rows rendered once beforehand (one email's html for all), distinct recipients."""
    from dashboard.extensions import db
    from dashboard.models import InterestReason, Patient, Practitioner, Slot
    from dashboard.models.base import utcnow
    from dashboard.notify.render import render_email
    from dashboard.services import offers
    from dashboard.services.offers import rows

    practitioner = db.session.get(Practitioner, practitioner_id)
    slot = db.session.get(Slot, slot_id)
    interest = offers.Interest(db.session.get(Patient, 1), InterestReason.WAITLIST, 1)
    message = rows.offer_email(practitioner, interest, [slot], "floor")
    rendered = render_email("new_availability", message.context)
    now = utcnow().replace(tzinfo=None).isoformat(sep=" ")
    emails = [
        (
            "new_availability",
            f"patient{i}@patients.example.org",
            "",
            rendered.subject,
            rendered.html,
            rendered.text,
            f"floor:{i}",
            "queued",
            0,
            now,
            now,
            i,
            message.context.get("unsubscribe_url"),
            f"<floor{i}@bench.example.org>",
        )
        for i in range(1, n + 1)
    ]
    offer_rows = [(slot_id, i, "waitlist", i, i - 1, "offered", now, now) for i in range(1, n + 1)]
    notes = [(i, "floor", "Dr Busy has a new time for you", "", now) for i in range(1, n + 1)]
    return emails, offer_rows, notes


def insert_floor(emails: list, offer_rows: list, notes: list) -> dict[str, float]:
    """DB-API executemany of the pre-rendered rows, one commit; seconds per part. Then deleted again."""
    from dashboard.extensions import db

    raw = db.engine.raw_connection()
    spent = {}
    try:
        cursor = raw.cursor()
        started = time.perf_counter()
        cursor.executemany(
            "INSERT INTO email_messages (kind, to_addrs, bcc_addrs, subject, html, text, dedupe_key, status,"
            " attempts, next_attempt_at, created_at, patient_id, list_unsubscribe, smtp_message_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            emails,
        )
        spent["emails"] = time.perf_counter() - started
        mark = time.perf_counter()
        cursor.executemany(
            "INSERT INTO offers (slot_id, patient_id, reason, source_id, rank, status, offered_at, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            offer_rows,
        )
        spent["offers"] = time.perf_counter() - mark
        mark = time.perf_counter()
        cursor.executemany(
            "INSERT INTO patient_messages (patient_id, kind, title, body, created_at) VALUES (?, ?, ?, ?, ?)", notes
        )
        spent["messages"] = time.perf_counter() - mark
        mark = time.perf_counter()
        raw.commit()
        spent["commit"] = time.perf_counter() - mark
        spent["total"] = time.perf_counter() - started
        # Gone again before the fan-out (foreign-key checks off: see outbox_write.empty_outbox).
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.execute("DELETE FROM email_messages WHERE dedupe_key LIKE 'floor:%'")
        cursor.execute("DELETE FROM offers WHERE slot_id = ?", (offer_rows[0][0],))
        cursor.execute("DELETE FROM patient_messages WHERE kind = 'floor'")
        raw.commit()
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        raw.close()
    return spent


def written_by(practitioner_id: int, slot_id: int) -> dict[str, int]:
    """Rows the fan-out of this slot wrote."""
    from sqlalchemy import func, select

    from dashboard.extensions import db
    from dashboard.models import EmailMessage, Offer, PatientMessage

    keys = fan_out_keys(practitioner_id, slot_id)
    counts = {
        "emails": db.session.scalar(select(func.count()).where(EmailMessage.dedupe_key.like(keys))),
        "distinct recipients": db.session.scalar(
            select(func.count(func.distinct(EmailMessage.to_addrs))).where(EmailMessage.dedupe_key.like(keys))
        ),
        "offers": db.session.scalar(select(func.count()).select_from(Offer).where(Offer.slot_id == slot_id)),
        "messages": db.session.scalar(
            select(func.count()).select_from(PatientMessage).where(PatientMessage.kind == "new_availability")
        ),
    }
    db.session.commit()
    return counts


def run_fan_out(practitioner_id: int, slot_id: int) -> tuple[dict, float, StatementCounter]:
    """The queued job's body, as a worker runs it (a fresh session), timed."""
    from dashboard.extensions import db
    from dashboard.services import offers

    db.session.remove()
    with StatementCounter(db.engine) as counter:
        started = time.perf_counter()
        result = offers.fan_out(practitioner_id, [slot_id])
        seconds = time.perf_counter() - started
    db.session.remove()
    return result, seconds, counter


def statement_shapes(counter: StatementCounter, top: int = 4) -> list[tuple[int, float, str]]:
    """The statements a run sent, grouped by their SQL: (count, seconds on the cursor, SQL), most frequent first."""
    shapes: dict[str, list] = {}
    for sql, _, seconds in counter.statements:
        shape = shapes.setdefault(" ".join(sql.split()), [0, 0.0])
        shape[0] += 1
        shape[1] += seconds
    ordered = sorted(shapes.items(), key=lambda item: -item[1][0])
    return [(n, seconds, sql) for sql, (n, seconds) in ordered[:top]]


def breakdown(practitioner_id: int, slot_id: int) -> tuple[float, list[tuple[str, float]]]:
    """A fan-out with its steps timed in place (unprofiled): seconds per step."""
    from dashboard import notify
    from dashboard.extensions import db
    from dashboard.notify import outbox, recipients
    from dashboard.services import offers
    from dashboard.services.offers import fan_out_job, rows

    # Each patched where the fan-out looks it up: the job's module, or (the bulk insert) rows.record's.
    targets = [
        (fan_out_job, "interested", "offers.interested (3 queries, 5,000 ORM patients)"),
        (fan_out_job, "offer_email", "offers.rows.offer_email (context, signed links) x patients"),
        (fan_out_job, "patient_note", "offers.rows.patient_note x patients"),
        (rows, "insert_offers", "offers.rows.insert_offers (executemany)"),
        (notify, "emails", "notify.emails, all of it"),
        (outbox, "render_emails", "  render_emails (Jinja + CSS inlining)"),
        (recipients, "clean", "  recipients.clean (email-validator)"),
        (outbox, "used_keys", "  used_keys (dedupe SELECTs)"),
        (fan_out_job, "tell_staff", "offers.rows.tell_staff (bell)"),
    ]
    spent = dict.fromkeys((label for *_, label in targets), 0.0)
    originals = [(module, name, getattr(module, name)) for module, name, _ in targets]

    def timed(function, label):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[label] += time.perf_counter() - started

        return wrapper

    for (module, name, label), (_, _, function) in zip(targets, originals, strict=True):
        setattr(module, name, timed(function, label))
    try:
        db.session.remove()
        with StatementCounter(db.engine) as counter:
            started = time.perf_counter()
            offers.fan_out(practitioner_id, [slot_id])
            total = time.perf_counter() - started
    finally:
        for module, name, function in originals:
            setattr(module, name, function)
        db.session.remove()
    results = list(spent.items())
    results.append(("SQL on the cursor (all statements)", counter.seconds))
    top = [label for label in spent if not label.startswith("  ")]
    results.append(("everything else (commits, loops, enqueueing)", total - sum(spent[label] for label in top)))
    return total, results


def fresh_slot(practitioner_id: int, previous_slot_id: int, desk_user_id: int, days_ahead: int) -> int:
    """Block the previous slot (its offers are withdrawn) and add a new one: the next fan-out is again one slot."""
    from datetime import time as clock

    from dashboard.clinic_time import clinic_today
    from dashboard.extensions import db
    from dashboard.models import User
    from dashboard.services import slots

    desk = db.session.get(User, desk_user_id)
    slots.block_slot(previous_slot_id, desk)
    slot = slots.add_slot(
        practitioner_id, clinic_today() + timedelta(days=days_ahead), clock(9), clock(9, 30), by_user_id=None
    )
    return slot.id


# ------------------------------------------------------------------ 3. delivery


class RecordWatcher:
    """Polls the sink's record file: when each line (Message-ID) arrived, to within a few ms."""

    def __init__(self, path: str, interval: float = 0.005):
        self.path = path
        self.interval = interval
        self.arrivals: list[tuple[float, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with open(self.path, encoding="utf-8") as f:
            f.seek(0, 2)  # only what arrives from now on
            pending = ""
            while True:
                chunk = f.read()
                now = time.perf_counter()
                if chunk:
                    pending += chunk
                    *lines, pending = pending.split("\n")
                    self.arrivals.extend((now, line.strip()) for line in lines if line.strip())
                elif self._stop.is_set():
                    return
                else:
                    time.sleep(self.interval)

    def __enter__(self) -> "RecordWatcher":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def single_connection_limit(rows, port: int) -> float:
    """Seconds for a bare smtplib loop to send the prebuilt messages over one connection (after a warm-up)."""
    from bench._common import stdlib_message

    prebuilt = [(stdlib_message(row), row.recipients) for row in rows]
    sender = parseaddr(SENDER)[1]
    with smtplib.SMTP("127.0.0.1", port, "localhost", timeout=10) as smtp:
        for mime, to in prebuilt[:50]:  # warm-up, not timed
            smtp.send_message(mime, from_addr=sender, to_addrs=to)
        started = time.perf_counter()
        for mime, to in prebuilt:
            smtp.send_message(mime, from_addr=sender, to_addrs=to)
        return time.perf_counter() - started


def rows_span(ids: list[int]) -> tuple[int, float]:
    """(rows sent, seconds from the first claimed_at to the last sent_at)."""
    from sqlalchemy import func, select

    from dashboard.extensions import db
    from dashboard.models import EmailMessage, EmailStatus

    db.session.expire_all()
    sent, first, last = db.session.execute(
        select(func.count(), func.min(EmailMessage.claimed_at), func.max(EmailMessage.sent_at)).where(
            EmailMessage.id.in_(ids), EmailMessage.status == EmailStatus.SENT
        )
    ).one()
    db.session.commit()
    return sent, ((last - first).total_seconds() if sent else float("nan"))


# ------------------------------------------------------------------ main


def main() -> int:
    time_limit(140)
    report = Report("offers_fan_out")
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    report.line(f"load average at the start: {load} ({os.cpu_count()} cores)")
    with Scratch("offers-fan-out") as scratch:
        from sqlalchemy import select
        from sqlalchemy.orm import selectinload

        from dashboard import queues
        from dashboard.extensions import db
        from dashboard.models import EmailMessage, Slot
        from dashboard.services import slots

        record = f"{scratch.dir}/sink.txt"
        _, port = scratch.start_sink(record=record)
        app = scratch.app(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        with app.app_context():
            db.create_all()
            started = time.perf_counter()
            ids = load_people(N)
            loaded = time.perf_counter() - started
            report.line(f"{N:,} patients on one practitioner's waiting list, loaded in {loaded:.1f} s")

        # 1. The request, outside any app context (each request pushes its own, as in production).
        requests = time_requests(app, ids, report)
        with app.app_context():
            jobs = take_fan_out_jobs(app)
            busy_slots = list(
                db.session.scalars(select(Slot.id).where(Slot.practitioner_id == ids["busy"]).order_by(Slot.id))
            )
            target = busy_slots[0]
            expected_jobs = {(ids["busy"], (slot,)) for slot in busy_slots}
            got_jobs = {(int(p), tuple(s)) for p, s in jobs}
            jobs_ok = expected_jobs <= got_jobs and len(jobs) == 2 * (REPEAT + 1)

        # 1b. The same POSTs with a coalescing window (production's default), later days, for information.
        app.config["OFFER_COALESCE_SECONDS"] = 60
        coalesced = time_requests(app, ids, report, days_ahead=2 + REPEAT + 1)
        app.config["OFFER_COALESCE_SECONDS"] = 0
        with app.app_context():
            window_jobs = take_window_jobs(app, [ids["busy"], ids["quiet"]])
            left_in_queue = len(take_fan_out_jobs(app))
            windows_ok = sorted(window_jobs) == sorted([(ids["busy"],), (ids["quiet"],)]) and not left_in_queue
            busy_slots = list(
                db.session.scalars(select(Slot.id).where(Slot.practitioner_id == ids["busy"]).order_by(Slot.id))
            )

            # 2. The floor, then the fan-out of the first slot alone (the others removed, never offered).
            prepared = floor_rows(ids["busy"], target, N)
            floors = [insert_floor(*prepared)]
            from dashboard.models import User

            desk = db.session.get(User, ids["desk_user"])
            for slot_id in busy_slots[1:]:
                slots.remove_slot(slot_id, desk)
            queues.get_queue("emails", app).empty()  # nothing yet; delivery jobs come from the fan-out's commits
            result, fan_out_seconds, counter = run_fan_out(ids["busy"], target)
            counts = written_by(ids["busy"], target)
            row_ids = list(
                db.session.scalars(
                    select(EmailMessage.id).where(EmailMessage.dedupe_key.like(fan_out_keys(ids["busy"], target)))
                )
            )
            queued_jobs = queues.get_queue("emails", app).count

            # 3. Delivery: the single-connection limit first, then two workers, same sink.
            rows = db.session.scalars(
                select(EmailMessage)
                .where(EmailMessage.id.in_(row_ids))
                .options(selectinload(EmailMessage.attachments))
                .order_by(EmailMessage.id)
            ).all()
            our_message_ids = {row.smtp_message_id for row in rows}
            started = time.perf_counter()
            limit_seconds = single_connection_limit(rows, port)
            report.line(f"single-connection loop (build + send) took {time.perf_counter() - started:.1f} s in all")
            del rows
            db.session.commit()
            limit_rate = N / limit_seconds

            with RecordWatcher(record) as watcher:
                started = time.perf_counter()
                workers = [scratch.start_worker(app, "--burst", log_name=f"worker-{i}") for i in range(1, WORKERS + 1)]
                codes = [wait_process(worker, 90, f"worker {i}") for i, worker in enumerate(workers, 1)]
                wall = time.perf_counter() - started
                wait_until_stable(lambda: len(watcher.arrivals), quiet=0.3, deadline=5)
            ours = [(t, mid) for t, mid in watcher.arrivals if mid in our_message_ids]
            received = [mid for _, mid in ours]
            sink_span = ours[-1][0] - ours[0][0] if len(ours) > 1 else float("nan")
            sink_rate = len(ours) / sink_span
            sent, span = rows_span(row_ids)
            recorded_ours = [mid for mid in record_lines(record) if mid in our_message_ids]
            for i, code in enumerate(codes, 1):
                if code != 0 or sent != N:
                    report.line(f"worker {i} exited {code}; its log:\n{scratch.log_tail(f'worker-{i}')}")

            # The same job again on fresh slots (the previous one blocked, so again one slot), nothing
            # queued, each after the floor again: the target compares the medians of these pairs.
            app.config["MAIL_BACKEND"] = "outbox"
            again, previous = [], target
            for k in range(AGAIN):
                slot_k = fresh_slot(ids["busy"], previous, ids["desk_user"], days_ahead=40 + k)
                floors.append(insert_floor(*floor_rows(ids["busy"], slot_k, N)))  # its own slot's offers
                again.append(run_fan_out(ids["busy"], slot_k)[1])
                previous = slot_k
            del prepared
            floor = sorted(floors, key=lambda f: f["total"])[len(floors) // 2]  # the median run
            fan_outs = [fan_out_seconds, *again]
            # Each fan-out against the floor timed just before it (the load moves within
            # seconds), and the median of those ratios: one slow floor or fan-out can't decide.
            ratios = sorted(ours / pair["total"] for ours, pair in zip(fan_outs, floors, strict=True))
            ratio = ratios[len(ratios) // 2]
            judged = sorted(fan_outs)[len(fan_outs) // 2]
            # For information, when it missed: where a fan-out's time goes (timed in place), and a profile.
            traced_total, parts, profile_text = None, [], None
            if ratio > TARGET_FAN_OUT_RATIO:
                slot_2 = fresh_slot(ids["busy"], previous, ids["desk_user"], days_ahead=50)
                traced_total, parts = breakdown(ids["busy"], slot_2)
                slot_3 = fresh_slot(ids["busy"], slot_2, ids["desk_user"], days_ahead=51)
                profiler = cProfile.Profile()
                db.session.remove()
                profiler.enable()
                from dashboard.services import offers

                offers.fan_out(ids["busy"], [slot_3])
                profiler.disable()
                db.session.remove()
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(15)
                profile_text = "\n".join(line.rstrip() for line in out.getvalue().splitlines() if line.strip())

    busy_ms = median(requests["times"]["busy"]) * 1000
    quiet_ms = median(requests["times"]["quiet"]) * 1000
    report.line()
    report.line("1. the request: POST /schedule/slots as the desk, test client, MAIL_BACKEND=smtp, no worker")
    for name, label in [("quiet", "baseline: nobody waiting"), ("busy", f"{N:,} waiting")]:
        runs = " ".join(f"{t * 1000:.1f}" for t in requests["times"][name])
        report.line(f"   {label:28} median {median(requests['times'][name]) * 1000:6.1f} ms   runs (ms): {runs}")
    report.line(f"   difference (what interest costs the request): {busy_ms - quiet_ms:+.1f} ms")
    report.line(f"   fan-out jobs queued by the POSTs: {len(jobs)} (one each; busy ones as expected: {jobs_ok})")
    for name, label in [("quiet", "coalesced: nobody waiting"), ("busy", f"coalesced: {N:,} waiting")]:
        runs = " ".join(f"{t * 1000:.1f}" for t in coalesced["times"][name])
        report.line(f"   {label:28} median {median(coalesced['times'][name]) * 1000:6.1f} ms   runs (ms): {runs}")
    report.line(
        f"   with OFFER_COALESCE_SECONDS=60, fan-outs scheduled by its {2 * (REPEAT + 1)} POSTs: {len(window_jobs)}"
        f" (one per practitioner's window, none queued at once: {windows_ok})"
    )
    report.line()
    report.line(f"2. the fan-out job: offers.fan_out(practitioner, [slot]) in this process, one slot, {N:,} waiting")
    report.line(
        f"   ours: {fan_out_seconds:.2f} s ({fan_out_seconds * 1000 / N:.3f} ms a patient), {counter.count} statements,"
        f" {counter.seconds:.2f} s of it on the cursor; result {result}"
    )
    report.line(
        "   the same job again on fresh slots, each after the floor again (MAIL_BACKEND=outbox, nothing queued): "
        + ", ".join(f"{t:.2f} s" for t in again)
    )
    report.line("   its statements by SQL, most frequent first (count, ms on the cursor):")
    for n, seconds, sql in statement_shapes(counter):
        report.line(f"      {n:5d} {seconds * 1000:8.1f}  {sql[:150]}")
    report.line(f"   written: {counts}; delivery jobs queued by its commits: {queued_jobs}")
    report.line(
        f"   floor (pre-rendered, DB-API executemany, one commit; median of {len(floors)}): {floor['total']:.2f} s"
        f" (emails {floor['emails']:.2f}, offers {floor['offers']:.2f}, messages {floor['messages']:.2f},"
        f" commit {floor['commit']:.2f}); runs " + " ".join(f"{f['total']:.2f}" for f in floors)
    )
    if traced_total is not None:
        report.line(f"   breakdown of a second fan-out, timed in place ({traced_total:.2f} s; seconds):")
        for label, seconds in parts:
            report.line(f"      {label:52} {seconds:6.2f}")
    if profile_text:
        report.line("   profile of a third fan-out (cProfile, top 15 by cumulative time; profiling slows it):")
        report.line(profile_text)
    report.line()
    report.line(f"3. delivery: {WORKERS} workers (worker.py --burst) to one SMTP sink process, vs one bare connection")
    report.line(f"   {'':44} {'emails':>7} {'seconds':>8} {'per s':>8} {'vs limit':>9}")
    for label, count, seconds in [
        ("limit: smtplib, prebuilt, 1 connection", N, limit_seconds),
        (f"ours, {WORKERS} workers, at the sink (first to last)", len(ours), sink_span),
        (f"ours, {WORKERS} workers, rows' timestamps", sent, span),
        (f"ours, {WORKERS} workers, wall incl. worker start", sent, wall),
    ]:
        rate = count / seconds
        report.line(f"   {label:44} {count:7d} {seconds:8.2f} {rate:8.0f} {rate / limit_rate:8.2f}x")
    report.line(
        f"   sink received {len(received)} of ours ({len(set(received))} distinct Message-IDs;"
        f" record file: {len(recorded_ours)}); rows sent {sent}; worker exit codes {codes}"
    )
    report.line()
    requests_ok = all(set(answers) == {302} for answers in requests["statuses"].values())
    report.check(
        f"request <= {TARGET_REQUEST_RATIO:g}x nobody waiting",
        requests_ok and busy_ms <= TARGET_REQUEST_RATIO * quiet_ms,
        f"{busy_ms / quiet_ms:.2f}x: median {busy_ms:.1f} ms with {N:,} waiting, {quiet_ms:.1f} ms with nobody"
        + ("" if requests_ok else "; some POSTs did not answer 302"),
    )
    written_ok = counts["emails"] == N and counts["distinct recipients"] == N and counts["offers"] == N
    written_ok = written_ok and counts["messages"] == N
    report.check(
        f"fan-out <= {TARGET_FAN_OUT_RATIO:g}x its floor",
        written_ok and ratio <= TARGET_FAN_OUT_RATIO,
        f"{ratio:.1f}x: the median of {len(ratios)} fan-outs' ratios to the floor timed right before each"
        f" ({', '.join(f'{r:.1f}' for r in ratios)}); median fan-out {judged:.2f} s (the first wrote"
        f" {counts['emails']:,} emails, {counts['offers']:,} offers, {counts['messages']:,} messages)"
        f", median floor {floor['total']:.2f} s",
    )
    report.check(
        "all delivered once",
        sent == N and len(received) == N and set(received) == our_message_ids,
        f"{len(set(received))} distinct of {N} Message-IDs at the sink, {len(received)} received, {sent} rows sent",
    )
    vs_limit = sink_rate / limit_rate
    report.check(
        "delivery >= 0.7x limit",
        vs_limit >= TARGET_VS_LIMIT,
        f"{sink_rate:.0f}/s at the sink with {WORKERS} workers vs {limit_rate:.0f}/s over one bare connection:"
        f" {vs_limit:.2f}x (target >= {TARGET_VS_LIMIT}x)",
    )
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
