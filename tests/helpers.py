"""Waiting for things without bare sleeps."""

import time


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.05, message: str = "condition"):
    """Poll `predicate` until it returns something truthy, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)
