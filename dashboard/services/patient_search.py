"""The patient search's condition: every common search answered by an index, on SQLite and PostgreSQL.

What was typed decides what is looked up (the first that fits):
- a date as the clinic writes it ("4/12/1987", "1987-12-04", "4 Dec 1987"): the date of birth, exactly;
- a patient number ("P-000123", "p123"): the number, exactly;
- something with an @: the email's start (`email_key`, lower case);
- digits (spaces, dashes, brackets and + allowed): from six digits the phone's start
  (`phone_key`, its digits, +64 as 0) or its end (`phone_tail`, the digits reversed: "555 0100"
  is a prefix of it); fewer would match half the clinic; and up to seven digits the patient
  number they make ("123": P-000123);
- anything else, a name, either way round: the start of "first last" (`name_key`) or of
  "last first" (`sort_key`), folded as the row's keys are (models/patient.py: case, macrons,
  apostrophes), and for two words or more the last word as the surname and the words before
  it as the first name's start ("g clarke" finds Grace Clarke); one word is also tried as an
  email's start ("hemi.walker").
A prefix is an index range (`key >= 'clar' AND key < 'clas'`): exact on SQLite's binary and
PostgreSQL's "C" collation, which the key columns have. There is no leading-wildcard search: a
name in the middle of a surname ("Rangi" in "Te Rangi") is not found by it.
"""

import re

from sqlalchemy import ColumnElement, and_, false, or_

from dashboard.clinic_time import parse_clinic_date
from dashboard.models import Patient, fold, patient_number, phone_digits

_NUMBER = re.compile(r"p\s*-?\s*(\d{1,9})", re.IGNORECASE)
_PHONE = re.compile(r"[\d\s\-().+]+")
ESCAPE = "\\"
SHORT_NUMBER = 7
PHONE_START = 6


def prefix(column, start: str) -> ColumnElement[bool]:
    """`column` starts with `start`: an index range, and a LIKE that only checks the range's rows."""
    after = start[:-1] + chr(ord(start[-1]) + 1)
    escaped = start.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")
    return and_(column >= start, column < after, column.like(escaped + "%", escape=ESCAPE))


def _phone(text: str) -> ColumnElement[bool] | None:
    digits = phone_digits(text)
    if not digits:
        return None
    found = []
    if len(digits) >= PHONE_START:
        found.append(prefix(Patient.phone_key, digits))
        if not digits.startswith("0"):
            found.append(prefix(Patient.phone_key, "0" + digits))  # "21 555 0" for 021 555 0
        found.append(prefix(Patient.phone_tail, digits[::-1]))  # "555 0100" for 021 555 0100
    if len(digits) <= SHORT_NUMBER:
        found.append(Patient.number == patient_number(int(digits)))
    return or_(*found) if found else None


def _name(words: str, one_word: bool, typed: str) -> ColumnElement[bool]:
    found = [prefix(Patient.name_key, words), prefix(Patient.sort_key, words)]
    parts = words.split()
    if len(parts) > 1:  # "g clarke": the surname typed last, the first name's start before it
        found.append(prefix(Patient.sort_key, " ".join([parts[-1], *parts[:-1]])))
    if one_word:  # "hemi.walker": an email's start, typed without its @
        found.append(prefix(Patient.email_key, typed.lower()))
    return or_(*found)


def condition(q: str | None) -> ColumnElement[bool] | None:
    """The WHERE of a search for `q`; None for an empty search (everyone)."""
    text = " ".join((q or "").split())
    if not text:
        return None
    day = parse_clinic_date(text)
    if day is not None:
        return Patient.date_of_birth == day
    if number := _NUMBER.fullmatch(text):
        return Patient.number == patient_number(int(number.group(1)))
    if "@" in text:
        return prefix(Patient.email_key, text.lower())
    if _PHONE.fullmatch(text) and (phone := _phone(text)) is not None:
        return phone
    words = fold(text)
    return _name(words, " " not in text, text) if words else false()
