"""Bitrix24's leaky bucket, per webhook: each call adds one, the bucket drains
B24_RATE_LIMIT_PER_SECOND a second, and a call that would overflow B24_RATE_LIMIT_BURST is
refused with 503 QUERY_LIMIT_EXCEEDED, which clients back off and retry on. Off when the
burst is 0. Kept in the cache as the time the bucket will be empty (GCRA); two calls racing
may both pass, so the limit can be exceeded by a call or two, never by a stream."""

import time

from django.conf import settings
from django.core.cache import cache

from .errors import B24Error


def rate_limit_take(key: str) -> None:
    burst, per_second = settings.B24_RATE_LIMIT_BURST, settings.B24_RATE_LIMIT_PER_SECOND
    if not burst:
        return
    now = time.time()
    cache_key = f"b24:bucket:{key}"
    empty_at = max(cache.get(cache_key, now), now)
    level = (empty_at - now) * per_second  # calls still in the bucket
    if level + 1 > burst:
        raise B24Error("Too many requests", code="QUERY_LIMIT_EXCEEDED", status=503)
    empty_at += 1 / per_second
    cache.set(cache_key, empty_at, timeout=int(empty_at - now) + 1)
