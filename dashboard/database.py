"""Database defaults (SQLite under instance/ unless `DATABASE_URL` is set) and the one
transaction boundary, `unit_of_work()`.

Each entry point a blueprint, a job or a command calls (a service function, a delivery
step) owns its transaction with `unit_of_work()`: the outermost unit commits when its block
ends and rolls back when anything is raised out of it, so a helper raises and never rolls
back its caller, and no route commits or rolls back. A unit inside another joins it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

from flask import Flask
from sqlalchemy import Executable, event
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.orm import Session

from dashboard.extensions import db

_DEPTH = "dashboard.unit_of_work.depth"


def init_app(app: Flask) -> None:
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        path = Path(app.instance_path) / "dashboard.db"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
        options.setdefault("connect_args", {"timeout": 15})
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL lets readers and one writer work at once; the busy timeout makes
    a second writer wait instead of failing with "database is locked"."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


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
