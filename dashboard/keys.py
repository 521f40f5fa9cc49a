"""Development's secret key: generated once into the instance folder, then reused.

Without SECRET_KEY in the environment, a development app (`make run`'s web, worker
and cron, and every `flask` command) signs sessions and patients' links with the key
in instance/secret_key, creating it the first time. Whoever creates it first wins:
the file appears whole or not at all (written aside, then linked into place), so
processes starting together all read the same key.
"""

import contextlib
import os
import secrets
from pathlib import Path

from config import MIN_SECRET_KEY_LENGTH

KEY_FILE = "secret_key"


def key_path(instance_path: str) -> Path:
    return Path(instance_path) / KEY_FILE


def instance_secret_key(instance_path: str) -> str:
    """The key in instance/secret_key (mode 0600), generated there if it isn't yet."""
    path = key_path(instance_path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        aside = path.with_name(f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as file:
                file.write(secrets.token_urlsafe(48) + "\n")
            with contextlib.suppress(FileExistsError):  # another process got there first: theirs wins
                os.link(aside, path)  # atomic: the file appears whole or not at all
        finally:
            aside.unlink(missing_ok=True)
    key = path.read_text().strip()
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise RuntimeError(
            f"{path} holds no usable secret key (fewer than {MIN_SECRET_KEY_LENGTH} characters): "
            "delete it and a new one is generated (everyone is logged out), or set SECRET_KEY."
        )
    return key
