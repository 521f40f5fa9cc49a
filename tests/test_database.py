"""insert_many writes exactly what SQLAlchemy's own executemany writes."""

from datetime import UTC, datetime

from sqlalchemy import insert, select, text

from dashboard.database import insert_many
from dashboard.extensions import db
from dashboard.models import Offer, PatientMessage
from tests.factories import make_patient, make_slot, practitioner_of


def stored(table: str) -> list[tuple]:
    """The rows as the database holds them (on SQLite, datetimes are text: their format matters)."""
    return [tuple(row)[1:] for row in db.session.execute(text(f"SELECT * FROM {table} ORDER BY id"))]


def test_rows_are_stored_as_sqlalchemy_stores_them(app, people):
    patient = make_patient("Mere", "Pōmare")
    now = datetime(2026, 12, 1, 23, 30, 5, 123456, tzinfo=UTC)
    note = {"patient_id": patient.id, "kind": "new_availability", "title": "Dr Ngātiwai 🌿", "body": "",
            "created_at": now}  # fmt: skip
    db.session.execute(insert(PatientMessage.__table__), [note, {**note, "title": "None"}])
    insert_many(insert(PatientMessage.__table__), [note, {**note, "title": "None"}])
    theirs, ours = stored("patient_messages")[:2], stored("patient_messages")[2:]
    assert ours == theirs

    slots = [make_slot(practitioner_of(people["practitioner"])) for _ in range(2)]
    offer = {"patient_id": patient.id, "reason": "waitlist", "source_id": None, "rank": 3, "status": "offered",
             "created_at": now, "offered_at": None}  # fmt: skip
    db.session.execute(insert(Offer.__table__), [{**offer, "slot_id": slots[0].id}])
    insert_many(insert(Offer.__table__), [{**offer, "slot_id": slots[1].id}])
    first, second = stored("offers")
    assert first[1:] == second[1:]  # all but the slot
    assert db.session.scalars(select(PatientMessage.created_at)).all() == [now] * 4
