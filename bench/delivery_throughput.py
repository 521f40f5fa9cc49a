"""Delivery throughput: our outbox delivery against the local limit and a naive one-job-per-email design.

(a) local limit: a bare smtplib loop sending N prebuilt MIME messages (built with
    a conventional `email` package message built from the real rendered rows) over ONE connection;
(b) ours: N rows written with notify.email (MAIL_BACKEND=smtp), delivered by ONE real
    worker process (`python worker.py --burst`, batches of OUTBOX_BATCH_SIZE);
(c) naive: one RQ job per email (bench/naive_jobs.py), a new SMTP connection per email,
    worked by one real worker process (RQ forks a work horse per job, as for ours).

The SMTP sink runs in another process (`python -m tests.smtp_sink`), a fresh one per phase.
Targets: (b) >= 0.8x (a) (aim 0.9x) and (b) >= 5x (c), on rates measured from the rows'
timestamps (first claimed_at to last sent_at).
"""

import smtplib
import sys
import time
from email.generator import BytesGenerator
from email.utils import parseaddr
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import SENDER, Report, Scratch, record_lines, time_limit, wait_process  # noqa: E402

N = 2000
N_NAIVE = 300
N_BREAKDOWN = 300
N_BUILD = 500
BATCH = 100
TARGET_VS_LIMIT = 0.8
AIM_VS_LIMIT = 0.9
TARGET_VS_NAIVE = 5.0


def write_rows(n: int, offset: int = 0) -> list[int]:
    """n rendered outbox rows, one kind after another (so sizes are a realistic mix), one commit."""
    from dashboard import notify
    from dashboard.extensions import db
    from dashboard.notify.samples import SAMPLES, sample_context

    kinds = list(SAMPLES)
    ids = []
    for i in range(offset, offset + n):
        kind = kinds[i % len(kinds)]
        ids.append(notify.email(kind, to=f"patient{i}@patients.example.org", context=sample_context(kind)))
    db.session.commit()
    return ids


def timestamps_rate(ids: list[int]) -> tuple[int, float]:
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
    if not sent:
        return 0, float("nan")
    return sent, (last - first).total_seconds()


def flatten(mime) -> bytes:
    """What smtplib.send_message puts on the wire for this message."""
    out = BytesIO()
    BytesGenerator(out).flatten(mime, linesep="\r\n")
    return out.getvalue()


def stage_breakdown(ids: list[int]) -> tuple[dict[str, float], dict[str, float]]:
    """Run delivery.deliver in this process on `ids` (batches of BATCH): ms per message in each stage,
    and SQL statements per message."""
    from sqlalchemy import event

    from dashboard.extensions import db
    from dashboard.notify import delivery

    wanted = ["_prepare", "_send", "claim"]
    spent = {name: 0.0 for name in wanted if hasattr(delivery, name)}  # the app may have renamed some
    originals = {name: getattr(delivery, name) for name in spent}

    def timed(name):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return originals[name](*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - started

        return wrapper

    statements: dict[str, int] = {}

    def count(conn, cursor, statement, parameters, context, executemany):
        words = statement.split()
        key = " ".join(words[:2]) if words[0] == "UPDATE" else f"SELECT .. {words[words.index('FROM') + 1]}"
        statements[key] = statements.get(key, 0) + 1

    for name in spent:
        setattr(delivery, name, timed(name))
    original_sent = delivery.Recorder.sent
    spent["Recorder.sent"] = 0.0

    def timed_sent(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return original_sent(self, *args, **kwargs)
        finally:
            spent["Recorder.sent"] += time.perf_counter() - started

    delivery.Recorder.sent = timed_sent
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        started = time.perf_counter()
        for start in range(0, len(ids), BATCH):
            delivery.deliver(ids[start : start + BATCH])
        total = time.perf_counter() - started
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
        for name, function in originals.items():
            setattr(delivery, name, function)
        delivery.Recorder.sent = original_sent
    per = {name: seconds * 1000 / len(ids) for name, seconds in spent.items()}
    per["total deliver()"] = total * 1000 / len(ids)
    return per, {key: n / len(ids) for key, n in sorted(statements.items())}


def main() -> int:
    time_limit(110)
    report = Report("delivery_throughput")
    with Scratch("throughput") as scratch:
        from sqlalchemy import select
        from sqlalchemy.orm import selectinload

        from bench._common import stdlib_message
        from dashboard import queues
        from dashboard.extensions import db
        from dashboard.models import EmailMessage

        app = scratch.app(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=1, OUTBOX_BATCH_SIZE=BATCH)
        with app.app_context():
            db.create_all()
            started = time.perf_counter()
            ids = write_rows(N)  # commits: 20 delivery jobs wait in the "emails" queue; no worker yet
            report.line(f"wrote {N} rows with notify.email in {time.perf_counter() - started:.2f} s")
            rows = db.session.scalars(
                select(EmailMessage).where(EmailMessage.id.in_(ids)).options(selectinload(EmailMessage.attachments))
            ).all()
            prebuilt = [(stdlib_message(row), row.recipients) for row in rows]
            flat = [(flatten(mime), to) for mime, to in prebuilt]
            size = sum(len(data) for data, _ in flat) / len(flat)
            report.line(f"messages: {len(prebuilt)}, mean size {size / 1024:.1f} KiB on the wire")
            sender = parseaddr(SENDER)[1]

            # (a) the local limit: prebuilt messages, one connection, nothing else.
            # Every sink in this run records what it receives (as (b)'s and (c)'s must), so each
            # side pays the same per-message cost at the server.
            sink, port = scratch.start_sink(record=f"{scratch.dir}/sink-a.txt")
            with smtplib.SMTP("127.0.0.1", port, "localhost", timeout=10) as smtp:
                for mime, to in prebuilt[:50]:  # warm-up, not timed
                    smtp.send_message(mime, from_addr=sender, to_addrs=to)
                started = time.perf_counter()
                for mime, to in prebuilt:
                    smtp.send_message(mime, from_addr=sender, to_addrs=to)
                limit_seconds = time.perf_counter() - started
                # For information: the same bytes pre-flattened (smtplib's own flattening taken out too).
                started = time.perf_counter()
                for data, to in flat:
                    smtp.sendmail(sender, to, data)
                raw_seconds = time.perf_counter() - started
                # For information: building each MIME in the loop too (what any sender must do), no database.
                started = time.perf_counter()
                for row in rows[:N_BUILD]:
                    smtp.send_message(stdlib_message(row), from_addr=sender, to_addrs=row.recipients)
                build_rate = N_BUILD / (time.perf_counter() - started)
            limit_rate = N / limit_seconds
            raw_rate = N / raw_seconds

            # Where our per-message time goes: the same delivery code, in this process, same sink.
            app.config.update(MAIL_BACKEND="outbox", MAIL_PORT=port)
            breakdown_ids = write_rows(N_BREAKDOWN, offset=N + N_NAIVE)
            app.config["MAIL_BACKEND"] = "smtp"
            del rows, prebuilt
            db.session.remove()  # a fresh session, as each worker job has
            breakdown, statements = stage_breakdown(breakdown_ids)
            scratch.stop(sink)

            # (b) ours: one real worker process drains the queued delivery jobs.
            record_b = f"{scratch.dir}/sink-b.txt"
            _, port = scratch.start_sink(record=record_b)
            app.config["MAIL_PORT"] = port
            started = time.perf_counter()
            worker = scratch.start_worker(app, "--burst", log_name="worker-ours")
            code = wait_process(worker, 90, "the worker delivering our batches")
            ours_wall = time.perf_counter() - started
            ours_sent, ours_span = timestamps_rate(ids)
            ours_rate = ours_sent / ours_span
            ours_wall_rate = ours_sent / ours_wall
            received_b = record_lines(record_b)
            if code != 0 or ours_sent != N:
                report.line(scratch.log_tail("worker-ours"))

            # (c) naive: a job per email, a new connection per email, on RQ's default (forking) worker.
            app.config["MAIL_BACKEND"] = "outbox"  # written only; the naive jobs are enqueued below
            naive_ids = write_rows(N_NAIVE, offset=N)
            app.config["MAIL_BACKEND"] = "smtp"
            record_c = f"{scratch.dir}/sink-c.txt"
            _, port = scratch.start_sink(record=record_c)
            app.config["MAIL_PORT"] = port
            queue = queues.get_queue("emails")
            for message_id in naive_ids:
                queue.enqueue("bench.naive_jobs.send_one", message_id)
            started = time.perf_counter()
            worker = scratch.start_worker(app, "--burst", "--fork", log_name="worker-naive")
            code_c = wait_process(worker, 90, "the worker running the naive jobs")
            naive_wall = time.perf_counter() - started
            naive_sent, naive_span = timestamps_rate(naive_ids)
            naive_rate = naive_sent / naive_span
            naive_wall_rate = naive_sent / naive_wall
            received_c = record_lines(record_c)
            if code_c != 0 or naive_sent != N_NAIVE:
                report.line(scratch.log_tail("worker-naive"))

        report.line()
        report.line(f"{'':44} {'emails':>7} {'seconds':>8} {'per s':>8} {'vs (a)':>7}")
        rows_out = [
            ("(a) local limit: smtplib, prebuilt, 1 conn", N, limit_seconds, limit_rate),
            ("    info: same, pre-flattened bytes", N, raw_seconds, raw_rate),
            ("    info: build_mime + send_message, 1 conn", N_BUILD, N_BUILD / build_rate, build_rate),
            ("(b) ours, rows' timestamps", ours_sent, ours_span, ours_rate),
            ("(b) ours, wall incl. worker start", ours_sent, ours_wall, ours_wall_rate),
            ("(c) naive, rows' timestamps", naive_sent, naive_span, naive_rate),
            ("(c) naive, wall incl. worker start", naive_sent, naive_wall, naive_wall_rate),
        ]
        for name, count, seconds, rate in rows_out:
            report.line(f"{name:44} {count:7d} {seconds:8.2f} {rate:8.0f} {rate / limit_rate:6.2f}x")
        report.line(f"sink received (b): {len(received_b)} ({len(set(received_b))} distinct Message-IDs)")
        report.line(f"sink received (c): {len(received_c)} ({len(set(received_c))} distinct Message-IDs)")
        report.line(f"(a) per message: {1000 / limit_rate:.2f} ms; pre-flattened: {1000 / raw_rate:.2f} ms")
        report.line(f"ours, in-process stage breakdown over {N_BREAKDOWN} messages (ms per message):")
        for name, ms in breakdown.items():
            report.line(f"    {name:40} {ms:6.2f}")
        report.line("    SQL statements per message: " + ", ".join(f"{k} {n:.2f}" for k, n in statements.items()))
        report.line(
            f"ours vs naive: {ours_rate / naive_rate:.1f}x (timestamps), {ours_wall_rate / naive_wall_rate:.1f}x (wall)"
        )
        report.line()
        report.check("all delivered", ours_sent == N and len(set(received_b)) == N, f"{ours_sent}/{N} rows sent")
        vs_limit = ours_rate / limit_rate
        report.check(
            "ours vs local limit",
            vs_limit >= TARGET_VS_LIMIT,
            f"{vs_limit:.2f}x (target >= {TARGET_VS_LIMIT}x, aim {AIM_VS_LIMIT}x"
            f"{', aim met' if vs_limit >= AIM_VS_LIMIT else ', aim missed'})",
        )
        vs_naive = ours_rate / naive_rate
        report.check("ours vs naive", vs_naive >= TARGET_VS_NAIVE, f"{vs_naive:.1f}x (target >= {TARGET_VS_NAIVE}x)")
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
