"""`make run` (scripts/devstack.py): gunicorn, one generated key, the embedded Redis stopped on Ctrl-C."""

import os
import signal
import stat
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from dashboard import redis_server
from tests.conftest import ROOT
from tests.helpers import wait_for
from tests.smtp_sink import free_port

sys.path.insert(0, str(ROOT / "scripts"))
import devstack  # noqa: E402


def test_the_web_process_is_gunicorn_bound_on_host_and_port():
    command = devstack.web_command("0.0.0.0", "8123")
    assert command[1:3] == ["-m", "gunicorn"] and command[-1] == "wsgi:app"
    options = dict(zip(command[3:-1:2], command[4:-1:2], strict=False))
    assert options["--bind"] == "0.0.0.0:8123"
    assert options["--workers"] == "2" and options["--threads"] == "4"
    assert options["--access-logfile"] == "-"
    assert "flask" not in command
    assert devstack.web_command("::1", "5000")[4] == "[::1]:5000"


def get(url: str):
    try:
        return urllib.request.urlopen(url, timeout=5)
    except urllib.error.HTTPError as error:
        return error


@pytest.mark.slow
def test_make_run_serves_with_gunicorn_one_key_and_stops_everything_on_ctrl_c(tmp_path):
    instance = tmp_path / "instance"
    port = str(free_port())
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "SECRET_KEY", "FLASK_CONFIG")}
    env.update(DASHBOARD_INSTANCE_PATH=str(instance), PORT=port, HOST="127.0.0.1", PYTHONUNBUFFERED="1")
    log_path = tmp_path / "run.log"
    with open(log_path, "w") as log:
        run = subprocess.Popen(
            [sys.executable, "scripts/devstack.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal's `make run` is
        )  # fmt: skip
    try:
        wait_for(lambda: "is running at" in log_path.read_text() or run.poll() is not None, timeout=240, interval=0.5)
        assert run.poll() is None, log_path.read_text()
        response = get(f"http://127.0.0.1:{port}/login")
        assert response.status == 200
        assert response.headers["Server"] == "gunicorn", response.headers["Server"]
        assert "Strict-Transport-Security" not in response.headers  # development is plain HTTP
        access_log = wait_for(lambda: "GET /login" in log_path.read_text() and log_path.read_text(), message="log")
        assert '"GET /login HTTP/1.1" 200' in access_log

        key = instance / "secret_key"
        assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_text().strip()) >= 64
        assert redis_server.is_running(str(instance))

        os.killpg(run.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the whole foreground group
        assert run.wait(timeout=60) == 0, log_path.read_text()
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
        redis_server.stop(str(instance))
    text = log_path.read_text()
    assert "Stopped." in text and "Handling signal: term" in text  # gunicorn was stopped gracefully
    assert not redis_server.is_running(str(instance)) and not (instance / "redis.sock").exists()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
