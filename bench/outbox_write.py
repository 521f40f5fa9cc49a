"""Writing the outbox: 5,000 rendered rows, one commit, on SQLite.

Ours, three ways, each 5,000 emails (kinds in turn, so calendar kinds add their .ics
attachment row, built with icalendar), then one commit, with MAIL_BACKEND=outbox so nothing is queued:
  batch:    notify.emails(kind, [notify.Message(...), ...]) once per kind, every message
            with a dedupe key, shaped as a fan-out is: one shared context per kind (the
            same appointment, invoice, times...) and each recipient their own patient
            (a distinct name) and their own links: what fan-outs and the bell's copies call;
  distinct: the same, but every message with its own context (sample_context(kind) each):
            what a reminder scan writes, where each email is about its own appointment;
  single:   notify.email(...) 5,000 times, no dedupe key: what one request calls.
Baseline (the floor): the same 5,000 rows, pre-rendered, and their .ics attachment rows,
inserted with one DB-API executemany each and one commit. Each is run REPEAT times on an emptied table; the medians
are compared. Target: batch <= 4x the floor (distinct and single are reported beside it).
When it misses, the time of a row is broken down and a cProfile of 1,000 more rows is printed.

--customised: every kind in the owner's words (/admin/emails; here each kind's default words
saved as a version, so the emails are the same and only the sandboxed rendering differs),
batch, distinct and single against the same with the defaults, run by run; target: each
customised <= 1.1x the defaults (medians).
"""

import cProfile
import io
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import Report, Scratch, median, time_limit  # noqa: E402

N = 5000
REPEAT = 3
N_PROFILE = 1000
N_TRACED = 1000
TARGET_RATIO = 4.0  # batch / floor


def write_ours(n: int) -> None:
    """notify.email, one row at a time."""
    from dashboard import notify
    from dashboard.extensions import db
    from dashboard.notify.samples import SAMPLES, sample_context

    kinds = list(SAMPLES)
    for i in range(n):
        kind = kinds[i % len(kinds)]
        notify.email(kind, to=f"patient{i}@patients.example.org", context=sample_context(kind))
    db.session.commit()


def personal(shared: dict, i: int) -> dict:
    """A recipient's context: the shared values, their own patient (name) and their own links."""
    import copy

    context = dict(shared)
    if "patient" in context:
        patient = context["patient"] = copy.copy(context["patient"])
        patient.first_name = f"Aroha{i}"
        patient.name = f"Aroha{i} Ngātiwai"
    for key in ("unsubscribe_url", "preferences_url", "manage_url", "reschedule_url", "cancel_url", "more_url"):
        if context.get(key):
            context[key] = f"{context[key]}-{i}"
    if "recipient_name" in context:
        context["recipient_name"] = f"Sam {i}"
    return context


def write_batch(n: int, run: int = 0, shared: bool = True) -> None:
    """notify.emails, one call per kind: a fan-out's shape (`shared`), or every message its own context."""
    from dashboard import notify
    from dashboard.extensions import db
    from dashboard.notify.samples import SAMPLES, sample_context

    kinds = list(SAMPLES)
    contexts = {kind: sample_context(kind) for kind in kinds}
    batches: dict[str, list] = {kind: [] for kind in kinds}
    for i in range(n):
        kind = kinds[i % len(kinds)]
        context = personal(contexts[kind], i) if shared else sample_context(kind)
        batches[kind].append(
            notify.Message(to=f"patient{i}@patients.example.org", context=context, dedupe_key=f"bench:{run}:{i}")
        )
    for kind, messages in batches.items():
        notify.emails(kind, messages)
    db.session.commit()


def empty_outbox() -> None:
    """Delete every outbox row, with foreign-key checks off for this one connection.

    With them on, SQLite checks email_messages.resent_from_id (a self-reference without an
    index) by scanning the whole table for every deleted row: 5,000 rows take ~25 s.
    """
    from dashboard.extensions import db

    db.session.commit()
    db.session.expunge_all()
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.execute("DELETE FROM email_attachments")
        cursor.execute("DELETE FROM email_messages")
        raw.commit()
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        raw.close()


def prerendered_rows(n: int) -> tuple[list[tuple], list[tuple]]:
    """The rows ours writes, rendered once per kind beforehand, with distinct recipients, and
    the .ics attachment rows of the calendar kinds (by the position of their email)."""
    from dashboard.models.base import utcnow
    from dashboard.notify.kinds import KINDS
    from dashboard.notify.outbox import calendar_attachment
    from dashboard.notify.render import render_email
    from dashboard.notify.samples import SAMPLES, sample_context

    rendered = [render_email(kind, sample_context(kind)) for kind in SAMPLES]
    kinds = list(SAMPLES)
    invites = {
        k: calendar_attachment(k, sample_context(k), "x@patients.example.org") for k in kinds if KINDS[k].calendar
    }
    now = utcnow().replace(tzinfo=None).isoformat(sep=" ")
    rows, files = [], []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        r = rendered[i % len(kinds)]
        to = f"patient{i}@patients.example.org"
        rows.append((kind, to, "", r.subject, r.html, r.text, None, "queued", 0, now, now))
        if kind in invites:
            files.append((i, invites[kind].filename, invites[kind].content_type, invites[kind].data))
    return rows, files


def insert_floor(prepared: tuple[list[tuple], list[tuple]]) -> None:
    """Both executemanys, on an emptied table (new ids follow on from the highest), one commit."""
    from dashboard.extensions import db

    rows, files = prepared
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        first = (cursor.execute("SELECT coalesce(max(id), 0) FROM email_messages").fetchone()[0] or 0) + 1
        cursor.executemany(
            "INSERT INTO email_messages (kind, to_addrs, bcc_addrs, subject, html, text, dedupe_key, status,"
            " attempts, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        cursor.executemany(
            "INSERT INTO email_attachments (message_id, filename, content_type, data) VALUES (?, ?, ?, ?)",
            [(first + i, name, content_type, data) for i, name, content_type, data in files],
        )
        raw.commit()
    finally:
        raw.close()


def traced_run(n: int = 1000) -> list[tuple[str, float]]:
    """write_ours(n) with notify.email's steps timed in place (unprofiled); ms per row."""
    from dashboard.notify import outbox, recipients

    targets = [
        (outbox, "render_emails", "render_emails (Jinja + CSS inlining)"),
        (outbox, "_insert", "_insert (INSERT .. ON CONFLICT .. RETURNING)"),
        (outbox, "calendar_attachment", "calendar_attachment (.ics)"),
        (recipients, "clean", "recipients.clean (email-validator)"),
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
        started = time.perf_counter()
        write_ours(n)
        total = time.perf_counter() - started
    finally:
        for module, name, function in originals:
            setattr(module, name, function)
    results = [(label, seconds * 1000 / n) for label, seconds in spent.items()]
    results.append(("everything else in notify.email + commit", (total - sum(spent.values())) * 1000 / n))
    results.append(("total", total * 1000 / n))
    return results


def invitation_ms(m: int = 600) -> float:
    """Building one .ics invitation with icalendar (what each calendar kind's row adds); ms per call."""
    from dashboard.notify.outbox import calendar_attachment
    from dashboard.notify.samples import sample_context

    contexts = [sample_context(kind) for kind in ("appointment_confirmation", "reschedule_approved")]
    for i, context in enumerate(contexts):
        context["appointment"].id = 1000 + i
    calendar_attachment("appointment_confirmation", contexts[0])  # warm
    started = time.perf_counter()
    for i in range(m):
        calendar_attachment("appointment_confirmation", contexts[i % 2])
    return (time.perf_counter() - started) * 1000 / m


def render_and_insert_parts(m: int = 600) -> list[tuple[str, float]]:
    """Microbenchmarks of the parts of a row: rendering split into Jinja and CSS inlining; ms per call."""
    import css_inline
    from flask import current_app
    from markupsafe import Markup

    from dashboard.models.base import utcnow
    from dashboard.notify import kinds
    from dashboard.notify.outbox import _insert, calendar_attachment
    from dashboard.notify.render import clinic_context, email_templates, render_email
    from dashboard.notify.samples import SAMPLES, sample_context

    templates = email_templates(current_app)
    env = templates.env
    names = list(SAMPLES)
    contexts = [{"clinic": clinic_context(), "kind": kinds.get(k), **sample_context(k)} for k in names]
    fragments = []
    inline_styles = env.filters["inline_styles"]
    env.filters["inline_styles"] = lambda fragment, colour: fragments.append(str(fragment)) or Markup(fragment)
    try:
        for k, c in zip(names, contexts, strict=True):
            env.get_template(f"emails/{k}.html").render(c, subject="s")
    finally:
        env.filters["inline_styles"] = inline_styles
    css = templates.content_css(contexts[0]["clinic"].colour)
    rendered = [render_email(k, sample_context(k)) for k in names]

    def row(i: int) -> dict:
        r = rendered[i % len(names)]
        now = utcnow()
        return {
            "kind": names[i % len(names)], "to_addrs": f"stage{i}@patients.example.org", "bcc_addrs": "",
            "subject": r.subject, "html": r.html, "text": r.text, "dedupe_key": None, "status": "queued",
            "attempts": 0, "next_attempt_at": now, "created_at": now, "patient_id": None, "appointment_id": None,
        }  # fmt: skip

    def templates(i):
        k, c = names[i % len(names)], contexts[i % len(names)]
        env.get_template(f"emails/{k}.html").render(c, subject="s")
        env.get_template(f"emails/{k}.txt").render(c, subject="s")

    stages = [
        (
            "render_email, all of it",
            lambda i: render_email(names[i % len(names)], sample_context(names[i % len(names)])),
        ),
        ("  Jinja: .html + .txt, with CSS inlining", templates),
        ("  CSS inlining of the content (css_inline)", lambda i: css_inline.inline_fragment(fragments[i % 12], css)),
        ("  for scale: compiling one subject template", lambda i: env.from_string(kinds.get(names[i % 12]).subject)),
        ("_insert (one row)", lambda i: _insert(row(i))),
        (
            "one .ics invitation (icalendar)",
            lambda i: calendar_attachment("appointment_confirmation", sample_context("appointment_confirmation")),
        ),
    ]
    results = []
    for name, step in stages:
        step(0)  # warm
        started = time.perf_counter()
        for i in range(1, m + 1):
            step(i)
        results.append((name, (time.perf_counter() - started) * 1000 / m))
    from dashboard.extensions import db

    db.session.rollback()
    return results


CUSTOMISED_RATIO = 1.10  # every kind in the owner's words / the defaults


def use_words(customised: bool) -> None:
    """A new version of every kind: its default words as an owner's (the sandbox renders the same
    email), or a return to the files; compiled here, before any timing."""
    from dashboard.extensions import db
    from dashboard.models import EmailTemplateVersion
    from dashboard.notify import custom
    from dashboard.notify.samples import SAMPLES
    from dashboard.services.email_templates import default_draft

    for kind in SAMPLES:
        words = vars(default_draft(kind)) if customised else {}
        db.session.add(EmailTemplateVersion(kind=kind, **words))
    db.session.commit()
    assert len(custom.compiler().current()) == (len(SAMPLES) if customised else 0)


def customised_main(report: Report) -> bool:
    """--customised: batch, distinct and single with every kind in the owner's words against the
    same with the defaults, interleaved run by run."""
    modes = {"defaults": False, "customised": True}
    times: dict[tuple[str, str], list[float]] = {}
    for run in range(REPEAT):
        for mode, customised in modes.items():
            use_words(customised)
            for name, write in [
                ("batch", lambda run=run: write_batch(N, run)),
                ("distinct", lambda run=run: write_batch(N, run, shared=False)),
                ("single", lambda: write_ours(N)),
            ]:
                started = time.perf_counter()
                write()
                times.setdefault((mode, name), []).append(time.perf_counter() - started)
                empty_outbox()
    report.line(f"rows per run: {N}; every kind customised (its default words, in the sandbox) against the defaults")
    report.line(f"{'':10} {'defaults s':>11} {'customised s':>13} {'ratio':>7}")
    ok = True
    for name in ("batch", "distinct", "single"):
        ours, theirs = median(times[("customised", name)]), median(times[("defaults", name)])
        report.line(f"{name:10} {theirs:11.3f} {ours:13.3f} {ours / theirs:6.2f}x")
        target = f"{name}: customised <= {CUSTOMISED_RATIO:g}x the defaults"
        ok = report.check(target, ours <= CUSTOMISED_RATIO * theirs, f"{ours / theirs:.2f}x") and ok
    return ok


def main() -> int:
    customised = "--customised" in sys.argv[1:]
    time_limit(240 if customised else 110)
    report = Report("outbox_write")
    with Scratch("outbox-write") as scratch:
        from sqlalchemy import func, select

        from dashboard.extensions import db
        from dashboard.models import EmailAttachment, EmailMessage

        app = scratch.app(MAIL_BACKEND="outbox")
        with app.app_context():
            db.create_all()
            write_ours(24)  # warm-up: templates compiled, statement caches filled
            empty_outbox()
            if customised:
                customised_main(report)
                return report.finish()
            rows = prerendered_rows(N)

            times: dict[str, list[float]] = {"floor": [], "batch": [], "distinct": [], "single": []}
            counts = {}
            for run in range(REPEAT):
                for name, write in [
                    ("floor", lambda: insert_floor(rows)),
                    ("batch", lambda run=run: write_batch(N, run)),
                    ("distinct", lambda run=run: write_batch(N, run, shared=False)),
                    ("single", lambda: write_ours(N)),
                ]:
                    started = time.perf_counter()
                    write()
                    times[name].append(time.perf_counter() - started)
                    counts[name] = (
                        db.session.scalar(select(func.count()).select_from(EmailMessage)),
                        db.session.scalar(select(func.count()).select_from(EmailAttachment)),
                    )
                    empty_outbox()

            floor, batch, distinct, single = (median(times[name]) for name in ("floor", "batch", "distinct", "single"))
            written, attachments = counts["single"]
            assert counts["batch"] == counts["single"] == counts["distinct"], counts
            report.line(f"rows per run: {N} ({written} written by ours, with {attachments} .ics attachment rows)")
            report.line(f"{'':44} {'median s':>9} {'runs (s)':>18} {'per row ms':>11} {'vs floor':>9}")
            for label, name in [
                ("floor: executemany, pre-rendered", "floor"),
                ("ours, batch: notify.emails + commit", "batch"),
                ("ours, distinct contexts: notify.emails", "distinct"),
                ("ours, single: notify.email x N + commit", "single"),
            ]:
                runs = " ".join(f"{t:.2f}" for t in times[name])
                value = median(times[name])
                report.line(f"{label:44} {value:9.3f} {runs:>18} {value * 1000 / N:11.3f} {value / floor:8.1f}x")
            report.line()
            ok = report.check(
                f"batch <= {TARGET_RATIO:g}x the floor",
                batch <= TARGET_RATIO * floor,
                f"{batch / floor:.1f}x: {batch:.2f} s for {N} rows against {floor:.2f} s",
            )
            report.line(
                f"      (distinct contexts, as a reminder scan: {distinct / floor:.1f}x; "
                f"single, one notify.email call per row: {single / floor:.1f}x; not targets)"
            )
            report.line(
                f"one .ics invitation built with icalendar: {invitation_ms():.3f} ms per call"
                f" ({attachments} of the {written} rows carry one)"
            )

            if not ok:
                report.line(f"where a row's time goes, timed in place over {N_TRACED} rows (ms per row, unprofiled):")
                for name, ms in traced_run(N_TRACED):
                    report.line(f"    {name:52} {ms:7.3f}")
                empty_outbox()
                report.line(
                    f"    ({attachments / written:.0%} of rows are calendar kinds and carry an .ics attachment)"
                )
                report.line("the parts, as microbenchmarks (ms per call, 600 calls each):")
                for name, ms in render_and_insert_parts():
                    report.line(f"    {name:52} {ms:7.3f}")
                profiler = cProfile.Profile()
                profiler.enable()
                write_ours(N_PROFILE)
                profiler.disable()
                empty_outbox()
                out = io.StringIO()
                stats = pstats.Stats(profiler, stream=out)
                stats.sort_stats("cumulative").print_stats(15)
                report.line(
                    f"profile of {N_PROFILE} more rows (cProfile, top 15 by cumulative time; profiling slows it):"
                )
                report.line("\n".join(line.rstrip() for line in out.getvalue().splitlines() if line.strip()))
    return report.finish()


if __name__ == "__main__":
    sys.exit(main())
