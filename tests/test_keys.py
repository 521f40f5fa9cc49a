"""Keys that are secret, production's refusals, HSTS, and Redis started only where it belongs."""

import os
import runpy
import stat
import subprocess
import sys

import pytest
from flask import Flask

from config import CONFIGS, DEFAULT_SECRET_KEY
from dashboard import create_app, redis_server
from dashboard.extensions import db
from dashboard.keys import key_path
from dashboard.security import HSTS
from tests.conftest import ROOT, make_app
from tests.helpers import wait_for
from tests.test_app_factory import production

# ------------------------------------------------------------------ keys


@pytest.fixture
def development_app(backend, monkeypatch):
    """Makes development apps (FLASK_CONFIG unset) with SECRET_KEY unset, on this run's backends;
    their connections are closed after the test."""
    made: list[Flask] = []

    def make(instance, **overrides) -> Flask:
        monkeypatch.setenv("DASHBOARD_INSTANCE_PATH", str(instance))
        monkeypatch.delenv("SECRET_KEY", raising=False)
        # The configuration classes as a shell without SECRET_KEY reads them (config reads it on import).
        fresh = runpy.run_path(str(ROOT / "config.py"))
        monkeypatch.setitem(CONFIGS, "development", fresh["DevelopmentConfig"])
        config = {
            "SQLALCHEMY_DATABASE_URI": backend["database_url"],
            "REDIS_URL": backend["redis_url"],
            "BASE_URL": "http://clinic.test",
        }
        made.append(create_app("development", {**config, **overrides}))
        return made[-1]

    yield make
    for app in made:
        dispose(app)


def dispose(app: Flask) -> None:
    with app.app_context():
        db.engine.dispose()


def forged_session(app: Flask, key: str, session_id: str) -> str:
    """A session cookie saying the user `session_id` names (User.get_id) is logged in, signed with
    `key` the way Flask signs them."""
    forger = Flask("forger")
    forger.config.update(app.config, SECRET_KEY=key)
    serializer = forger.session_interface.get_signing_serializer(forger)
    return serializer.dumps({"_user_id": session_id, "_fresh": True})


def test_a_session_forged_with_the_public_key_opens_nothing_in_development(app, people, development_app, tmp_path):
    dev = development_app(tmp_path)
    owner = people["owner"]

    client = dev.test_client()
    client.set_cookie("session", forged_session(dev, DEFAULT_SECRET_KEY, owner.get_id()))
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/login" in response.headers["Location"]

    # The same forgery with the key the app really uses does open it: the test forges correctly.
    insider = dev.test_client()
    insider.set_cookie("session", forged_session(dev, dev.config["SECRET_KEY"], owner.get_id()))
    assert insider.get("/admin/users").status_code == 200
    assert dev.config["SECRET_KEY"] != DEFAULT_SECRET_KEY


def test_development_generates_its_key_once_into_the_instance_folder(development_app, tmp_path):
    first = development_app(tmp_path / "one").config["SECRET_KEY"]
    path = key_path(str(tmp_path / "one"))
    assert path.read_text().strip() == first and len(first) >= 64  # token_urlsafe(48): 64 characters
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    written = path.stat().st_mtime_ns

    again = development_app(tmp_path / "one").config["SECRET_KEY"]
    assert again == first and path.stat().st_mtime_ns == written
    assert development_app(tmp_path / "two").config["SECRET_KEY"] != first
    assert [p.name for p in (tmp_path / "one").iterdir() if "secret" in p.name] == ["secret_key"]


def test_a_flask_command_in_development_uses_the_same_key(backend, development_app, tmp_path):
    key = development_app(tmp_path).config["SECRET_KEY"]
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "FLASK_CONFIG", "REDIS_URL")}
    env.update(DASHBOARD_INSTANCE_PATH=str(tmp_path), DATABASE_URL=backend["database_url"])
    script = "from dashboard import create_app; print(create_app().config['SECRET_KEY'])"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == key


def test_a_secret_key_from_the_environment_wins_and_writes_no_file(development_app, tmp_path):
    dev = development_app(tmp_path, SECRET_KEY="Ngātiwai-Pōmare's-own-key-" * 2)
    assert dev.config["SECRET_KEY"] == "Ngātiwai-Pōmare's-own-key-" * 2
    assert not key_path(str(tmp_path)).exists()


def test_an_unusable_key_file_is_refused_clearly(development_app, tmp_path):
    key_path(str(tmp_path)).write_text("short\n")
    with pytest.raises(RuntimeError, match="holds no usable secret key"):
        development_app(tmp_path)


def test_only_tests_use_the_public_key():
    from config import DevelopmentConfig, ProductionConfig, TestingConfig

    assert TestingConfig.SECRET_KEY == DEFAULT_SECRET_KEY
    assert DEFAULT_SECRET_KEY not in (DevelopmentConfig.SECRET_KEY, ProductionConfig.SECRET_KEY)


@pytest.mark.parametrize("key", ["a" * 40, "Z" * 100, "k3y-" * 7 + "1", "x" * 31, DEFAULT_SECRET_KEY, ""])
def test_production_refuses_short_or_repeated_keys(backend, key):
    with pytest.raises(RuntimeError, match="at least 32 ASCII characters, not one character repeated"):
        production(backend, SECRET_KEY=key)


def test_production_takes_a_random_key_of_32_characters(backend):
    assert production(backend, SECRET_KEY="Ngatiwai-Pomare's-key-0123456789")  # 32 characters


def test_production_refuses_a_key_flask_login_cannot_sign_with(backend):
    """Remember cookies are signed with the key as Latin-1: a macron in it failed every 'keep me logged in'."""
    with pytest.raises(RuntimeError, match="ASCII characters"):
        production(backend, SECRET_KEY="Ngātiwai-Pōmare's-production-key-0123456789")


# ---------------------------------------------------------- production


def test_production_refuses_to_start_without_redis_url(backend):
    with pytest.raises(RuntimeError, match="REDIS_URL must be set in production"):
        production(backend, REDIS_URL="")


def test_production_sends_hsts(backend):
    app = production(backend)
    response = app.test_client().get("/login")
    dispose(app)
    assert response.headers["Strict-Transport-Security"] == HSTS == "max-age=31536000; includeSubDomains"


def test_development_and_tests_send_no_hsts(client, development_app, tmp_path):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    dev = development_app(tmp_path)
    assert "Strict-Transport-Security" not in dev.test_client().get("/login").headers


# -------------------------------------------------------- embedded Redis


def no_redis_env(instance) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "FLASK_CONFIG")}
    env.update(DASHBOARD_INSTANCE_PATH=str(instance), PYTHONUNBUFFERED="1")
    return env


def redis_servers_for(instance) -> list[str]:
    """redis-server processes started for `instance` (its socket path is on their command line)."""
    found = subprocess.run(["pgrep", "-f", f"redis-server.*{instance}"], capture_output=True, text=True)
    return found.stdout.split()


@pytest.fixture
def bare_instance(tmp_path):
    instance = tmp_path / "instance"
    yield instance
    redis_server.stop(str(instance))  # only if a test failed and one was left


def test_the_app_factory_starts_no_redis_server(development_app, bare_instance):
    dev = development_app(bare_instance, REDIS_URL="")
    assert dev.config["REDIS_URL"] == f"unix://{bare_instance / 'redis.sock'}"
    assert not redis_server.is_running(str(bare_instance))
    # Pages still answer, as in any Redis outage; once `make run` starts it, it is used.
    assert dev.test_client().get("/login").status_code == 200
    redis_server.ensure_running(str(bare_instance))
    assert dev.extensions["redis"].ping()


def test_emails_preview_leaves_no_redis_server_behind(bare_instance, tmp_path):
    out = tmp_path / "preview"
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "emails", "preview", "--out", str(out)]
    result = subprocess.run(command, cwd=ROOT, env=no_redis_env(bare_instance), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "Wrote" in result.stdout and any(out.glob("*.eml"))
    wait_for(lambda: not redis_servers_for(bare_instance), timeout=5, message="no redis-server for the instance")
    assert not (bare_instance / "redis.pid").exists() and not (bare_instance / "redis.sock").exists()


def test_a_worker_without_redis_says_so_and_starts_none(bare_instance):
    result = subprocess.run(
        [sys.executable, "worker.py", "--burst"],
        cwd=ROOT,
        env=no_redis_env(bare_instance),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Redis isn't running at unix://" in result.stderr
    assert "start the system with `make run`, or set REDIS_URL" in result.stderr
    assert not redis_servers_for(bare_instance)


def test_outbox_flush_without_redis_says_so(backend, _schema):
    app = make_app(backend, REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens on port 1
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["outbox", "flush"])
    dispose(app)
    assert result.exit_code == 1
    assert "Redis isn't running at redis://127.0.0.1:1/0" in result.output
    assert "flask outbox flush --here" in result.output
