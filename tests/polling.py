import time

import pytest


def wait_until(condition, *, timeout: float = 20, interval: float = 0.1, message: str = ""):
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(message or f"condition not met within {timeout} s")
