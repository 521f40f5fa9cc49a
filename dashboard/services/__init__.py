"""Domain actions. They take plain values, write rows and never touch `request`.

Each entry point a blueprint, a job or a command calls owns its transaction with
`unit_of_work()`: the outermost unit commits when its block ends and rolls back when
anything is raised out of it, so a helper raises and never rolls back its caller, and
no route commits or rolls back. A unit inside another joins it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

from sqlalchemy import Executable
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from dashboard.extensions import db

_DEPTH = "dashboard.unit_of_work.depth"


class ServiceError(ValueError):
    """A refusal the person asking should read, e.g. "That username is taken"."""


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """`with unit_of_work():` (or `@unit_of_work()` on an entry point): one transaction, committed
    at the end of the outermost unit, rolled back if anything escapes it."""
    session = db.session()
    depth = session.info.get(_DEPTH, 0)
    session.info[_DEPTH] = depth + 1
    try:
        yield session
        if depth == 0:
            session.commit()
    except BaseException:
        if depth == 0:
            session.rollback()
        raise
    finally:
        session.info[_DEPTH] = depth


def rows_changed(statement: Executable) -> int:
    """Run an UPDATE or DELETE in the current unit; how many rows it changed (0: the
    condition no longer held, e.g. someone else claimed the slot first)."""
    return cast(CursorResult, db.session.execute(statement)).rowcount
