"""Patients: they never log in; they act through signed links in emails.

Each patient has a number for the desk to say and type ("P-000123"), made from their id once
the row is inserted: ids are unique under concurrent creates on SQLite (one writer at a time)
and PostgreSQL (a sequence never hands out a value twice), so the number needs no lock, no
"highest number plus one" read and no retry. The search keys (`name_key`, `sort_key`,
`phone_key`, `phone_tail`, `email_key`) are the name, phone (its digits, and reversed, so the
end of a number is a prefix too) and email folded for indexed prefix and exact searches; they
are kept on the row, recomputed on every insert and update.
"""

import re
import unicodedata
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, event, update
from sqlalchemy.orm import Mapped, attributes, mapped_column

from dashboard.extensions import Model
from dashboard.models.base import UTCDateTime, utcnow

NUMBER_PREFIX = "P-"
KEY_LENGTH = 170


def _bytewise(length: int):
    """A key column compared byte by byte on both databases (SQLite's default; "C" on PostgreSQL), so a
    prefix is an index range."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


_APOSTROPHES = "'’‘`ʻ"


def patient_number(patient_id: int) -> str:
    """The patient number of an id: "P-000123" (seven digits and more past 999,999)."""
    return f"{NUMBER_PREFIX}{patient_id:06d}"


def fold(text: str | None) -> str:
    """Text as the search keys hold it: lower case, macrons and accents off (Pōmare: pomare),
    apostrophes out (O'Brien: obrien), any other punctuation or emoji a single space."""
    kept = []
    for ch in unicodedata.normalize("NFKD", text or ""):
        if unicodedata.combining(ch) or ch in _APOSTROPHES:
            continue
        kept.append(ch if ch.isalnum() else " ")
    return " ".join("".join(kept).casefold().split())


def phone_digits(phone: str | None) -> str | None:
    """A phone number's digits, the country code of New Zealand as a leading 0 (+64 21: 021)."""
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("64") and len(digits) > 8:
        digits = "0" + digits[2:]
    return digits or None


class Patient(Model):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    date_of_birth: Mapped[date | None] = mapped_column(Date, index=True)
    # Set from the id right after the INSERT (see the module's docstring); never None after a flush.
    number: Mapped[str | None] = mapped_column(String(20), unique=True, index=True)
    name_key: Mapped[str] = mapped_column(_bytewise(KEY_LENGTH), index=True, default="")  # "grace clarke"
    sort_key: Mapped[str] = mapped_column(_bytewise(KEY_LENGTH), index=True, default="")  # "clarke grace"
    phone_key: Mapped[str | None] = mapped_column(_bytewise(40), index=True)  # "0211234567"
    phone_tail: Mapped[str | None] = mapped_column(_bytewise(40), index=True)  # "7654321120": its end as a start
    email_key: Mapped[str | None] = mapped_column(_bytewise(254), index=True)  # lower case
    # What their emails and their own pages are written in (dashboard/languages.py).
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def __repr__(self) -> str:
        return f"<Patient {self.name}>"

    def refresh_keys(self) -> None:
        first, last = fold(self.first_name), fold(self.last_name)
        self.name_key = f"{first} {last}".strip()[:KEY_LENGTH]
        self.sort_key = f"{last} {first}".strip()[:KEY_LENGTH]
        self.phone_key = phone_digits(self.phone)
        self.phone_tail = self.phone_key[::-1] if self.phone_key else None
        self.email_key = self.email.lower() if self.email else None


@event.listens_for(Patient, "before_insert")
@event.listens_for(Patient, "before_update")
def _keep_keys(mapper, connection, target: Patient) -> None:
    target.refresh_keys()


@event.listens_for(Patient, "after_insert")
def _give_number(mapper, connection, target: Patient) -> None:
    if target.number is None:
        number = patient_number(target.id)
        connection.execute(update(Patient).where(Patient.id == target.id).values(number=number))
        attributes.set_committed_value(target, "number", number)


class PatientMessage(Model):
    """What a patient sees on their own page: offers and news about their appointments."""

    __tablename__ = "patient_messages"
    __table_args__ = (Index("ix_patient_messages_patient_created", "patient_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PatientEmailPreference(Model):
    """A patient's choice about one optional kind of email (offers, reminders...); no row: they get it."""

    __tablename__ = "patient_email_preferences"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    email: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
