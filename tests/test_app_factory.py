import pytest

from config import DEFAULT_SECRET_KEY
from dashboard import create_app
from tests.conftest import make_app


def test_testing_config(app):
    assert app.testing
    assert app.config["CONFIG_NAME"] == "testing"
    assert app.config["MAIL_BACKEND"] == "outbox"


def test_unknown_config_name_is_refused():
    with pytest.raises(RuntimeError, match="FLASK_CONFIG must be one of"):
        create_app("staging")


GOOD_PRODUCTION = {
    "SECRET_KEY": "Ngatiwai-Pomare-production-key-not-a-real-one-7f3a9c",
    "MAIL_DEFAULT_SENDER": "Harbourside Clinic <reception@harbourside.co.nz>",
    "BASE_URL": "https://dashboard.harbourside.co.nz",
}


def production(backend, **overrides):
    backends = {"SQLALCHEMY_DATABASE_URI": backend["database_url"], "REDIS_URL": backend["redis_url"]}
    return create_app("production", {**GOOD_PRODUCTION, **backends, **overrides})


@pytest.mark.parametrize(
    "setting,value,message",
    [
        *[
            ("SECRET_KEY", key, "SECRET_KEY must be set")
            for key in ["", DEFAULT_SECRET_KEY, "short", "Ngātiwai-Pōmare-production-key-with-macrons-7f3a9c"]
        ],
        *[
            ("MAIL_DEFAULT_SENDER", sender, "MAIL_DEFAULT_SENDER must be")
            for sender in ["", "reception@harbourside.example.org", "clinic@localhost", "Clinic <a@b>"]
        ],
        *[
            ("BASE_URL", url, "BASE_URL must be")
            for url in ["", "http://127.0.0.1:5000", "http://localhost:8000", "http://[::1]:5000"]
        ],
    ],
)
def test_production_refuses_settings_that_are_not_the_clinics(backend, setting, value, message):
    with pytest.raises(RuntimeError, match=message):
        production(backend, **{setting: value})


def test_production_starts_with_a_real_secret_key(backend):
    app = production(backend)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert not app.testing


def test_defaults_are_embedded(tmp_path, monkeypatch, backend):
    """With neither DATABASE_URL nor REDIS_URL, the app uses SQLite and the embedded Redis's socket under
    instance/ (which `make run` starts; the app doesn't)."""
    from dashboard import redis_server

    monkeypatch.setenv("DASHBOARD_INSTANCE_PATH", str(tmp_path))
    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": "", "REDIS_URL": ""})
    try:
        assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'dashboard.db'}"
        assert app.config["REDIS_URL"] == f"unix://{tmp_path / 'redis.sock'}"
        assert not redis_server.is_running(str(tmp_path))
        redis_server.ensure_running(str(tmp_path))
        assert app.extensions["redis"].ping()
    finally:
        redis_server.stop(str(tmp_path))
    assert not redis_server.is_running(str(tmp_path))


def test_postgres_urls_use_psycopg3():
    from config import normalise_database_url

    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_every_response_carries_a_request_id_and_security_headers(client):
    response = client.get("/login", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    forged = client.get("/login", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert "<" not in forged.headers["X-Request-ID"]


def test_make_app_helper_is_isolated(backend, _schema):
    app = make_app(backend, CLINIC_NAME="Test Clinic")
    assert app.config["CLINIC_NAME"] == "Test Clinic"


def test_a_job_needs_the_app_the_worker_gives_it(app, monkeypatch):
    """Jobs run in the app worker.py hands `queues.set_job_app`; without one, a clear error
    (the queues module never builds the app itself: the factory's modules import it)."""
    from dashboard import queues

    monkeypatch.setattr(queues, "_job_app", None)
    job = queues.AppJob.create("dashboard.jobs.system.ping", args=["x"], connection=queues.connection(app))
    with pytest.raises(RuntimeError, match="set_job_app"):
        job.perform()
    queues.set_job_app(app)
    job.perform()  # runs in the app given
