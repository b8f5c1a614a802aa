"""The one place that talks HTTP to webhook receivers (http.client: no extra dependency).

`post` never raises for a remote problem: it returns what happened, already classified as
delivered, recoverable (retry later) or unrecoverable (the receiver refuses it).

Receivers are addresses on the public internet. A target whose host resolves to a loopback,
private, link-local, reserved, multicast or unspecified address is refused (server-side
request forgery: the CRM's own admin, a cloud metadata service, a database on the LAN),
unless settings.WEBHOOK_ALLOW_PRIVATE_TARGETS is on (tests, a receiver on the same network).
`post` resolves the host once, checks every address, and connects to the checked address
itself (the Host header and, for https, the certificate check still use the name), so a
second DNS answer cannot swap in another address between the check and the connection.
"""

import enum
import http.client
import ipaddress
import socket
import time
import urllib.parse
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

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


class TargetRefused(Exception):
    """The target may not be sent to: its host is not a public address (for good), or its
    name cannot be resolved now (`recoverable`: it may resolve later)."""

    def __init__(self, message: str, *, recoverable: bool = False):
        super().__init__(message)
        self.recoverable = recoverable


def allow_private_targets() -> bool:
    return bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE_TARGETS", False))


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return ip.is_global and not (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
    )


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def resolve_target(url: str, *, allow_private: bool) -> list[str]:
    """The addresses to connect to for `url` (http or https), every one of them public unless
    `allow_private`. Raises TargetRefused (with a message for people) otherwise, ValueError
    for a URL without a host or with a bad port."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        raise ValueError(f"not an http(s) URL with a host: {url!r}")
    port = parts.port or _default_port(parts.scheme)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise TargetRefused(
            _("The host %(host)s of the target URL cannot be resolved: %(error)s")
            % {"host": host, "error": error},
            recoverable=True,
        ) from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise TargetRefused(
            _("The host %(host)s of the target URL has no address.") % {"host": host}
        )
    if not allow_private:
        refused = [address for address in addresses if not _is_public(address)]
        if refused:
            raise TargetRefused(
                _(
                    "The target URL must be on the public internet: %(host)s is %(address)s, "
                    "a local, private or reserved address."
                )
                % {"host": host, "address": ", ".join(refused)}
            )
    return addresses


def target_refusal(url: str) -> str | None:
    """Why `url` may not be a webhook target, or None when it may (checked when saved). A
    name that does not resolve now is let through: it is resolved and checked again before
    every POST, and DNS trouble on the CRM's side should not block editing a subscription."""
    if allow_private_targets():
        return None
    try:
        resolve_target(url, allow_private=False)
    except TargetRefused as error:
        return None if error.recoverable else str(error)
    except ValueError:
        return None  # the URL validators report a malformed URL
    return None


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to `address` (already checked) for the name in the URL."""

    def __init__(self, host, port=None, *, address: str, **kwargs):
        super().__init__(host, port, **kwargs)
        self._create_connection = _pinned(address)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """The same over TLS: the certificate is checked against the name, not the address."""

    def __init__(self, host, port=None, *, address: str, **kwargs):
        super().__init__(host, port, **kwargs)
        self._create_connection = _pinned(address)


def _pinned(address: str):
    def create_connection(host_port, timeout, source_address=None):
        return socket.create_connection((address, host_port[1]), timeout, source_address)

    return create_connection


def outcome_for_status(code: int) -> Outcome:
    if 200 <= code < 300:
        return Outcome.DELIVERED
    if code >= 500 or code in RETRYABLE_CLIENT_ERRORS:
        return Outcome.RECOVERABLE
    return Outcome.UNRECOVERABLE


def _excerpt(response) -> str:
    raw = response.read(RESPONSE_EXCERPT_CHARS * 4) if response is not None else b""
    return raw.decode("utf-8", errors="replace")[:RESPONSE_EXCERPT_CHARS]


def post(
    *,
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    allow_private: bool = False,
) -> PostResult:
    """POST `body` to `url` within `timeout` seconds (connecting and each read). A redirect
    is answered as it is (a 3xx result), never followed: a POST turned into a GET elsewhere
    would report a delivery that did not happen, and its target would escape the check.
    A target on a local, private or reserved address is refused without a request
    (unrecoverable) unless `allow_private`."""
    started = time.monotonic()

    def result(outcome: Outcome, code: int | None, excerpt: str = "", error: str = ""):
        duration_ms = int((time.monotonic() - started) * 1000)
        return PostResult(outcome, code, excerpt, duration_ms, error[:RESPONSE_EXCERPT_CHARS])

    try:
        parts = urllib.parse.urlsplit(url)
        addresses = resolve_target(url, allow_private=allow_private)
    except ValueError as error:  # a URL that cannot be used at all
        return result(Outcome.UNRECOVERABLE, None, error=f"invalid URL: {error}")
    except TargetRefused as error:
        # an unknown name may resolve later (retry); a private address is refused for good
        outcome = Outcome.RECOVERABLE if error.recoverable else Outcome.UNRECOVERABLE
        return result(outcome, None, error=str(error))
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
    connection = connection_class(parts.hostname, parts.port, address=addresses[0], timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers=headers)
        with connection.getresponse() as response:
            code = response.status
            excerpt = _excerpt(response)
        error = "" if outcome_for_status(code) is Outcome.DELIVERED else f"HTTP {code}"
        return result(outcome_for_status(code), code, excerpt, error)
    except TimeoutError as error:
        return result(Outcome.RECOVERABLE, None, error=f"timed out after {timeout} s: {error}")
    except (OSError, http.client.HTTPException) as error:
        return result(Outcome.RECOVERABLE, None, error=f"connection failed: {error}")
    finally:
        connection.close()
