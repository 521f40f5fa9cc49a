"""The overdue scan on a big ledger: send_payment_reminders(7) over 100,000 invoices, and its jobs.

20,000 patients and 100,000 invoices issued at random over the last 400 days, each due 14 days
after issue (85% paid, 9% void, 4% unpaid, 2% partially paid), inserted with Core executemany on
SQLite. With a 7-day period the invoices still owing and at least 7 days past due (~5,700) are
due a reminder. The scan reads their ids and due dates, checks the dedupe keys, and (more than
REMINDER_BATCH = 500 due) queues jobs `dashboard.jobs.billing.write_payment_reminders` of 500 each
on the "default" queue (the scratch folder's embedded Redis) for the workers to render side by
side. Measured in 2 runs (the outbox and the default queue emptied between runs,
MAIL_BACKEND=outbox so no delivery is queued): (1) the first scan, which queues the reminders,
4 times (the queue emptied after each; the last one's jobs are written); (2) the writing: every
queued job's function run in this process, one after the other (with N workers it takes about
total / N); (3) a second scan right after, which finds every period's dedupe key used and must
queue and write nothing, 4 times. SQL statements are counted per scan and for the writing with a
`before_cursor_execute` listener on the engine (an executemany counts once), and counted again on
the same data shape at a tenth (10,000 invoices, ~530 due: two jobs). Each timed step starts
after `gc.collect()`: otherwise a full collection of the benchmark's own heap (the 100k-row
ledger it checks against, ~90 ms) lands in whichever step triggers it.
The floor, in the same run and interleaved with ours (timed right before every scan, after
`gc.collect()`): the scan's own SELECT alone (ids and due dates, through the same session), what
any scan must pay to find the due invoices on this machine at its load of the moment; beside it a
bare `SELECT count(*)` over the same condition (the index ix_invoices_status_due). For information
at 100k: one job timed in place (its SELECT and ORM load, the context and signed links, rendering,
address checks, rows, SQL, commit), and two real workers (`worker.py --burst`) on a first scan's
jobs, their wall time including their start.
Targets: first scan / the SELECT alone <= TARGET_RATIO at 100k, and the second scan too (medians
of the 8 scans and the 16 floors; the issue's "overdue scan over 100,000 invoices"; the rendering is the workers'
job, measured separately, for information); statements per scan bounded (1 SELECT + one
dedupe SELECT per 500 due, nothing else, at 10k and at 100k); the jobs cover every due invoice
once; reminders written == owing invoices >= 7 days overdue, none for a paid or void invoice,
the period in each key; the second scan finds them all already reminded and writes 0.
"""

import gc
import random
import sys
import time
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from math import ceil
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import Report, Scratch, median, ratio_figure, time_limit, wait_process  # noqa: E402
from bench.outbox_write import empty_outbox  # noqa: E402
from bench.reminder_scan import FIRST_NAMES, LAST_NAMES, StatementCounter  # noqa: E402

N = 100_000
N_SMALL = 10_000
PATIENTS_PER_INVOICE = 0.2  # 20,000 patients for 100,000 invoices
HISTORY_DAYS = 400
DUE_AFTER = 14
DAYS = 7  # PAYMENT_REMINDER_DAYS
REPEAT = 2  # runs: first scans, the writing (~9 s with the machine loaded), second scans
PAIRS = 4  # (floor, scan) pairs timed per scan in each run: the scans are cheap, the writing is not
WORKERS = 2
TARGET_RATIO = 7.0  # first (and second) scan / the scan's SELECT alone, at 100k: see bench/README.md
BATCH = 500  # services.billing.REMINDER_BATCH: invoices per write job
KEY_CHUNK = 500  # notify.outbox.KEY_CHUNK
WRITE_JOB = "dashboard.jobs.billing.write_payment_reminders"
# status: share of invoices
STATUSES = [("paid", 85), ("void", 9), ("unpaid", 4), ("partially_paid", 2)]
OWING = ("unpaid", "partially_paid")
TAX_RATE = Decimal("0.15")
CENT = Decimal("0.01")


def load_ledger(n: int, today, now, seed: int = 1) -> dict[int, tuple]:
    """Patients and `n` invoices, by Core executemany. Returns {id: (status, due_on)} to check against."""
    from dashboard.extensions import db
    from dashboard.models import Invoice, Patient

    rng = random.Random(seed)
    n_patients = max(1, int(n * PATIENTS_PER_INVOICE))
    patients = [
        {
            "id": i,
            "first_name": rng.choice(FIRST_NAMES),
            "last_name": rng.choice(LAST_NAMES),
            "email": f"patient{i}@patients.example.org",
            "phone": f"021 555 {i:05d}",
            "created_at": now,
        }
        for i in range(1, n_patients + 1)
    ]
    statuses = [status for status, share in STATUSES for _ in range(share)]
    invoices, shape = [], {}
    for i in range(1, n + 1):
        issued_on = today - timedelta(days=rng.randrange(HISTORY_DAYS))
        status = statuses[rng.randrange(len(statuses))]
        subtotal = Decimal(rng.randrange(4000, 40000)) / 100
        tax = (subtotal * TAX_RATE).quantize(CENT, rounding=ROUND_HALF_UP)
        total = subtotal + tax
        paid = {"paid": total, "partially_paid": (total / 2).quantize(CENT)}.get(status, Decimal("0.00"))
        invoices.append(
            {
                "id": i,
                "number": f"INV-{issued_on.year}-{i:06d}",
                "patient_id": rng.randint(1, n_patients),
                "appointment_id": None,
                "issued_on": issued_on,
                "due_on": issued_on + timedelta(days=DUE_AFTER),
                "status": status,
                "subtotal": subtotal,
                "discount": Decimal("0.00"),
                "tax_rate": TAX_RATE,
                "tax": tax,
                "total": total,
                "amount_paid": paid,
                "notes": "",
                "created_at": now,
                "created_by_id": None,
                "voided_at": now if status == "void" else None,
                "void_reason": "Issued in error" if status == "void" else None,
            }
        )
        shape[i] = (status, issued_on + timedelta(days=DUE_AFTER))
    for model, rows in [(Patient, patients), (Invoice, invoices)]:
        db.session.execute(model.__table__.insert(), rows)
    db.session.commit()
    return shape


def due_reminders(shape: dict[int, tuple], today) -> dict[int, str]:
    """What the scan should find: {invoice id: dedupe key} of owing invoices >= DAYS past due."""
    due = {}
    for invoice_id, (status, due_on) in shape.items():
        overdue = (today - due_on).days
        if status in OWING and overdue >= DAYS:
            due[invoice_id] = f"invoice:{invoice_id}:overdue:{DAYS}d:{overdue // DAYS}"
    return due


def statement_bound(due: int) -> int:
    """What the scan's shape allows: its SELECT, then one dedupe-key SELECT per 500 due; nothing else
    (more than BATCH due: the writing is queued; the second scan writes nothing)."""
    return 1 + ceil(due / KEY_CHUNK)


def scan(today):
    """One send_payment_reminders(DAYS) call: (its ReminderRun, seconds, its statements)."""
    from dashboard.extensions import db
    from dashboard.services.billing import send_payment_reminders

    db.session.expunge_all()  # a cron run starts with an empty session
    gc.collect()  # and without the benchmark's garbage: a full collection over its 100k-row ledger is ~90 ms
    with StatementCounter(db.engine) as counter:
        started = time.perf_counter()
        result = send_payment_reminders(DAYS, today=today)
        seconds = time.perf_counter() - started
    return result, seconds, counter


def queued_jobs(app) -> list:
    """The jobs on the default queue (no worker running)."""
    from dashboard import queues

    return queues.get_queue("default", app).get_jobs()


def take_jobs(app) -> list:
    """The jobs the scan queued, taken off the default queue (as a worker would take them)."""
    jobs = queued_jobs(app)
    empty_queue(app)
    return jobs


def empty_queue(app) -> None:
    from dashboard import queues

    queues.get_queue("default", app).empty()


def write_queued(jobs: list) -> tuple[int, float, StatementCounter]:
    """Every queued job's function in this process, one after the other, each with a fresh session as a
    worker's AppJob gives it: (reminders written, seconds, statements)."""
    from dashboard.extensions import db
    from dashboard.jobs.billing import write_payment_reminders

    calls = [tuple(job.args) for job in jobs]
    db.session.remove()
    gc.collect()
    written = 0
    with StatementCounter(db.engine) as counter:
        started = time.perf_counter()
        for args in calls:
            written += write_payment_reminders(*args)
            db.session.remove()
        seconds = time.perf_counter() - started
    return written, seconds, counter


def scan_query(today):
    """The scan's own SELECT (as in services.billing.send_payment_reminders)."""
    from sqlalchemy import select

    from dashboard.models import OWING as OWING_STATUSES
    from dashboard.models import Invoice

    return (
        select(Invoice.id, Invoice.due_on)
        .where(Invoice.status.in_(OWING_STATUSES), Invoice.due_on <= today - timedelta(days=DAYS))
        .order_by(Invoice.due_on, Invoice.id)
    )


def baselines(today) -> tuple[int, float, int, float]:
    """A bare count over the same condition, and the scan's SELECT alone (ids and due dates)."""
    from sqlalchemy import func, select

    from dashboard.extensions import db

    query = scan_query(today)
    db.session.expunge_all()
    gc.collect()  # as before each scan
    started = time.perf_counter()
    count = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    count_seconds = time.perf_counter() - started
    gc.collect()
    started = time.perf_counter()
    loaded = len(db.session.execute(query).all())
    load_seconds = time.perf_counter() - started
    db.session.commit()
    return count, count_seconds, loaded, load_seconds


class InPlace:
    """Times module-level functions where the job calls them, by wrapping them for one run."""

    def __init__(self):
        from dashboard.notify import outbox
        from dashboard.services.billing import reminders

        self.targets = [
            ("context + patient_url link (billing.email_context)", reminders, "email_context"),
            ("unsubscribe/preferences links", reminders.patient_links, "for_optional_email"),
            ("notify.emails (all of it)", reminders.notify, "emails"),
            ("render: Jinja + CSS inlining", outbox, "render_emails"),
            ("address checks (outbox._recipients)", outbox, "_recipients"),
            ("building rows (outbox._row)", outbox, "_row"),
        ]
        self.seconds = {label: 0.0 for label, *_ in self.targets}
        self.calls = {label: 0 for label, *_ in self.targets}
        self.first_emails_call: float | None = None
        self._saved = []

    def _wrap(self, label, function):
        def timed(*args, **kwargs):
            if label.startswith("notify.emails") and self.first_emails_call is None:
                self.first_emails_call = time.perf_counter()
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - started
                self.calls[label] += 1

        return timed

    def __enter__(self) -> "InPlace":
        for label, module, name in self.targets:
            function = getattr(module, name)
            self._saved.append((module, name, function))
            setattr(module, name, self._wrap(label, function))
        return self

    def __exit__(self, *exc) -> None:
        for module, name, function in reversed(self._saved):
            setattr(module, name, function)


def breakdown(app, today, report: Report) -> None:
    """A first scan (outbox and queue emptied before it), then its first job run with its parts timed in place."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from dashboard.extensions import db
    from dashboard.jobs.billing import write_payment_reminders

    empty_outbox()
    empty_queue(app)
    scan(today)
    args = tuple(take_jobs(app)[0].args)
    db.session.remove()
    commit = []

    def before_commit(session):
        commit.append(time.perf_counter())

    def after_commit(session):
        commit.append(time.perf_counter())

    event.listen(Session, "before_commit", before_commit)
    event.listen(Session, "after_commit", after_commit)
    try:
        with InPlace() as parts, StatementCounter(db.engine) as counter:
            started = time.perf_counter()
            written = write_payment_reminders(*args)
            total = time.perf_counter() - started
    finally:
        event.remove(Session, "before_commit", before_commit)
        event.remove(Session, "after_commit", after_commit)
    commit_seconds = commit[-1] - commit[0] if len(commit) >= 2 else 0.0
    before_emails = (parts.first_emails_call or time.perf_counter()) - started
    select_seconds = counter.statements[0][2] if counter.statements else 0.0
    per = 1000 / max(written, 1)
    report.line(
        f"one write job timed in place ({len(args[0])} invoices, {written:,} written, {total * 1000:.0f} ms with the"
        f" timers, {counter.count} statements; ms in all, and ms per reminder written):"
    )

    def show(label, seconds, note=""):
        report.line(f"    {label:58} {seconds * 1000:8.1f} {seconds * per:8.3f}{note}")

    show("SELECT + ORM load + message loop (before notify.emails)", before_emails)
    show("  of which the job's SELECT on the cursor", select_seconds)
    context = parts.seconds["context + patient_url link (billing.email_context)"]
    links = parts.seconds["unsubscribe/preferences links"]
    show("  of which email_context (the patient_url signed link)", context)
    show("  of which for_optional_email (two signed links)", links)
    show("  rest: ORM hydration of invoices + patients, loop", before_emails - select_seconds - context - links)
    emails = parts.seconds["notify.emails (all of it)"]
    show(f"notify.emails ({parts.calls['notify.emails (all of it)']} call)", emails)
    render = parts.seconds["render: Jinja + CSS inlining"]
    show("  render: Jinja + CSS inlining (render_emails)", render)
    show("  address checks (outbox._recipients)", parts.seconds["address checks (outbox._recipients)"])
    show("  building rows (outbox._row: Message-ID, header checks)", parts.seconds["building rows (outbox._row)"])
    other_sql = counter.seconds - select_seconds
    show(f"  SQL on the cursor (the {counter.count - 1} statements after the SELECT)", other_sql)
    inner = (
        render
        + other_sql
        + sum(parts.seconds[k] for k in ("address checks (outbox._recipients)", "building rows (outbox._row)"))
    )
    show("  rest of notify.emails", emails - inner)
    show("the job's commit (before_commit to after_commit)", commit_seconds)
    show(
        "rest: expiring the loaded objects after commit, freeing them", total - before_emails - emails - commit_seconds
    )
    for line in counter.summary():
        report.line("      " + line)
    db.session.remove()
    empty_outbox()
    empty_queue(app)


def with_workers(scratch: Scratch, app, today, report: Report) -> dict:
    """A first scan, then WORKERS real workers (`worker.py --burst`) on its jobs: wall time incl. their start."""
    from sqlalchemy import func, select

    from dashboard.extensions import db
    from dashboard.models import EmailMessage

    empty_outbox()
    empty_queue(app)
    result, _, _ = scan(today)
    jobs = len(queued_jobs(app))
    started = time.perf_counter()
    workers = [scratch.start_worker(app, "--burst", log_name=f"worker-{i}") for i in range(1, WORKERS + 1)]
    codes = [wait_process(worker, 60, f"worker {i}") for i, worker in enumerate(workers, 1)]
    wall = time.perf_counter() - started
    db.session.expire_all()
    rows, first, last = db.session.execute(
        select(func.count(), func.min(EmailMessage.created_at), func.max(EmailMessage.created_at))
    ).one()
    left = len(queued_jobs(app))
    db.session.commit()
    span = (last - first).total_seconds() if rows else float("nan")
    for i, code in enumerate(codes, 1):
        if code != 0 or rows != result.queued:
            report.line(f"worker {i} exited {code}; its log:\n{scratch.log_tail(f'worker-{i}')}")
    empty_outbox()
    empty_queue(app)
    return {
        "queued": result.queued,
        "jobs": jobs,
        "codes": codes,
        "wall": wall,
        "rows": rows,
        "span": span,
        "left": left,
    }


def measure(app, n: int, report: Report, scratch: Scratch | None = None) -> dict:
    from sqlalchemy import func, select

    from dashboard.clinic_time import clinic_today
    from dashboard.extensions import db
    from dashboard.models import EmailMessage
    from dashboard.models.base import utcnow

    detail = scratch is not None
    with app.app_context():
        db.create_all()
        empty_queue(app)
        now, today = utcnow(), clinic_today()
        started = time.perf_counter()
        shape = load_ledger(n, today, now)
        expected = due_reminders(shape, today)
        owing = sum(1 for status, _ in shape.values() if status in OWING)
        past_due = sum(1 for status, due_on in shape.values() if status in OWING and due_on < today)
        report.line(
            f"{n:,} invoices loaded in {time.perf_counter() - started:.1f} s; {owing:,} owing, {past_due:,} past"
            f" due, {len(expected):,} at least {DAYS} days overdue (due a reminder)"
        )
        scan(today)  # warm-up: statement caches filled, and (one job) templates compiled
        write_queued(take_jobs(app)[:1])
        empty_outbox()
        empty_queue(app)

        first, second, writing, runs = [], [], [], []
        count, load, base_count = None, [], []
        first_counter = second_counter = write_counter = None
        wrong: list[str] = []
        for run in range(REPEAT):
            firsts = []
            for _ in range(PAIRS):  # the floor, then a first scan (the outbox is still empty: each finds all due)
                count, count_seconds, loaded, load_seconds = baselines(today)
                base_count.append(count_seconds)
                load.append(load_seconds)
                result, seconds, first_counter = scan(today)
                first.append(seconds)
                firsts.append(result)
                jobs = take_jobs(app)  # the last pair's jobs are written below
            job_ids = [int(i) for job in jobs for i in job.args[0]]
            job_shape = {
                "jobs": len(jobs),
                "sizes ok": all(len(job.args[0]) <= BATCH for job in jobs),
                "function ok": all(job.func_name == WRITE_JOB for job in jobs),
                "args ok": all(tuple(job.args[1:]) == (DAYS, today.isoformat()) for job in jobs),
                "once each": len(job_ids) == len(set(job_ids)) and set(job_ids) == set(expected),
            }
            written, seconds, write_counter = write_queued(jobs)
            writing.append(seconds)
            keys = dict(db.session.execute(select(EmailMessage.dedupe_key, EmailMessage.kind)).all())
            if run == 0:  # the keys written, against the ledger: each owing invoice due, nothing else
                by_invoice = {int(k.split(":")[1]): k for k in keys if k and k.startswith("invoice:")}
                not_owing = sorted(i for i in by_invoice if shape[i][0] not in OWING)
                missing = sorted(set(expected) - set(by_invoice))
                extra = sorted(set(by_invoice) - set(expected))
                bad_key = sorted(i for i in set(by_invoice) & set(expected) if by_invoice[i] != expected[i])
                other_kind = sorted({kind for kind in keys.values() if kind != "payment_reminder"})
                for name, values in [
                    ("for a paid or void invoice", not_owing),
                    ("missing", missing),
                    ("not due", extra),
                    ("wrong period in the key", bad_key),
                    ("of another kind", other_kind),
                ]:
                    if values:
                        wrong.append(f"{len(values)} {name} (e.g. {values[:3]})")
            seconds_again = []
            for _ in range(PAIRS):  # the floor, then a second scan (all reminded: writes and queues nothing)
                count, count_seconds, loaded, load_seconds = baselines(today)
                base_count.append(count_seconds)
                load.append(load_seconds)
                again, seconds, second_counter = scan(today)
                second.append(seconds)
                seconds_again.append(again)
            rows = db.session.scalar(select(func.count()).select_from(EmailMessage))
            requeued = len(queued_jobs(app))
            db.session.commit()
            runs.append(
                {
                    "first": result,
                    "firsts": firsts,
                    "job_shape": job_shape,
                    "written": written,
                    "keys": len(keys),
                    "second": again,
                    "seconds": seconds_again,
                    "rows": rows,
                    "requeued": requeued,
                }
            )
            empty_outbox()
            empty_queue(app)
        plan = db.session.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + first_counter.statements[0][0], first_counter.statements[0][1]
        )
        plan = [row[-1] for row in plan]
        db.session.commit()
        workers = None
        if detail:
            report.line(f"statements of the first scan ({first_counter.count}, time on the cursor):")
            for line in first_counter.summary():
                report.line("    " + line)
            report.line(f"statements of the second scan ({second_counter.count}):")
            for line in second_counter.summary():
                report.line("    " + line)
            report.line("EXPLAIN QUERY PLAN of the scan's SELECT: " + "; ".join(plan))
            breakdown(app, today, report)
            workers = with_workers(scratch, app, today, report)
        empty_outbox()
        empty_queue(app)
    return {
        "n": n,
        "expected": len(expected),
        "count": count,
        "loaded": loaded,
        "first": first,
        "second": second,
        "writing": writing,
        "base_count": base_count,
        "base_load": load,
        "runs": runs,
        "wrong": wrong,
        "plan": plan,
        "first_statements": first_counter.count,
        "second_statements": second_counter.count,
        "write_statements": write_counter.count,
        "first_select_seconds": first_counter.statements[0][2],
        "first_sql_seconds": first_counter.seconds,
        "second_sql_seconds": second_counter.seconds,
        "write_sql_seconds": write_counter.seconds,
        "workers": workers,
    }


def output_ok(result: dict) -> tuple[bool, str]:
    due = result["expected"]
    problems = list(result["wrong"])
    for i, run in enumerate(result["runs"], 1):
        first, second, shape = run["first"], run["second"], run["job_shape"]
        for first in run["firsts"]:
            if (first.due, first.written, first.queued, first.already) != (due, 0, due, 0):
                problems.append(f"run {i} first scan {first} (expected due={due}, queued={due})")
        if shape["jobs"] != ceil(due / BATCH) or not all(v for k, v in shape.items() if k != "jobs"):
            problems.append(f"run {i} jobs {shape} (expected {ceil(due / BATCH)})")
        if not run["written"] == run["keys"] == run["rows"] == due:
            problems.append(f"run {i} written {run['written']}, keys {run['keys']}, rows {run['rows']}")
        for second in run["seconds"]:
            if (second.due, second.written, second.queued, second.already) != (due, 0, 0, due) or run["requeued"]:
                problems.append(f"run {i} second scan {second}, {run['requeued']} jobs queued (expected already={due})")
    last = result["runs"][-1]
    detail = (
        f"first scan {last['first']}; {last['job_shape']['jobs']} jobs of <= {BATCH}, every due invoice once;"
        f" written {sorted({r['written'] for r in result['runs']})}"
        f" (rows {sorted({r['rows'] for r in result['runs']})}),"
        f" due {due} (count(*) {result['count']}, scan's SELECT {result['loaded']}); second scan {last['second']}; "
    )
    if problems:
        return False, detail + "WRONG: " + "; ".join(problems)
    return (
        True,
        detail + "keys checked against the ledger: one per owing invoice due, with its period, none paid or void",
    )


def main() -> int:
    time_limit(90)
    report = Report("overdue_scan")
    with Scratch("overdue-scan") as scratch:
        small = measure(
            scratch.app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{scratch.dir}/small.db", PAYMENT_REMINDER_DAYS=DAYS),
            N_SMALL,
            report,
        )
        big = measure(scratch.app(PAYMENT_REMINDER_DAYS=DAYS), N, report, scratch=scratch)

    report.line()
    report.line(f"{'':54} {'median ms':>10} {'min-max (ms), runs':>24} {'statements':>11} {'on cursor ms':>13}")
    for result in (small, big):
        jobs = result["runs"][-1]["job_shape"]["jobs"]
        rows = [
            ("floor: the scan's SELECT alone (ids, due dates)", result["base_load"], 1, None),
            ("for information: SELECT count(*), same condition", result["base_count"], 1, None),
            ("first scan (finds the due, checks keys, queues)", result["first"], result["first_statements"], "first"),
            ("second scan (all reminded: queues none)", result["second"], result["second_statements"], "second"),
            (
                f"writing: the {jobs} queued jobs, in this process",
                result["writing"],
                result["write_statements"],
                "write",
            ),
        ]
        report.line(f"{result['n']:,} invoices, {result['expected']:,} due a reminder:")
        for label, values, statements, sql in rows:
            runs = f"{min(values) * 1000:.1f}-{max(values) * 1000:.1f}, {len(values)}"
            on_cursor = f"{result[sql + '_sql_seconds'] * 1000:13.1f}" if sql else f"{'':13}"
            report.line(f"  {label:52} {median(values) * 1000:10.1f} {runs:>24} {statements:11d} {on_cursor}")
        per_row = median(result["writing"]) * 1000 / max(result["expected"], 1)
        report.line(
            f"  writing per reminder: {per_row:.3f} ms (with {WORKERS} workers about"
            f" {median(result['writing']) / WORKERS:.2f} s); the scan's SELECT on the cursor"
            f" {result['first_select_seconds'] * 1000:.1f} ms; first scan / floor ="
            f" {median(result['first']) / median(result['base_load']):.1f}x, second scan / floor ="
            f" {median(result['second']) / median(result['base_load']):.1f}x"
        )
    workers = big["workers"]
    report.line(
        f"{WORKERS} workers (worker.py --burst) on a first scan's {workers['jobs']} jobs"
        f" ({workers['queued']:,} queued):"
        f" wall {workers['wall']:.2f} s including their start; rows {workers['rows']:,}, first to last row"
        f" {workers['span']:.2f} s; exit codes {workers['codes']}; jobs left on the queue {workers['left']}"
    )
    report.line()
    for result in (small, big):
        ok, detail = output_ok(result)
        report.check(f"output right at {result['n'] // 1000}k", ok, detail)
    report.check(
        "workers wrote them all",
        workers["codes"] == [0] * WORKERS
        and workers["rows"] == workers["queued"] == big["expected"]
        and not workers["left"],
        f"{workers['rows']:,} rows of {workers['queued']:,} queued ({big['expected']:,} due) by {WORKERS} workers"
        f" in {workers['wall']:.2f} s wall",
    )
    index_used = any("ix_invoices_status_due" in step for step in big["plan"]) and not any(
        step.startswith("SCAN invoices") for step in big["plan"]
    )
    report.check("scan's SELECT uses ix_invoices_status_due", index_used, "; ".join(big["plan"]))
    floor = median(big["base_load"])
    report.check(
        f"first scan / floor <= {TARGET_RATIO:g}x",
        median(big["first"]) <= TARGET_RATIO * floor,
        ratio_figure("first scan", median(big["first"]), "floor", floor, TARGET_RATIO)
        + f" (floor: the scan's SELECT alone; medians of {REPEAT * PAIRS} and {2 * REPEAT * PAIRS}, interleaved)"
        f" over {N:,} invoices,"
        f" {big['expected']:,} due and queued; the writing, the workers' job: {median(big['writing']):.2f} s in"
        " one process",
    )
    report.check(
        f"second scan / floor <= {TARGET_RATIO:g}x",
        median(big["second"]) <= TARGET_RATIO * floor,
        ratio_figure("second scan", median(big["second"]), "floor", floor, TARGET_RATIO)
        + f" (all {big['expected']:,} already reminded: queues none)",
    )
    bounded = all(
        r[key] <= statement_bound(r["expected"])
        for r in (small, big)
        for key in ("first_statements", "second_statements")
    )
    report.check(
        "statements bounded",
        bounded,
        f"first scan {small['first_statements']} at 10k / {big['first_statements']} at 100k, second scan"
        f" {small['second_statements']} / {big['second_statements']} (bound 1 SELECT + a key SELECT per 500 due ="
        f" {statement_bound(small['expected'])} / {statement_bound(big['expected'])}); they grow with the number"
        f" due ({small['expected']:,} / {big['expected']:,}), not with the table",
    )
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
