"""How a webhook body is signed: HMAC-SHA256 over "<timestamp>.<body>" with the subscription's
secret, sent as `X-CRM-Signature: sha256=<hex>`. Receivers recompute it (docs/webhooks.md)."""

import hashlib
import hmac
import json
import secrets
import time

SIGNATURE_PREFIX = "sha256="


def secret_generate() -> str:
    """64 hexadecimal characters (256 random bits)."""
    return secrets.token_hex(32)


def body_encode(payload: dict) -> bytes:
    """The exact bytes sent, and signed: compact UTF-8 JSON with sorted keys."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def signature_compute(*, secret: str, timestamp: str, body: bytes) -> str:
    message = timestamp.encode() + b"." + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_PREFIX}{digest}"


def signed_headers(
    *, secret: str, body: bytes, content_type: str, event: str, user_agent: str
) -> dict[str, str]:
    """The headers of a signed POST: its type, who sends it, the event, and the signature of
    the body at this second."""
    timestamp = str(int(time.time()))
    return {
        "Content-Type": content_type,
        "User-Agent": user_agent,
        "X-CRM-Event": event,
        "X-CRM-Timestamp": timestamp,
        "X-CRM-Signature": signature_compute(secret=secret, timestamp=timestamp, body=body),
    }


def signature_is_valid(*, secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does (constant-time comparison)."""
    expected = signature_compute(secret=secret, timestamp=timestamp, body=body)
    return hmac.compare_digest(expected, signature)
