"""`flask db upgrade` on an empty database gives exactly the models' schema."""

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from dashboard import create_app
from dashboard.extensions import db
from tests.conftest import create_postgres_database, drop_postgres_database

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(params=BACKENDS)
def empty_database(request, tmp_path, backend):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
    else:
        url = create_postgres_database(os.environ["TEST_DATABASE_URL"])
        yield url
        drop_postgres_database(url)


def test_upgrade_from_empty_matches_the_models_and_downgrades(empty_database, backend):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": empty_database, "REDIS_URL": backend["redis_url"]})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
        tables = set(inspect(db.engine).get_table_names())
        assert {"users", "practitioners", "patients", "notifications"} <= tables

        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_flask_db_check_is_clean(runner):
    """The session's schema was built by the migrations; `flask db check` (exit 1 on any
    difference) finds nothing to add."""
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
