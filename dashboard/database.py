"""Database defaults: SQLite under instance/ unless `DATABASE_URL` is set."""

from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine


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


def insert_many(statement, rows: list[dict]) -> None:
    """Execute a Core INSERT for many rows at once (in the session's transaction).

    On SQLite the statement is compiled once, each row's values go through their
    columns' bind processors (so a datetime is stored as SQLAlchemy stores it) and the
    driver's executemany gets plain tuples: SQLAlchemy's own executemany builds a
    parameter dict per row through the compiler, which cost a fan-out more than the
    inserts themselves. Elsewhere (PostgreSQL) SQLAlchemy's executemany as it is."""
    from dashboard.extensions import db

    if not rows:
        return
    connection = db.session.connection()
    dialect = connection.dialect
    if dialect.name != "sqlite":
        connection.execute(statement, rows)
        return
    compiled = statement.compile(dialect=dialect, column_keys=list(rows[0]))  # once for all the rows
    names = list(compiled.positiontup)
    processors = [compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    values = [
        tuple(process(row[name]) if process else row[name] for name, process in zip(names, processors, strict=True))
        for row in rows
    ]
    connection.exec_driver_sql(str(compiled), values)
