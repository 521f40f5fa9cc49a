"""What offering writes: the offer rows (bulk, one per slot and patient), the patients' emails
and the messages on their page, the staff's bell; and the small updates closing an offer or
marking slots offered. Helpers: they write in the caller's transaction and never commit."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import insert, null, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from dashboard import languages, notify, patient_links
from dashboard.clinic_time import describe
from dashboard.extensions import db
from dashboard.models import OPEN_OFFERS, Offer, PatientMessage, Practitioner, Slot
from dashboard.models.base import utcnow
from dashboard.navigation import path_for
from dashboard.services.offers.interest import Interest


def offer_row(slot: Slot, interest: Interest, rank: int, status: str, now: datetime | None) -> dict:
    return {
        "slot_id": slot.id,
        "patient_id": interest.patient.id,
        "reason": str(interest.reason),
        "source_id": interest.source_id or None,
        "rank": rank,
        "status": status,
        "offered_at": now,
        "created_at": now or utcnow(),
    }


def insert_offers(rows: list[dict]) -> None:
    """Write offers, one per (slot, patient): a job run twice adds nothing, and a slot opened
    again reopens its earlier offers (withdrawn, taken, declined, expired) rather than
    leaving those patients' links refused. A booked offer stays booked."""
    if rows:
        dialect = db.session.get_bind().dialect.name
        maker = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = maker(Offer.__table__)
        statement = statement.on_conflict_do_update(
            index_elements=["slot_id", "patient_id"],
            set_={
                "status": statement.excluded.status,
                "rank": statement.excluded.rank,
                "offered_at": statement.excluded.offered_at,
                "expires_at": null(),
                "decided_at": null(),
            },
            # literal, not bound: executemany can't expand an IN list
            where=text("offers.status IN ('taken', 'expired', 'declined', 'withdrawn')"),
        )
        db.session.execute(statement, rows)


def offer_email(
    practitioner,
    interest: Interest,
    offered: list[Slot],
    key: str,
    held_until=None,
    times: list | None = None,
    links: patient_links.Links | None = None,
) -> notify.Message:
    """The patient's email: the times (shared with everyone offered the same ones) and their own
    links (`links`: one writer for a whole fan-out)."""
    patient = interest.patient
    links = links or patient_links.Links()
    book = links.token("book", p=patient.id)
    context = {
        "patient": patient,
        "practitioner": practitioner,
        "slots": times if times is not None else shown_times(offered),
        "book_links": {s.id: links.address("portal.book", token=book, slot_id=s.id) for s in offered},
        # One at a time, other open times are in other people's queues: no "see all" link.
        "more_url": None if held_until else links.url("availability", p=patient.id, r=practitioner.id),
        "held_until": held_until,
        **links.for_optional_email("new_availability", patient.id),
    }
    return notify.Message(to=patient.email, context=context, dedupe_key=key, patient_id=patient.id)


@dataclass(frozen=True)
class Shown:
    """An offered time as an email shows it, copied out of the ORM (a fan-out commits as it goes)."""

    id: int
    starts_at: datetime
    ends_at: datetime


def shown_times(offered: list[Slot]) -> list[Shown]:
    return [Shown(s.id, s.starts_at, s.ends_at) for s in offered]


def patient_note(practitioner, patient_id: int, offered: list[Slot], held_until=None, language: str = "en") -> dict:
    """The message on the patient's page, in their language (it is kept as written)."""
    with languages.writing_in(language):
        name, first, n = practitioner.name, describe(offered[0].starts_at), len(offered)
        title = (
            _("%(name)s has a new time for you, from %(first)s", name=name, first=first)
            if n == 1
            else _("%(name)s has %(n)s new times for you, from %(first)s", name=name, n=n, first=first)
        )
        if held_until is not None:
            title = _(
                "%(name)s is holding %(first)s for you until %(until)s",
                name=name,
                first=first,
                until=describe(held_until),
            )
    return {"patient_id": patient_id, "kind": "new_availability", "title": title[:200], "created_at": utcnow()}


def record(offer_rows: list[dict], messages: list[notify.Message], notes: list[dict]) -> None:
    insert_offers(offer_rows)
    if notes:
        db.session.execute(insert(PatientMessage.__table__), [{"body": "", **n} for n in notes])
    if messages:
        notify.emails("new_availability", messages)


def close_offer(offer_id: int, status: str, now: datetime) -> None:
    db.session.execute(
        update(Offer)
        .where(Offer.id == offer_id, Offer.status.in_(OPEN_OFFERS))
        .values(status=status, decided_at=now)
        .execution_options(synchronize_session=False)
    )


def mark_offered(slot_ids: list[int]) -> None:
    db.session.execute(
        update(Slot)
        .where(Slot.id.in_(slot_ids))
        .values(offered_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def tell_staff(practitioner: Practitioner, new: list[Slot], title: str) -> None:
    people = {u.id: u for u in notify.desk()}
    if practitioner.user is not None and practitioner.user.active:
        people[practitioner.user.id] = practitioner.user
    notify.bell(people.values(), "offers_sent", title, link=path_for("offers.index", slot=new[0].id))


def new_times(n: int) -> str:
    return "a new time" if n == 1 else f"{n} new times"
