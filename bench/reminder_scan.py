"""The reminder scan on a big schedule: send_appointment_reminders(24) over 100,000 appointments.

5 practitioners (with their users), 20,000 patients and 100,000 appointments spread at random
over 100 days around now (80% confirmed, 10% pending, 10% cancelled; 30 min each; booked two
weeks ahead, except 3% of the confirmed ones booked late, after their 24 h reminder moment),
inserted with Core executemany on SQLite. With the default 24 h lead ~1,000 appointments start
in the window. Measured, median of 5 (the outbox emptied between runs, MAIL_BACKEND=outbox so
nothing is queued): (1) the first scan, which writes the reminders; (2) a second scan right
after, which finds them all sent and must write nothing. SQL statements are counted per scan
with a `before_cursor_execute` listener on the engine (an executemany counts once), and counted
again on the same data shape at a tenth (10,000 appointments, ~100 due).
The floor, measured in the same run and interleaved with ours (in each repeat: the floor, then
the two scans; every timed step after `gc.collect()`): the same due reminders, pre-rendered (the
rows and .ics attachments the warm-up scan wrote, read back as stored), inserted with one DB-API
executemany per table and one commit, after the scan's own SELECT (its SQL and parameters as
sent) run bare on the same raw connection and fetched: what any scan that writes these rows must
pay on this machine, at its load of the moment. Shown beside it: a bare `SELECT count(*)` over the
same window and status (the index ix_appointments_status_starts), and the first scan's time per
reminder written.
Targets: first scan / floor <= TARGET_RATIO (medians of the repeats; a ratio, so a loaded machine
slows both sides alike); statements per scan bounded (<= 10, at 10k and at 100k); reminders
written == due confirmed appointments in the window, and 0 on the second scan.
"""

import gc
import random
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import Report, Scratch, median, ratio_figure, time_limit  # noqa: E402
from bench.outbox_write import empty_outbox  # noqa: E402

N = 100_000
N_SMALL = 10_000
PRACTITIONERS = 5
PATIENTS_PER_APPOINTMENT = 0.2  # 20,000 patients for 100,000 appointments
DAYS = 100
HOURS = 24
REPEAT = 5
TARGET_RATIO = 21.0  # first scan / floor at 100k: see bench/README.md
STATEMENT_BOUND = 10
SMITH_SHARE = 0.02
FIRST_NAMES = ["Aroha", "Liam", "Mei", "Olivia", "Tane", "Priya", "Noah", "Sione", "Grace", "Hemi", "Ava", "Jack"]
LAST_NAMES = ["Ngata", "Wilson", "Chen", "Patel", "Brown", "Taylor", "Walker", "Singh", "Tuilagi", "Kaur", "Lee"]
REASONS = ["Check-up", "Follow-up", "Vaccination", "Blood test results", "Back pain", "Skin check", ""]


def load_schedule(n: int, now, seed: int = 1) -> list[tuple]:
    """Practitioners (and their users), patients and `n` appointments, by Core executemany.

    Returns (id, status, starts_at, scheduled_at) of every appointment, to check results against.
    """
    from dashboard.extensions import db
    from dashboard.models import Appointment, Patient, Practitioner, User

    rng = random.Random(seed)
    n_patients = max(1, int(n * PATIENTS_PER_APPOINTMENT))
    users = [
        {
            "id": i,
            "username": f"dr{i}",
            "email": f"dr{i}@clinic.example.org",
            "full_name": f"Dr {FIRST_NAMES[i]} {LAST_NAMES[i]}",
            "role": "practitioner",
            "password_hash": "x",
            "active": True,
            "created_at": now,
        }
        for i in range(1, PRACTITIONERS + 1)
    ]
    practitioners = [
        {
            "id": u["id"],
            "user_id": u["id"],
            "name": u["full_name"],
            "specialty": "General practice",
            "consultation_fee": Decimal("80.00"),
            "active": True,
        }
        for u in users
    ]
    patients = [
        {
            "id": i,
            "first_name": rng.choice(FIRST_NAMES),
            "last_name": "Smith" if rng.random() < SMITH_SHARE else rng.choice(LAST_NAMES),
            "email": f"patient{i}@patients.example.org",
            "phone": f"021 555 {i:05d}",
            "created_at": now,
        }
        for i in range(1, n_patients + 1)
    ]
    start = now - timedelta(days=DAYS / 2)
    statuses = ["confirmed"] * 8 + ["pending", "cancelled"]
    appointments, shape = [], []
    for i in range(1, n + 1):
        starts_at = (start + timedelta(seconds=rng.uniform(0, DAYS * 86400))).replace(second=0, microsecond=0)
        status = statuses[rng.randrange(10)]
        if status == "confirmed" and rng.random() < 0.03:
            scheduled_at = min(starts_at - timedelta(hours=2), now)  # booked after its reminder moment
        else:
            scheduled_at = min(starts_at - timedelta(days=14), now)
        appointments.append(
            {
                "id": i,
                "patient_id": rng.randint(1, n_patients),
                "practitioner_id": rng.randint(1, PRACTITIONERS),
                "slot_id": None,
                "starts_at": starts_at,
                "ends_at": starts_at + timedelta(minutes=30),
                "reason": rng.choice(REASONS),
                "status": status,
                "scheduled_at": scheduled_at,
                "created_at": scheduled_at,
                "confirmed_at": scheduled_at if status == "confirmed" else None,
                "cancelled_at": scheduled_at if status == "cancelled" else None,
                "cancelled_by": "the clinic" if status == "cancelled" else None,
                "cancel_reason": "Practitioner unwell" if status == "cancelled" else None,
            }
        )
        shape.append((i, status, starts_at, scheduled_at))
    for model, rows in [(User, users), (Practitioner, practitioners), (Patient, patients), (Appointment, appointments)]:
        db.session.execute(model.__table__.insert(), rows)
    db.session.commit()
    return shape


def due_reminders(shape: list[tuple], now, hours: int = HOURS) -> int:
    """What the scan should write: confirmed, starting in (now, now + hours], booked before the reminder moment."""
    lead = timedelta(hours=hours)
    return sum(
        1
        for _, status, starts_at, scheduled_at in shape
        if status == "confirmed" and now < starts_at <= now + lead and scheduled_at <= starts_at - lead
    )


class StatementCounter:
    """Every statement the engine sends (an executemany once), with its time on the cursor."""

    def __init__(self, engine):
        self.engine = engine
        self.statements: list[tuple[str, object, float]] = []
        self._started = 0.0

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self._started = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append((statement, parameters, time.perf_counter() - self._started))

    def __enter__(self) -> "StatementCounter":
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)

    @property
    def count(self) -> int:
        return len(self.statements)

    @property
    def seconds(self) -> float:
        return sum(seconds for *_, seconds in self.statements)

    def summary(self) -> list[str]:
        return [f"{seconds * 1000:8.2f} ms  {' '.join(sql.split())[:150]}" for sql, _, seconds in self.statements]


def scan(now) -> tuple[int, float, StatementCounter]:
    """One send_appointment_reminders(HOURS) call: (written, seconds, its statements)."""
    from dashboard.extensions import db
    from dashboard.services.reminders import send_appointment_reminders

    db.session.expunge_all()  # a cron run starts with an empty session
    gc.collect()  # and without the benchmark's garbage (as the floor)
    with StatementCounter(db.engine) as counter:
        started = time.perf_counter()
        written = send_appointment_reminders(HOURS, now=now)
        seconds = time.perf_counter() - started
    return written, seconds, counter


def window_count(now) -> tuple[int, float]:
    """The baseline: a bare count over the same window and status, through the same session."""
    from sqlalchemy import func, select

    from dashboard.extensions import db
    from dashboard.models import Appointment

    started = time.perf_counter()
    count = db.session.scalar(
        select(func.count())
        .select_from(Appointment)
        .where(
            Appointment.status == "confirmed",
            Appointment.starts_at > now,
            Appointment.starts_at <= now + timedelta(hours=HOURS),
        )
    )
    return count, time.perf_counter() - started


def stored_outbox() -> dict[str, tuple[list[str], list[tuple]]]:
    """Every outbox row and attachment as stored, {table: (columns, rows)}: the floor writes them again."""
    from dashboard.extensions import db

    db.session.commit()
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        tables = {}
        for table in ("email_messages", "email_attachments"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (our own table names)
            rows = cursor.fetchall()
            tables[table] = ([column[0] for column in cursor.description], rows)
        return tables
    finally:
        raw.close()


def floor(select: tuple[str, object], stored: dict[str, tuple[list[str], list[tuple]]]) -> float:
    """The scan's SELECT run bare (fetched), then the pre-rendered rows by executemany, one commit: seconds."""
    from dashboard.extensions import db

    db.session.commit()
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        gc.collect()
        started = time.perf_counter()
        cursor.execute(*select)
        cursor.fetchall()
        for table in ("email_messages", "email_attachments"):  # messages first: attachments point at their ids
            columns, rows = stored[table]
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",  # noqa: S608
                rows,
            )
        raw.commit()
        return time.perf_counter() - started
    finally:
        raw.close()


def measure(app, n: int, report: Report, detail: bool) -> dict:
    from sqlalchemy import func, select

    from dashboard.extensions import db
    from dashboard.models import EmailAttachment, EmailMessage
    from dashboard.models.base import utcnow

    with app.app_context():
        db.create_all()
        now = utcnow()
        started = time.perf_counter()
        shape = load_schedule(n, now)
        expected = due_reminders(shape, now)
        in_window = sum(1 for _, _, s, _ in shape if now < s <= now + timedelta(hours=HOURS))
        confirmed = sum(1 for _, st, s, _ in shape if st == "confirmed" and now < s <= now + timedelta(hours=HOURS))
        report.line(
            f"{n:,} appointments loaded in {time.perf_counter() - started:.1f} s; {in_window:,} start in the next"
            f" {HOURS} h, {confirmed:,} of them confirmed, {expected:,} booked in time for a reminder"
        )
        _, _, warm = scan(now)  # warm-up: templates compiled, statement caches filled
        select_sql = warm.statements[0][:2]  # the scan's SELECT, as sent
        stored = stored_outbox()  # the reminders it wrote, as stored: the floor's pre-rendered rows
        empty_outbox()

        first, second, floors, counts = [], [], [], []
        written = rewritten = None
        first_counter = second_counter = None
        for _ in range(REPEAT):
            floors.append(floor(select_sql, stored))
            floor_rows = db.session.scalar(select(func.count()).select_from(EmailMessage))
            empty_outbox()
            written, seconds, first_counter = scan(now)
            first.append(seconds)
            rows = db.session.scalar(select(func.count()).select_from(EmailMessage))
            attachments = db.session.scalar(select(func.count()).select_from(EmailAttachment))
            rewritten, seconds, second_counter = scan(now)
            second.append(seconds)
            counts.append((written, rows, attachments, rewritten, floor_rows))
            empty_outbox()
        baseline = []
        for _ in range(REPEAT):
            window, seconds = window_count(now)
            baseline.append(seconds)
        db.session.commit()
        plan = db.session.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + first_counter.statements[0][0], first_counter.statements[0][1]
        )
        plan = [row[-1] for row in plan]
        db.session.commit()
    if detail:
        report.line(f"statements of the first scan ({first_counter.count}, time on the cursor):")
        for line in first_counter.summary():
            report.line("    " + line)
        report.line(f"statements of the second scan ({second_counter.count}):")
        for line in second_counter.summary():
            report.line("    " + line)
        report.line("EXPLAIN QUERY PLAN of the scan's SELECT: " + "; ".join(plan))
    return {
        "n": n,
        "expected": expected,
        "window": window,
        "first": first,
        "second": second,
        "baseline": baseline,
        "floor": floors,
        "counts": counts,
        "written": written,
        "rewritten": rewritten,
        "first_statements": first_counter.count,
        "second_statements": second_counter.count,
        "first_sql_seconds": first_counter.seconds,
        "second_sql_seconds": second_counter.seconds,
    }


def main() -> int:
    time_limit(85)
    report = Report("reminder_scan")
    with Scratch("reminder-scan") as scratch:
        small = measure(
            scratch.app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{scratch.dir}/small.db", REMINDER_HOURS=str(HOURS)),
            N_SMALL,
            report,
            detail=False,
        )
        big = measure(scratch.app(REMINDER_HOURS=str(HOURS)), N, report, detail=True)

    report.line()
    report.line(f"{'':50} {'median ms':>10} {'runs (ms)':>36} {'statements':>11} {'on cursor ms':>13}")
    for result in (small, big):
        n = result["n"]
        rows = [
            ("floor: SELECT bare + executemany of the rows", result["floor"], 3, None),
            ("first scan (writes the reminders)", result["first"], result["first_statements"], "first_sql_seconds"),
            (
                "second scan (all sent: writes none)",
                result["second"],
                result["second_statements"],
                "second_sql_seconds",
            ),
            ("for information: SELECT count(*) over the window", result["baseline"], 1, None),
        ]
        report.line(f"{n:,} appointments, {result['expected']:,} due:")
        for label, values, statements, sql in rows:
            runs = " ".join(f"{v * 1000:.1f}" for v in values)
            on_cursor = f"{result[sql] * 1000:13.1f}" if sql else f"{'':13}"
            report.line(f"  {label:48} {median(values) * 1000:10.1f} {runs:>36} {statements:11d} {on_cursor}")
        per_row = median(result["first"]) * 1000 / max(result["written"], 1)
        report.line(
            f"  first scan / floor = {median(result['first']) / median(result['floor']):.1f}x;"
            f" second scan / floor = {median(result['second']) / median(result['floor']):.1f}x;"
            f" first scan per reminder written: {per_row:.3f} ms"
        )
    report.line()
    for result in (small, big):
        written_ok = all(
            w == result["expected"] and rows == w and att == w and again == 0 and floor_rows == w
            for w, rows, att, again, floor_rows in result["counts"]
        )
        report.check(
            f"output right at {result['n'] // 1000}k",
            written_ok,
            f"written {sorted({c[0] for c in result['counts']})} (rows {sorted({c[1] for c in result['counts']})},"
            f" .ics {sorted({c[2] for c in result['counts']})}), due {result['expected']}; second scan wrote"
            f" {sorted({c[3] for c in result['counts']})} (must be 0); count(*) of confirmed in window"
            f" {result['window']}; the floor wrote {sorted({c[4] for c in result['counts']})}",
        )
    report.check(
        f"first scan / floor <= {TARGET_RATIO:g}x",
        median(big["first"]) <= TARGET_RATIO * median(big["floor"]),
        ratio_figure("first scan", median(big["first"]), "floor", median(big["floor"]), TARGET_RATIO)
        + f" (medians of {REPEAT}, interleaved) over {N:,} appointments, {big['written']:,} written;"
        f" second scan {median(big['second']) * 1000:.1f} ms",
    )
    bounded = all(r[k] <= STATEMENT_BOUND for r in (small, big) for k in ("first_statements", "second_statements"))
    report.check(
        "statements bounded",
        bounded,
        f"first scan {small['first_statements']} at 10k / {big['first_statements']} at 100k, second scan"
        f" {small['second_statements']} / {big['second_statements']} (bound {STATEMENT_BOUND}; they grow with"
        " the number due, one key SELECT per 500, not with the table)",
    )
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
