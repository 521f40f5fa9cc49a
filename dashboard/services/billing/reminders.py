"""The overdue scan: a payment reminder for every invoice owing long enough, once a period."""

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from dashboard import notify, patient_links, queues
from dashboard.clinic_time import clinic_today
from dashboard.extensions import db
from dashboard.models import OWING, Invoice
from dashboard.services import unit_of_work
from dashboard.services.billing.invoices import email_context
from dashboard.settings import setting

log = logging.getLogger(__name__)

REMINDER_BATCH = 500  # reminders written in one go; more are split into jobs for the workers
WRITE_JOB = "dashboard.jobs.billing.write_payment_reminders"


@dataclass
class ReminderRun:
    due: int  # owing and at least `days` overdue
    written: int  # reminders written here
    queued: int  # reminders handed to the workers, in batches
    already: int  # reminded already this period


def send_payment_reminders(days: int | None = None, *, today: date | None = None) -> ReminderRun:
    """Remind every invoice owing and at least `days` overdue, once per invoice every `days`
    days (the dedupe key names the period): running it twice in a period sends nothing.

    The scan reads ids and dates only and checks the keys first, so a run that finds
    everything reminded costs a few queries. Up to REMINDER_BATCH reminders are written
    here; a larger run is split into jobs of that size, which the workers render side by
    side (if Redis is down, they are written here instead). The scan is one unit of work
    (it only reads) and each batch written here is its own, so a batch that fails keeps
    the ones written before it."""
    days = days or setting("PAYMENT_REMINDER_DAYS")
    if days <= 0:
        raise ValueError("days must be positive")
    today = today or clinic_today()
    with unit_of_work():
        due = db.session.execute(
            select(Invoice.id, Invoice.due_on)
            .where(Invoice.status.in_(OWING), Invoice.due_on <= today - timedelta(days=days))
            .order_by(Invoice.due_on, Invoice.id)
        ).all()
        keys = {invoice_id: _reminder_key(invoice_id, due_on, days, today) for invoice_id, due_on in due}
        used = notify.used_keys(list(keys.values()))
    todo = [invoice_id for invoice_id, key in keys.items() if key not in used]
    run = ReminderRun(due=len(due), written=0, queued=0, already=len(due) - len(todo))
    if len(todo) <= REMINDER_BATCH:
        run.written = write_payment_reminders(todo, days, today)
    else:
        for start in range(0, len(todo), REMINDER_BATCH):
            chunk = todo[start : start + REMINDER_BATCH]
            if queues.enqueue(WRITE_JOB, chunk, days, today.isoformat(), queue="default") is not None:
                run.queued += len(chunk)
            else:
                run.written += write_payment_reminders(chunk, days, today)
    log.info("payment reminders (%s days): %s", days, run)
    return run


def _reminder_key(invoice_id: int, due_on: date, days: int, today: date) -> str:
    return f"invoice:{invoice_id}:overdue:{days}d:{(today - due_on).days // days}"


@unit_of_work()
def write_payment_reminders(invoice_ids: list[int], days: int, today: date) -> int:
    """Write the reminders of these invoices (still owing: a payment since the scan wins)."""
    if not invoice_ids:
        return 0
    invoices = db.session.scalars(
        select(Invoice)
        .options(joinedload(Invoice.patient))
        .where(Invoice.id.in_(invoice_ids), Invoice.status.in_(OWING))
        .order_by(Invoice.due_on, Invoice.id)
    ).all()
    messages = [
        notify.Message(
            to=invoice.patient.email,
            context={
                **email_context(invoice),
                "days_overdue": (today - invoice.due_on).days,
                **patient_links.for_optional_email("payment_reminder", invoice.patient_id),
            },
            dedupe_key=_reminder_key(invoice.id, invoice.due_on, days, today),
            patient_id=invoice.patient_id,
        )
        for invoice in invoices
    ]
    return len(notify.emails("payment_reminder", messages))
