"""Timing requests the way a browser or a script sends them: full requests through Django's
test client (middleware, authentication, policy, queries, rendering), so a figure is the
server time."""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

REPEATS = 30


@dataclass(frozen=True)
class Timings:
    timings_ms: list[float]
    queries: int

    @property
    def p50_ms(self) -> float:
        return round(statistics.median(self.timings_ms), 2)

    @property
    def p95_ms(self) -> float:
        ordered = sorted(self.timings_ms)
        return round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 2)


def measure(call: Callable[[], object], *, expect: int, repeats: int = REPEATS) -> Timings:
    """Server time of `call` (one request) over `repeats` calls after one warm-up, and the
    queries one more call makes. Raises if a call does not answer `expect`."""

    def checked() -> None:
        response = call()
        if response.status_code != expect:
            raise RuntimeError(f"answered {response.status_code}, not {expect}: {response}")

    with override_settings(ALLOWED_HOSTS=["testserver"], DEBUG=False):
        checked()  # warm the connection and the caches, as a running server has them
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            checked()
            timings.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            checked()
    return Timings(timings, len(queries))


def time_page(user, url: str, *, repeats: int = REPEATS) -> Timings:
    """Server time of the page at `url` for `user`, signed in."""
    client = Client()
    client.force_login(user)
    return measure(lambda: client.get(url), expect=200, repeats=repeats)
