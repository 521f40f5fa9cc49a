"""The one transaction boundary: a service entry point's unit commits or rolls back, once."""

import pytest
from sqlalchemy import func, select

from dashboard.extensions import db
from dashboard.models import Patient
from dashboard.services import ServiceError, unit_of_work


def _count() -> int:
    db.session.rollback()  # read what is committed, not what this session holds
    return db.session.scalar(select(func.count()).select_from(Patient))


def _add(first: str) -> None:
    db.session.add(Patient(first_name=first, last_name="Pōmare", email=f"{first.lower()}@patients.example.org"))
    db.session.flush()


def test_the_outermost_unit_commits(app):
    with unit_of_work():
        _add("Hēmi")
    assert _count() == 1


def test_a_refusal_rolls_the_whole_unit_back(app):
    with pytest.raises(ServiceError), unit_of_work():
        _add("Hēmi")
        raise ServiceError("no")
    assert _count() == 0


def test_an_inner_unit_joins_the_outer_and_commits_nothing_itself(app):
    with pytest.raises(RuntimeError), unit_of_work():
        with unit_of_work():
            _add("Aroha")
        raise RuntimeError("the outer unit fails after the inner one ended")
    assert _count() == 0  # the inner unit's row went with the outer unit


def test_as_a_decorator(app):
    @unit_of_work()
    def add_two():
        _add("Mere")
        _add("Zoë")

    add_two()
    assert _count() == 2
