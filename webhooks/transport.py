"""The one place that talks HTTP to webhook receivers (urllib: no extra dependency).

`post` never raises for a remote problem: it returns what happened, already classified as
delivered, recoverable (retry later) or unrecoverable (the receiver refuses it).
"""

import enum
import http.client
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

RESPONSE_EXCERPT_CHARS = 1000
# A receiver answering 408 (timeout) or 429 (too many requests) asks to be tried again.
RETRYABLE_CLIENT_ERRORS = {408, 429}


class Outcome(enum.Enum):
    DELIVERED = "delivered"
    RECOVERABLE = "recoverable"
    UNRECOVERABLE = "unrecoverable"


@dataclass(frozen=True)
class PostResult:
    outcome: Outcome
    response_code: int | None
    response_excerpt: str
    duration_ms: int
    error: str


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as it is (a 3xx result), never followed: a POST turned into a
    GET elsewhere would report a delivery that did not happen."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def outcome_for_status(code: int) -> Outcome:
    if 200 <= code < 300:
        return Outcome.DELIVERED
    if code >= 500 or code in RETRYABLE_CLIENT_ERRORS:
        return Outcome.RECOVERABLE
    return Outcome.UNRECOVERABLE


def _excerpt(response) -> str:
    raw = response.read(RESPONSE_EXCERPT_CHARS * 4) if response is not None else b""
    return raw.decode("utf-8", errors="replace")[:RESPONSE_EXCERPT_CHARS]


def post(*, url: str, body: bytes, headers: dict[str, str], timeout: float) -> PostResult:
    """POST `body` to `url` within `timeout` seconds (connecting and each read)."""
    request = urllib.request.Request(  # noqa: S310  (the URL is validated as http/https)
        url, data=body, headers=headers, method="POST"
    )
    started = time.monotonic()

    def result(outcome: Outcome, code: int | None, excerpt: str = "", error: str = ""):
        duration_ms = int((time.monotonic() - started) * 1000)
        return PostResult(outcome, code, excerpt, duration_ms, error[:RESPONSE_EXCERPT_CHARS])

    try:
        with _opener.open(request, timeout=timeout) as response:
            code = response.status
            return result(outcome_for_status(code), code, _excerpt(response))
    except urllib.error.HTTPError as error:  # an answer, with a status that is not 2xx
        with error:
            excerpt = _excerpt(error)
        return result(outcome_for_status(error.code), error.code, excerpt, f"HTTP {error.code}")
    except TimeoutError as error:
        return result(Outcome.RECOVERABLE, None, error=f"timed out after {timeout} s: {error}")
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            return result(Outcome.RECOVERABLE, None, error=f"timed out after {timeout} s")
        return result(Outcome.RECOVERABLE, None, error=f"connection failed: {error.reason}")
    except (OSError, http.client.HTTPException) as error:
        return result(Outcome.RECOVERABLE, None, error=f"connection failed: {error}")
    except ValueError as error:  # a URL urllib cannot use at all
        return result(Outcome.UNRECOVERABLE, None, error=f"invalid URL: {error}")
