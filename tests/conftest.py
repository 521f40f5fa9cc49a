"""Shared fixtures: a real database and a real Redis for every test.

Backends: SQLite and the embedded Redis by default; set TEST_DATABASE_URL
(a PostgreSQL server: a fresh database is created on it for the run and
dropped after) and TEST_REDIS_URL (a Redis database the suite may flush) to
run the same tests on production's backends, as .ci/run does.
"""

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from config import normalise_database_url
from dashboard import create_app, redis_server
from dashboard.extensions import db
from dashboard.models import Role
from dashboard.services.users import create_user

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery"
CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


# --------------------------------------------------------------- backends


def create_postgres_database(server_url: str) -> str:
    """A new, empty database on the server `server_url` points at; returns its URL."""
    url = make_url(normalise_database_url(server_url))
    name = f"dashboard_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(database_url: str) -> None:
    url = make_url(database_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


def worker_redis_url(url: str | None) -> str | None:
    """TEST_REDIS_URL for this test process: under pytest-xdist each worker (gw0, gw1, ...) flushes
    its own database, counting down from the one named (…/15 → 15 for gw0, 14 for gw1)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not url or not worker.startswith("gw"):
        return url
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    database = base - int(worker[2:])
    if database < 0:
        raise RuntimeError(f"TEST_REDIS_URL's database {base} leaves none for xdist worker {worker}")
    return urlunsplit(parts._replace(path=f"/{database}"))


@pytest.fixture(scope="session")
def backend(tmp_path_factory):
    """Where this test run keeps its data: database URL, Redis URL, instance folder."""
    instance = tmp_path_factory.mktemp("instance")
    server_url = os.environ.get("TEST_DATABASE_URL")
    database_url = create_postgres_database(server_url) if server_url else f"sqlite:///{instance / 'test.db'}"
    redis_url = worker_redis_url(os.environ.get("TEST_REDIS_URL")) or redis_server.ensure_running(str(instance))
    yield {"database_url": database_url, "redis_url": redis_url, "instance_path": str(instance)}
    if not os.environ.get("TEST_REDIS_URL"):
        redis_server.stop(str(instance))
    if server_url:
        drop_postgres_database(database_url)


def make_app(backend, **overrides):
    os.environ["DASHBOARD_INSTANCE_PATH"] = backend["instance_path"]
    config = {
        "SQLALCHEMY_DATABASE_URI": backend["database_url"],
        "REDIS_URL": backend["redis_url"],
        "LOGIN_LIMIT_PER_ACCOUNT_ADDRESS": "5 per 15 minutes",
        "LOGIN_LIMIT_PER_ACCOUNT": "50 per 15 minutes",
        "LOGIN_LIMIT_PER_IP": "100 per 15 minutes",
        "MAIL_BACKEND": "outbox",
        "ADMIN_NOTIFICATION_EMAILS": "",
        "BASE_URL": "http://clinic.test",
    }
    config.update(overrides)
    return create_app("testing", config)


@pytest.fixture(scope="session")
def _schema(backend):
    """Build the schema the way production does: by running the migrations."""
    from flask_migrate import upgrade

    app = make_app(backend)
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _empty_database() -> None:
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


_APPS: dict[tuple, tuple[Flask, dict]] = {}


def _key(overrides: dict) -> tuple:
    return tuple(sorted((name, repr(value)) for name, value in overrides.items()))


def _reused_app(backend, overrides: dict) -> Flask:
    """One app per set of overrides for the whole run: building one costs ~130 ms (werkzeug compiles
    every route), about two minutes over the suite. What tests change on it (config, wsgi_app, the
    client class) is put back after each test by the `app` fixture."""
    from dashboard.extensions import limiter

    key = _key(overrides)
    if key not in _APPS:
        _APPS[key] = make_app(backend, **overrides), dict(vars(limiter))
    app, limiter_state = _APPS[key]
    # Flask-Limiter keeps its storage on the one Limiter, not per app: the last app built (one
    # pointed at a dead Redis, say) would otherwise count this one's logins.
    vars(limiter).update(limiter_state)
    return app


@pytest.fixture
def app(backend, _schema, request):
    """The app (with the config marker's overrides), over an empty database and Redis. A test that
    adds routes to it asks for one of its own with @pytest.mark.fresh_app."""
    marker = request.node.get_closest_marker("config")
    overrides = marker.kwargs if marker else {}
    if request.node.get_closest_marker("fresh_app"):
        app = make_app(backend, **overrides)
    else:
        app = _reused_app(backend, overrides)
        os.environ["DASHBOARD_INSTANCE_PATH"] = backend["instance_path"]
    saved = dict(app.config), app.wsgi_app, app.test_client_class
    try:
        with app.app_context():
            _empty_database()
            redis.Redis.from_url(backend["redis_url"]).flushdb()
            yield app
            db.session.remove()
            if app is not _APPS.get(_key(overrides), (None,))[0]:
                db.engine.dispose()  # a reused app keeps its pool for the next test (which empties the tables)
    finally:
        config, app.wsgi_app, app.test_client_class = saved
        app.config.clear()
        app.config.update(config)


def pytest_configure(config):
    config.addinivalue_line("markers", "config(**overrides): app config overrides for this test")
    config.addinivalue_line("markers", "fresh_app: this test gets an app of its own (it adds routes)")


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# ------------------------------------------------------------ people, login


@pytest.fixture
def people(app):
    """One active user per role, all with the password PASSWORD."""
    made = {}
    for username, role in [("olive", Role.OWNER), ("sam", Role.STAFF), ("drwho", Role.PRACTITIONER)]:
        made[str(role)] = create_user(
            username=username,
            email=f"{username}@clinic.example.org",
            full_name=f"{username.title()} Person",
            role=role,
            password=PASSWORD,
            specialty="General practice" if role == Role.PRACTITIONER else None,
        )
    return made


def csrf_token(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = CSRF_INPUT.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, username: str, password: str = PASSWORD, **kwargs):
        token = csrf_token(self.client, "/login")
        return self.client.post(
            "/login", data={"username": username, "password": password, "csrf_token": token}, **kwargs
        )

    def logout(self):
        token = csrf_token(self.client, "/home")
        return self.client.post("/logout", data={"csrf_token": token})

    def post(self, path: str, data: dict | None = None, form_page: str = "/home", **kwargs):
        """POST with a valid CSRF token taken from `form_page`, as a browser would."""
        payload = {"csrf_token": csrf_token(self.client, form_page), **(data or {})}
        return self.client.post(path, data=payload, **kwargs)


@pytest.fixture
def auth(client):
    return AuthActions(client)


# ------------------------------------------------------- real processes


# Settings a worker process takes over from the test's app (read when it starts).
SHARED_SETTINGS = [
    "MAIL_BACKEND", "MAIL_SERVER", "MAIL_PORT", "MAIL_TIMEOUT", "MAIL_USE_TLS", "MAIL_USE_SSL",
    "MAIL_DEFAULT_SENDER", "MAIL_MAX_ATTEMPTS", "ADMIN_NOTIFICATION_EMAILS", "BASE_URL",
    "OUTBOX_RETRY_BASE", "OUTBOX_RETRY_CAP", "OUTBOX_SENDING_TIMEOUT", "OUTBOX_BATCH_SIZE",
    "OFFER_COALESCE_SECONDS", "QUIET_HOURS",
]  # fmt: skip


def process_env(app, backend) -> dict:
    """Environment for a worker or cron process that shares this test's backends and settings."""
    env = dict(os.environ)
    env.update(
        FLASK_CONFIG="testing",
        DATABASE_URL=backend["database_url"],
        REDIS_URL=backend["redis_url"],
        DASHBOARD_INSTANCE_PATH=backend["instance_path"],
        PYTHONUNBUFFERED="1",
    )
    for key in SHARED_SETTINGS:
        value = app.config[key]
        env[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return env


@pytest.fixture
def start_process(app, backend, tmp_path):
    """Start `python worker.py ARGS...`; every process is stopped after the test. Its output goes
    to a file (`proc.log_path`, read with `output(proc)`): a pipe nobody reads fills up with a
    worker's tracebacks and stops it mid-write."""
    started: list[subprocess.Popen] = []

    def start(*args: str) -> subprocess.Popen:
        log_path = tmp_path / f"worker-{len(started) + 1}.log"
        with open(log_path, "w") as log:
            proc = subprocess.Popen(
                [sys.executable, "worker.py", *args],
                cwd=ROOT,
                env=process_env(app, backend),
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
            )
        proc.log_path = log_path
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()  # reaped here, not left "still running" for the next test's setup to report


def output(proc: subprocess.Popen) -> str:
    """What a process started by `start_process` has written so far."""
    return proc.log_path.read_text(errors="replace")


# ------------------------------------------------------------------ email


@pytest.fixture
def smtp_sink():
    """A real SMTP server on loopback (aiosmtpd) that records what it receives."""
    from tests.smtp_sink import SmtpSink

    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def smtp(app, smtp_sink):
    """The app (and any worker started after this) sends to `smtp_sink`, retrying fast."""
    app.config.update(
        MAIL_BACKEND="smtp",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_sink.port,
        MAIL_TIMEOUT=2,
        MAIL_DEFAULT_SENDER="Test Clinic <clinic@clinic.example.org>",
        OUTBOX_RETRY_BASE=0.2,
        OUTBOX_RETRY_CAP=1.0,
    )
    return smtp_sink
