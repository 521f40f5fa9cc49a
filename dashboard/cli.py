"""`flask` commands registered by the factory."""

from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import SimpleNamespace

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from dashboard import languages, queues
from dashboard.extensions import db
from dashboard.models import EmailMessage, EmailStatus, Role
from dashboard.models.base import utcnow
from dashboard.notify import delivery, mime
from dashboard.notify.kinds import KINDS
from dashboard.notify.outbox import calendar_attachment
from dashboard.notify.render import render_email
from dashboard.notify.samples import sample_context
from dashboard.services import ServiceError, billing, demo, reminders, users
from dashboard.wording import plural


def init_app(app: Flask) -> None:
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(outbox_group)
    app.cli.add_command(emails_group)
    app.cli.add_command(send_reminders_command)
    app.cli.add_command(send_payment_reminders_command)


@click.command("create-user")
@click.option("--username", prompt=True, help="Login name (case-insensitive).")
@click.option("--email", prompt=True, help="Where the user's notifications go.")
@click.option("--name", "full_name", prompt="Full name", help="Shown in the dashboard.")
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.STAFF.value, show_default=True)
@click.option("--specialty", default=None, help="Practitioners only.")
@click.option("--fee", default=None, help="Practitioners only: consultation fee, e.g. 85.00.")
@click.password_option(help="Asked for when not given (never put it in shell history).")
@with_appcontext
def create_user_command(username, email, full_name, role, specialty, fee, password):
    """Add a user who can log in (e.g. the first owner)."""
    try:
        consultation_fee = Decimal(fee) if fee else None
    except InvalidOperation:
        raise click.BadParameter("must be a number such as 85.00", param_hint="--fee") from None
    try:
        user = users.create_user(
            username=username,
            email=email,
            full_name=full_name,
            role=role,
            password=password,
            specialty=specialty,
            consultation_fee=consultation_fee,
        )
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {user.role} {user.username!r} ({user.email}).")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing, quietly, when users already exist.")
@with_appcontext
def seed_demo_command(if_empty):
    """Fill an empty database with a demo clinic: owner, staff, practitioners, 50 patients."""
    if current_app.config["CONFIG_NAME"] == "production":
        raise click.ClickException("Refusing to load demo data into a production database.")
    if demo.is_seeded():
        if if_empty:
            return
        raise click.ClickException("The database already has users; demo data goes into an empty one.")
    counts = demo.seed(current_app.config["DEMO_PASSWORD"])
    click.echo(f"Demo clinic ready: {plural(counts['users'], 'user')}, {plural(counts['patients'], 'patient')}.")


@click.command("send-appointment-reminders")
@click.option(
    "--hours",
    type=click.IntRange(min=1),
    multiple=True,
    help="Remind this many hours ahead (repeatable); default REMINDER_HOURS.",
)
@with_appcontext
def send_reminders_command(hours):
    """Email a reminder for every confirmed appointment starting within the next N hours, once each."""

    for lead in hours or reminders.lead_times():
        written = reminders.send_appointment_reminders(lead)
        click.echo(f"{plural(written, 'reminder')} written for appointments in the next {plural(lead, 'hour')}.")


@click.command("send-payment-reminders")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="At least N days overdue, once per N days; default PAYMENT_REMINDER_DAYS.",
)
@with_appcontext
def send_payment_reminders_command(days):
    """Email a reminder for every unpaid invoice at least N days overdue, once per invoice per N days."""

    run = billing.send_payment_reminders(days)
    click.echo(f"{plural(run.written, 'payment reminder')} written.")
    if run.queued:
        click.echo(f"{run.queued} more queued for the workers, in batches of {billing.REMINDER_BATCH}.")
    if run.already:
        already = plural(run.already, "overdue invoice was", "overdue invoices were")
        click.echo(f"{already} reminded already this period.")


@click.group("outbox")
def outbox_group():
    """The email outbox."""


@outbox_group.command("flush")
@click.option("--here", is_flag=True, help="Send due emails from this process instead of queuing them for a worker.")
@with_appcontext
def outbox_flush_command(here):
    """Requeue stuck emails and hand every due one to the workers (what the cron sweeper does)."""

    if here:
        delivery.release_stuck()
        due = db.session.scalars(
            select(EmailMessage.id).where(
                EmailMessage.status == EmailStatus.QUEUED, EmailMessage.next_attempt_at <= utcnow()
            )
        ).all()
        totals = {"sent": 0, "retrying": 0, "failed": 0}
        for start in range(0, len(due), current_app.config["OUTBOX_BATCH_SIZE"]):
            outcome = delivery.deliver(due[start : start + current_app.config["OUTBOX_BATCH_SIZE"]]).as_dict()
            totals = {key: totals[key] + outcome[key] for key in totals}
        click.echo(f"Sent {totals['sent']}, retrying {totals['retrying']}, failed {totals['failed']}.")
        return

    try:
        queues.require_redis()
    except queues.RedisMissing as exc:
        raise click.ClickException(f"{exc} (Or send from this process: flask outbox flush --here.)") from None
    result = delivery.sweep()
    if current_app.config["MAIL_BACKEND"] == "outbox":
        click.echo("MAIL_BACKEND is outbox: emails stay in the outbox and are not sent.")
    queued = plural(result["enqueued"], "due email")
    click.echo(f"Requeued {result['released']} stuck, queued {queued} for the workers.")


@click.group("emails")
def emails_group():
    """Email templates."""


@emails_group.command("preview")
@click.option("--out", "out_dir", default="emails-preview", show_default=True, help="Folder to write into.")
@with_appcontext
def emails_preview_command(out_dir):
    """Render every kind of email with sample data, in every language, to OUT/<kind>.html, .txt
    and .eml for review (another language's with its code: OUT/<kind>.es.eml)."""

    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for language in languages.LANGUAGES:
        with languages.writing_in(language):
            for kind in KINDS.values():
                _write_preview(folder, kind, language)
    click.echo(f"Wrote {len(KINDS)} emails (HTML, text and .eml) in {len(languages.LANGUAGES)} languages to {folder}/")


def _write_preview(folder: Path, kind, language: str) -> None:
    context = {**sample_context(kind.name), "language": language}
    rendered = render_email(kind.name, context)
    name = kind.name if language == languages.DEFAULT else f"{kind.name}.{language}"
    (folder / f"{name}.html").write_text(rendered.html)
    (folder / f"{name}.txt").write_text(f"Subject: {rendered.subject}\n\n{rendered.text}")
    attachments = [calendar_attachment(kind.name, context)] if kind.calendar else []
    message = SimpleNamespace(
        id=0, subject=rendered.subject, html=rendered.html, text=rendered.text, smtp_message_id=None,
        recipients=["patient@example.org"], attachments=attachments,
        list_unsubscribe=context.get("unsubscribe_url") if kind.optional else None,
    )  # fmt: skip
    (folder / f"{name}.eml").write_bytes(mime.to_bytes(message))
