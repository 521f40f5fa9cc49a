"""Start the whole system on embedded defaults: web, worker and cron.

Run by `make run`. Migrates the database, loads the demo clinic the first
time, starts the embedded Redis (when REDIS_URL is unset; the only command
besides the test session that does, and it stops it again), then the three
processes (with the demo's payment instructions, unless .env or the shell
sets them), and prints where to log in. The web process is gunicorn, as in
production, serving on HOST and PORT; unless BASE_URL is set, links in emails
point there too, and the three processes are handed the one BASE_URL (workers
and cron write emails as well) and the one SECRET_KEY (unless set, the one
generated into instance/secret_key the first time). Ctrl-C stops all of them
cleanly: gunicorn finishes the requests it is serving first.
"""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config import dev_server, served_url  # noqa: E402
from dashboard import create_app, redis_server  # noqa: E402
from dashboard.services.demo import STAFF, demo_environment  # noqa: E402

PYTHON = sys.executable


def flask(*args: str, env: dict) -> None:
    subprocess.run([PYTHON, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env, check=True)


def wait_until_serving(url: str, web: subprocess.Popen, stopping=lambda: False, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and web.poll() is None and not stopping():
        try:
            with urllib.request.urlopen(url, timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # it answers (503 while Redis warms up is still an answer)
        except OSError:
            time.sleep(0.2)
    return False


def web_command(host: str, port: str) -> list[str]:
    """gunicorn, as production serves: two workers of four threads for a two-core laptop,
    each request logged to stdout, ten seconds for requests in flight when stopped, and no
    control socket (its default is one per user, in ~/.gunicorn, shared by every checkout)."""
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return [
        PYTHON, "-m", "gunicorn", "--bind", bind, "--workers", "2", "--threads", "4",
        "--access-logfile", "-", "--graceful-timeout", "10", "--no-control-socket", "wsgi:app",
    ]  # fmt: skip


def main() -> int:
    host, port = dev_server()
    address = served_url(host, port)
    app = create_app()  # in development, generates instance/secret_key the first time
    started_redis = not os.environ.get("REDIS_URL")
    if started_redis:
        redis_server.ensure_running(app.instance_path)  # app.config["REDIS_URL"] is its socket
    base_url = app.config["BASE_URL"]
    # os.environ has .env in it by now (config loads it): a clinic's own settings win over the demo's.
    shared = {"REDIS_URL": app.config["REDIS_URL"], "BASE_URL": base_url, "SECRET_KEY": app.config["SECRET_KEY"]}
    env = demo_environment(dict(os.environ, **shared, PYTHONUNBUFFERED="1"))

    processes: dict[str, subprocess.Popen] = {}
    stopping = False

    def stop(signum=None, frame=None):
        nonlocal stopping
        stopping = True

    exit_code = 0
    try:
        flask("db", "upgrade", env=env)
        flask("seed-demo", "--if-empty", env=env)

        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, stop)
        commands = {
            "web": web_command(host, port),
            "worker": [PYTHON, "worker.py"],
            "cron": [PYTHON, "worker.py", "--cron"],
        }
        # gunicorn in a process group of its own: Ctrl-C's SIGINT (a quick shutdown to gunicorn,
        # dropping requests) reaches only us, and we stop it with SIGTERM (a graceful one).
        for name, cmd in commands.items():
            processes[name] = subprocess.Popen(cmd, cwd=ROOT, env=env, process_group=0 if name == "web" else None)

        if not wait_until_serving(f"{address}/healthz", processes["web"], lambda: stopping):
            print("The web process did not come up; see its output above.", flush=True)

        password = app.config["DEMO_PASSWORD"]
        logins = "\n".join(f"    {username:<12} {role.label:<13} {name}" for username, name, role, *_ in STAFF)
        print(
            f"\n  {app.config['CLINIC_NAME']} is running at {address}/\n"
            f"  Demo logins (password: {password}):\n{logins}\n"
            f"  Database: {app.config['SQLALCHEMY_DATABASE_URI']}\n  Redis:    {app.config['REDIS_URL']}\n"
            f"  Links in emails: {base_url}\n"
            "  Press Ctrl-C to stop web, worker and cron.\n",
            flush=True,
        )

        while not stopping:
            for name, proc in processes.items():
                if proc.poll() is not None:
                    print(f"{name} exited with code {proc.returncode}; stopping the rest.", flush=True)
                    exit_code = proc.returncode or 1
                    stopping = True
            time.sleep(0.5)
    finally:
        for proc in processes.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in processes.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
        if started_redis:
            redis_server.stop(app.instance_path)
    print("Stopped.", flush=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
