"""Delivery throughput: our outbox delivery against the local limit and a naive one-job-per-email design.

(a) local limit: a bare smtplib loop sending prebuilt MIME messages (a conventional `email`
    package message built from the real rendered rows: one round's, sent again in every round)
    over ONE connection;
(b) ours: the same rows, written with notify.email, delivered by ONE real worker process
    (`python worker.py`, batches of OUTBOX_BATCH_SIZE);
(c) naive: one RQ job per email (bench/naive_jobs.py), a new SMTP connection per email,
    worked by one real worker process (`worker.py --burst --fork`: RQ forks a work horse per job).

(a) and (b) are interleaved: one worker is started (and warmed up on N_WARM rows) before ROUNDS
rounds of N_ROUND emails each; a round sends the first half of its prebuilt messages by (a),
queues its own rows as a commit queues them (`delivery.enqueue`) and waits until the sink has
them, then sends the second half by (a), so both sides see the machine's load of the moment; the
target is on the median of the rounds' ratios. (c) has a time budget: its worker is stopped
after NAIVE_BUDGET seconds (or when its N_NAIVE jobs are done) and its rate is computed from the
emails it sent. Each side has its own SMTP sink in another process (`python -m tests.smtp_sink`),
recording what it receives.
Targets: (b) >= 0.8x (a) (aim 0.9x) and (b) >= 5x (c), on rates measured from the rows'
timestamps (first claimed_at to last sent_at). Each phase's wall time is printed at the end.
"""

import smtplib
import subprocess
import sys
import time
from email.generator import BytesGenerator
from email.utils import parseaddr
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import SENDER, Report, Scratch, median, record_lines, time_limit  # noqa: E402

ROUNDS = 6  # each: (a)'s first half, (b), (a)'s second half
N_ROUND = 300  # emails per round, each side: a multiple of the 12 kinds, so every round has the same mix
N = ROUNDS * N_ROUND
N_WARM = 50  # rows the worker delivers before the rounds: its start and warm-up, untimed
N_NAIVE = 300  # naive jobs queued; the worker is stopped after NAIVE_BUDGET if they are not done
NAIVE_BUDGET = 15.0  # seconds: ~10/s unloaded, ~2/s with the machine loaded, so 30-150 emails
N_BREAKDOWN = 200
N_INFO = 300  # the information loops: pre-flattened bytes, build + send
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
    from dashboard.notify import delivery, smtp

    # (module, name): where the send loop looks each up (the app may have renamed some)
    wanted = {"prepare": smtp, "send": delivery, "claim": delivery}
    spent = {name: 0.0 for name, module in wanted.items() if hasattr(module, name)}
    originals = {name: getattr(wanted[name], name) for name in spent}

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

    for name in list(spent):
        setattr(wanted[name], name, timed(name))
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
            setattr(wanted[name], name, function)
        delivery.Recorder.sent = original_sent
    per = {name: seconds * 1000 / len(ids) for name, seconds in spent.items()}
    per["total deliver()"] = total * 1000 / len(ids)
    return per, {key: n / len(ids) for key, n in sorted(statements.items())}


class Phases:
    """The wall time of each phase, printed at the end: what to shrink if the time limit comes near."""

    def __init__(self):
        self.started = self.last = time.perf_counter()
        self.spent: dict[str, float] = {}

    def done(self, name: str) -> None:
        now = time.perf_counter()
        self.spent[name] = self.spent.get(name, 0.0) + now - self.last
        self.last = now

    def summary(self) -> str:
        parts = ", ".join(f"{name} {seconds:.1f}" for name, seconds in self.spent.items())
        return f"{parts}; total {time.perf_counter() - self.started:.1f} s"


class LineCount:
    """Lines in a growing file (a sink's record), reading only what was appended since the last call:
    cheap enough to poll every 20 ms while the worker is sending."""

    def __init__(self, path: str):
        self.path, self.offset, self.lines = path, 0, 0

    def __call__(self) -> int:
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return 0
        complete = data.rfind(b"\n") + 1  # a line still being written is counted next time
        self.offset += complete
        self.lines += data.count(b"\n", 0, complete)
        return self.lines


def run_for(scratch: Scratch, worker, budget: float) -> bool:
    """Let a worker run until it exits or `budget` seconds pass, then stop it (SIGINT: RQ's warm
    shutdown, the job in hand finishes). True when it finished on its own."""
    try:
        worker.wait(timeout=budget)
        return True
    except subprocess.TimeoutExpired:
        scratch.stop(worker, timeout=10)
        return False


def main() -> int:
    time_limit(110)
    report = Report("delivery_throughput")
    phases = Phases()
    with Scratch("throughput") as scratch:
        from sqlalchemy import select
        from sqlalchemy.orm import selectinload

        from bench._common import stdlib_message
        from dashboard import queues
        from dashboard.extensions import db
        from dashboard.models import EmailMessage
        from dashboard.models.base import utcnow
        from dashboard.notify import delivery

        # Rows are written with MAIL_BACKEND=outbox (nothing queued): each round queues its own below.
        app = scratch.app(MAIL_BACKEND="outbox", MAIL_SERVER="127.0.0.1", MAIL_PORT=1, OUTBOX_BATCH_SIZE=BATCH)
        with app.app_context():
            db.create_all()
            phases.done("setup")
            started = time.perf_counter()
            ids = write_rows(N)
            breakdown_ids = write_rows(N_BREAKDOWN, offset=N)
            naive_ids = write_rows(N_NAIVE, offset=N + N_BREAKDOWN)
            warm_ids = write_rows(N_WARM, offset=N + N_BREAKDOWN + N_NAIVE)
            report.line(
                f"wrote {N + N_BREAKDOWN + N_NAIVE + N_WARM} rows with notify.email in"
                f" {time.perf_counter() - started:.2f} s"
            )
            phases.done("writing rows")
            rows = db.session.scalars(
                select(EmailMessage)
                .where(EmailMessage.id.in_(ids[:N_ROUND]))
                .order_by(EmailMessage.id)
                .options(selectinload(EmailMessage.attachments))
            ).all()
            prebuilt = [(stdlib_message(row), row.recipients) for row in rows]
            flat = [(flatten(mime), to) for mime, to in prebuilt[:N_INFO]]
            size = sum(len(data) for data, _ in flat) / len(flat)
            report.line(
                f"messages: {len(prebuilt)} for (a), sent again in every round (each round's rows have the same"
                f" kinds in the same order), mean size {size / 1024:.1f} KiB on the wire"
            )
            sender = parseaddr(SENDER)[1]
            phases.done("building (a)'s messages")

            # Every sink records what it receives (as (b)'s and (c)'s must), so each side pays the
            # same per-message cost at the server.
            _, port_a = scratch.start_sink(record=f"{scratch.dir}/sink-a.txt")
            record_b = f"{scratch.dir}/sink-b.txt"
            _, port_b = scratch.start_sink(record=record_b)
            at_sink_b = LineCount(record_b)
            app.config.update(MAIL_BACKEND="smtp", MAIL_PORT=port_b)  # what each round's worker is given
            rounds = []
            with smtplib.SMTP("127.0.0.1", port_a, "localhost", timeout=10) as smtp:
                for mime, to in prebuilt[:50]:  # warm-up, not timed
                    smtp.send_message(mime, from_addr=sender, to_addrs=to)
                # For information: the same bytes pre-flattened (smtplib's own flattening taken out too).
                started = time.perf_counter()
                for data, to in flat:
                    smtp.sendmail(sender, to, data)
                raw_rate = len(flat) / (time.perf_counter() - started)
                # For information: building each MIME in the loop too (what any sender must do), no database.
                started = time.perf_counter()
                for row in rows[:N_INFO]:
                    smtp.send_message(stdlib_message(row), from_addr=sender, to_addrs=row.recipients)
                build_rate = N_INFO / (time.perf_counter() - started)
                del rows, flat
                db.session.remove()  # a fresh session, as each worker job has
                phases.done("information loops")

                def limit(chunk: slice) -> float:
                    """(a): prebuilt messages over the one connection; seconds."""
                    started = time.perf_counter()
                    for mime, to in prebuilt[chunk]:
                        smtp.send_message(mime, from_addr=sender, to_addrs=to)
                    return time.perf_counter() - started

                def ours(round_ids: list[int], expected: int) -> float:
                    """(b): the round's rows queued as a commit queues them, for the worker that is up;
                    returns once the sink has them all (seconds from queueing)."""
                    started = time.perf_counter()
                    delivery.enqueue([(message_id, utcnow()) for message_id in round_ids])
                    deadline = started + 60
                    while at_sink_b() < expected:
                        if worker.poll() is not None or time.perf_counter() > deadline:
                            report.line(scratch.log_tail("worker-ours"))
                            raise RuntimeError(f"the worker delivered {at_sink_b()} of {expected}")
                        time.sleep(0.02)
                    return time.perf_counter() - started

                # One worker for all the rounds, started (and warmed up on N_WARM rows) before them, so
                # that (a) and (b) sit side by side in time: (a)'s first half, (b), (a)'s second half.
                started = time.perf_counter()
                worker = scratch.start_worker(app, log_name="worker-ours")
                ours(warm_ids, N_WARM)
                worker_start = time.perf_counter() - started
                for r in range(ROUNDS):
                    first, half = r * N_ROUND, N_ROUND // 2
                    round_ids = ids[first : first + N_ROUND]
                    limit_seconds = limit(slice(0, half))
                    wall = ours(round_ids, N_WARM + first + N_ROUND)
                    limit_seconds += limit(slice(half, N_ROUND))
                    sent, span = timestamps_rate(round_ids)
                    rounds.append({"limit": limit_seconds, "sent": sent, "span": span, "wall": wall})
                scratch.stop(worker, timeout=10)  # before (c): it listens on the same queue
                worker_code = worker.returncode
            phases.done("(a) and (b), interleaved")
            received_b = record_lines(record_b)

            # Where our per-message time goes: the same delivery code, in this process, (a)'s sink.
            app.config["MAIL_PORT"] = port_a
            breakdown, statements = stage_breakdown(breakdown_ids)
            phases.done("breakdown")

            # (c) naive: a job per email, a new connection per email, on RQ's default (forking) worker,
            # for at most NAIVE_BUDGET seconds.
            record_c = f"{scratch.dir}/sink-c.txt"
            _, port_c = scratch.start_sink(record=record_c)
            app.config["MAIL_PORT"] = port_c
            queue = queues.get_queue("emails")
            for message_id in naive_ids:
                queue.enqueue("bench.naive_jobs.send_one", message_id)
            started = time.perf_counter()
            worker = scratch.start_worker(app, "--burst", "--fork", log_name="worker-naive")
            finished = run_for(scratch, worker, NAIVE_BUDGET)
            naive_wall = time.perf_counter() - started
            naive_sent, naive_span = timestamps_rate(naive_ids)
            received_c = record_lines(record_c)
            if (finished and worker.returncode != 0) or naive_sent < 2:
                report.line(scratch.log_tail("worker-naive"))
            phases.done("(c) naive")

        limit_rate = N / sum(r["limit"] for r in rounds)
        ours_sent = sum(r["sent"] for r in rounds)
        ours_rate = ours_sent / sum(r["span"] for r in rounds)
        ours_wall_rate = ours_sent / sum(r["wall"] for r in rounds)
        ratios = [(r["sent"] / r["span"]) / (N_ROUND / r["limit"]) for r in rounds]
        naive_rate = naive_sent / naive_span if naive_sent >= 2 else float("nan")
        naive_wall_rate = naive_sent / naive_wall

        report.line()
        report.line(f"{'':44} {'emails':>7} {'seconds':>8} {'per s':>8} {'vs (a)':>7}")
        report.line(
            f"one worker, up for all rounds (its start and {N_WARM} warm-up emails: {worker_start:.2f} s);"
            f" {ROUNDS} rounds of {N_ROUND}, each (a)'s first half, (b), (a)'s second half:"
        )
        for r, result in enumerate(rounds, 1):
            a_rate, b_rate = N_ROUND / result["limit"], result["sent"] / result["span"]
            report.line(
                f"  round {r}: (a) {N_ROUND} in {result['limit']:.2f} s = {a_rate:.0f}/s;"
                f" (b) {result['sent']} in {result['span']:.2f} s = {b_rate:.0f}/s"
                f" (wall from queueing to the sink's last {result['wall']:.2f} s); (b) / (a) = {b_rate / a_rate:.2f}x"
            )
        rows_out = [
            ("(a) local limit: smtplib, prebuilt, 1 conn", N, N / limit_rate, limit_rate),
            ("    info: same, pre-flattened bytes", N_INFO, N_INFO / raw_rate, raw_rate),
            ("    info: build MIME + send_message, 1 conn", N_INFO, N_INFO / build_rate, build_rate),
            ("(b) ours, rows' timestamps", ours_sent, ours_sent / ours_rate, ours_rate),
            ("(b) ours, wall from queueing to the sink", ours_sent, ours_sent / ours_wall_rate, ours_wall_rate),
            ("(c) naive, rows' timestamps", naive_sent, naive_span, naive_rate),
            ("(c) naive, wall incl. worker start", naive_sent, naive_wall, naive_wall_rate),
        ]
        report.line("all rounds together, and the information loops (before the rounds):")
        for name, count, seconds, rate in rows_out:
            report.line(f"{name:44} {count:7d} {seconds:8.2f} {rate:8.0f} {rate / limit_rate:6.2f}x")
        report.line(f"sink received (b): {len(received_b)} ({len(set(received_b))} distinct Message-IDs)")
        report.line(
            f"sink received (c): {len(received_c)} ({len(set(received_c))} distinct Message-IDs) of {N_NAIVE} queued;"
            f" its worker {'finished them' if finished else f'was stopped after its {NAIVE_BUDGET:.0f} s budget'}"
        )
        report.line(f"(a) per message: {1000 / limit_rate:.2f} ms; pre-flattened: {1000 / raw_rate:.2f} ms")
        report.line(f"ours, in-process stage breakdown over {N_BREAKDOWN} messages (ms per message):")
        for name, ms in breakdown.items():
            report.line(f"    {name:40} {ms:6.2f}")
        report.line("    SQL statements per message: " + ", ".join(f"{k} {n:.2f}" for k, n in statements.items()))
        report.line(f"phases (wall, s): {phases.summary()}")
        report.line()
        report.check(
            "all delivered",
            ours_sent == N and len(set(received_b)) == len(received_b) == N + N_WARM,
            f"{ours_sent}/{N} rows sent in the rounds; {len(set(received_b))} distinct Message-IDs of"
            f" {len(received_b)} at the sink ({N} + {N_WARM} warm-up); the worker stopped with {worker_code}",
        )
        vs_limit = median(ratios)
        report.check(
            "ours vs local limit",
            vs_limit >= TARGET_VS_LIMIT,
            f"(b) / (a) = {vs_limit:.2f}x (target >= {TARGET_VS_LIMIT}x, aim {AIM_VS_LIMIT}x"
            f"{', aim met' if vs_limit >= AIM_VS_LIMIT else ', aim missed'}): median of the {ROUNDS} rounds"
            f" ({' '.join(f'{ratio:.2f}' for ratio in ratios)}); all rounds {ours_rate:.0f} vs {limit_rate:.0f}"
            " emails/s",
        )
        vs_naive = ours_rate / naive_rate
        report.check(
            "ours vs naive",
            naive_sent >= 2 and vs_naive >= TARGET_VS_NAIVE,
            f"(b) / (c) = {vs_naive:.1f}x (target >= {TARGET_VS_NAIVE:g}x): {ours_rate:.0f} vs {naive_rate:.1f}"
            f" emails/s ((c): {naive_sent} sent in {naive_span:.2f} s)",
        )
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
