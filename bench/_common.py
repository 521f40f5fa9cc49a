"""Shared plumbing for the benchmarks: a scratch folder, child processes, the app, and the report.

Every benchmark works in its own `tempfile.mkdtemp()` folder (SQLite file, embedded
Redis on a unix socket, logs) and never touches instance/. Every process it starts
is registered here and stopped at the end, by its own id.
"""

import contextlib
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dashboard import create_app, redis_server  # noqa: E402
from tests.smtp_sink import free_port  # noqa: E402

SENDER = "Harbourside Clinic <clinic@clinic.example.org>"

# Settings a worker or web process takes over from the benchmark's app (as tests.conftest.process_env).
SHARED_SETTINGS = [
    "MAIL_BACKEND", "MAIL_SERVER", "MAIL_PORT", "MAIL_TIMEOUT", "MAIL_USE_TLS", "MAIL_USE_SSL",
    "MAIL_DEFAULT_SENDER", "MAIL_MAX_ATTEMPTS", "ADMIN_NOTIFICATION_EMAILS", "BASE_URL",
    "OUTBOX_RETRY_BASE", "OUTBOX_RETRY_CAP", "OUTBOX_SENDING_TIMEOUT", "OUTBOX_BATCH_SIZE", "LOG_LEVEL",
]  # fmt: skip


class TimeLimit(Exception):
    """The benchmark ran past its time limit."""


def time_limit(seconds: int) -> None:
    """Raise TimeLimit in the main thread after `seconds`, or on SIGTERM, so cleanup still runs."""

    def _expired(signum, frame):
        raise TimeLimit(f"benchmark exceeded its {seconds} s limit")

    def _terminated(signum, frame):
        raise TimeLimit("benchmark stopped by SIGTERM")

    signal.signal(signal.SIGALRM, _expired)
    signal.signal(signal.SIGTERM, _terminated)
    signal.alarm(seconds)


class Scratch:
    """A scratch folder with its own SQLite DB and embedded Redis, and the processes started in it."""

    def __init__(self, name: str):
        self.dir = tempfile.mkdtemp(prefix=f"bench-{name}-")
        self.database_url = f"sqlite:///{self.dir}/bench.db"
        self.redis_url: str | None = None
        self.processes: list[subprocess.Popen] = []
        self._logs: list = []

    def __enter__(self) -> "Scratch":
        os.environ["DASHBOARD_INSTANCE_PATH"] = self.dir
        self.redis_url = redis_server.ensure_running(self.dir)
        return self

    def __exit__(self, *exc) -> None:
        for proc in self.processes:
            self.stop(proc)
        for log in self._logs:
            log.close()
        redis_server.stop(self.dir)
        shutil.rmtree(self.dir, ignore_errors=True)

    # ------------------------------------------------------------ the app

    def app(self, **overrides):
        return create_app("testing", self.config(**overrides))

    def config(self, **overrides) -> dict:
        """App config overrides pointing at this scratch folder's database and Redis."""
        config = {
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "REDIS_URL": self.redis_url,
            "MAIL_BACKEND": "outbox",
            "MAIL_DEFAULT_SENDER": SENDER,
            "ADMIN_NOTIFICATION_EMAILS": "",
            "BASE_URL": "http://clinic.test",
            "LOG_LEVEL": "WARNING",
        }
        config.update(overrides)
        return config

    def env(self, app, **extra: str) -> dict:
        """Environment for a worker or web process sharing this scratch folder and the app's settings."""
        env = dict(os.environ)
        env.update(
            FLASK_CONFIG="testing",
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            DASHBOARD_INSTANCE_PATH=self.dir,
            PYTHONUNBUFFERED="1",
            PYTHONPATH=str(ROOT),
        )
        for key in SHARED_SETTINGS:
            value = app.config[key]
            env[key] = str(value).lower() if isinstance(value, bool) else str(value)
        env.update(extra)
        return env

    # ------------------------------------------------------------ processes

    def start(self, args: list[str], env: dict | None = None, log_name: str = "process") -> subprocess.Popen:
        """Start a child in its own process group (so its forks die with it); output goes to a log file."""
        log = open(Path(self.dir) / f"{log_name}.log", "ab")  # noqa: SIM115 (closed in __exit__)
        self._logs.append(log)
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(proc)
        return proc

    def log_tail(self, log_name: str, lines: int = 20) -> str:
        path = Path(self.dir) / f"{log_name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    @staticmethod
    def stop(proc: subprocess.Popen, sig: int = signal.SIGINT, timeout: float = 5) -> None:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, sig)
                proc.wait(timeout=timeout)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=timeout)

    def kill(self, proc: subprocess.Popen) -> None:
        """SIGKILL the process and everything in its process group, at once."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def start_sink(self, delay: float = 0.0, record: str | None = None) -> tuple[subprocess.Popen, int]:
        """`python -m tests.smtp_sink` in another process; returns it and its port once it accepts."""
        port = free_port()
        args = [sys.executable, "-m", "tests.smtp_sink", "--port", str(port), "--delay", str(delay)]
        if record:
            args += ["--record", record]
        proc = self.start(args, env=self.env_plain(), log_name=f"sink-{port}")
        wait_for_port(port, proc)
        return proc, port

    def start_worker(self, app, *args: str, log_name: str = "worker", **extra: str) -> subprocess.Popen:
        return self.start([sys.executable, "worker.py", *args], env=self.env(app, **extra), log_name=log_name)

    @staticmethod
    def env_plain() -> dict:
        return {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)}


def wait_for_port(port: int, proc: subprocess.Popen | None = None, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process {proc.args} exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing listening on 127.0.0.1:{port} after {timeout} s") from None
            time.sleep(0.05)


def wait_process(proc: subprocess.Popen, timeout: float, what: str) -> int:
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"{what} did not finish within {timeout} s") from None


def record_lines(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8") as f:
            return [line.strip() for line in f if line.strip()]
    except FileNotFoundError:
        return []


def wait_until_stable(count, quiet: float, deadline: float) -> int:
    """Poll `count()` until it has not grown for `quiet` seconds (or `deadline` seconds pass)."""
    end = time.monotonic() + deadline
    last, since = count(), time.monotonic()
    while time.monotonic() < end:
        time.sleep(0.1)
        now = count()
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
    return last


# ------------------------------------------------------------------ report


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    return statistics.median(values)


def ratio_figure(name: str, ours: float, floor_name: str, floor: float, target: float | None) -> str:
    """'ours / floor = N.Nx (target <= M x)' first, then the two absolute times (given in seconds) beside it."""

    def ms(seconds: float) -> str:
        return f"{seconds * 1000:.3f} ms" if seconds < 0.001 else f"{seconds * 1000:.1f} ms"

    ratio = ours / floor
    goal = "no target" if target is None else f"target <= {target:g}x"
    return f"{name} / {floor_name} = {ratio:.{2 if ratio < 1 else 1}f}x ({goal}): {ms(ours)} vs {ms(floor)}"


class Report:
    """Collects figures and verdicts; prints them; the exit code says whether every target was met."""

    def __init__(self, title: str):
        self.title = title
        self.failures: list[str] = []
        print(f"== {title} ==", flush=True)

    @staticmethod
    def line(text: str = "") -> None:
        print(text, flush=True)

    def check(self, name: str, ok: bool, detail: str) -> bool:
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}", flush=True)
        if not ok:
            self.failures.append(name)
        return ok

    def finish(self) -> int:
        verdict = "PASS" if not self.failures else f"FAIL ({', '.join(self.failures)})"
        print(f"RESULT {self.title}: {verdict}", flush=True)
        return 0 if not self.failures else 1


def stdlib_message(row):
    """A row as the conventional `email` package message a bare smtplib loop (or
    Flask-Mail) would send: the baselines' messages. `row` has subject, html,
    text, recipients and attachments (filename, content_type, data)."""
    from email.message import EmailMessage
    from email.utils import formatdate, make_msgid

    from flask import current_app

    message = EmailMessage()
    message["Subject"] = row.subject
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = ", ".join(row.recipients)
    message["Date"] = formatdate()
    message["Message-ID"] = make_msgid(domain="bench.example.org")
    message.set_content(row.text)
    message.add_alternative(row.html, subtype="html")
    for attachment in row.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            attachment.data, maintype=maintype, subtype=subtype.split(";")[0].strip(), filename=attachment.filename
        )
    return message
