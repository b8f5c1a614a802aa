"""Timing a page the way a browser asks for it: a full request through Django's test client
(middleware, session, policy, queries and template), so the figure is the server time."""

import statistics
import time
from dataclasses import dataclass

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

REPEATS = 30


@dataclass(frozen=True)
class PageTimings:
    timings_ms: list[float]
    queries: int

    @property
    def p50_ms(self) -> float:
        return round(statistics.median(self.timings_ms), 2)

    @property
    def p95_ms(self) -> float:
        ordered = sorted(self.timings_ms)
        return round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 2)


def time_page(user, url: str, *, repeats: int = REPEATS) -> PageTimings:
    """Server time of GET `url` for `user`, over `repeats` requests after one warm-up, and the
    queries one request makes. Raises if the page does not answer 200."""
    with override_settings(ALLOWED_HOSTS=["testserver"], DEBUG=False):
        client = Client()
        client.force_login(user)
        _get(client, url)  # warm the connection and the template caches, as a running server has
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            _get(client, url)
            timings.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            _get(client, url)
    return PageTimings(timings, len(queries))


def _get(client: Client, url: str) -> None:
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")
