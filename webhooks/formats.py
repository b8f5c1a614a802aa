"""What a delivery says, in its subscription's format: the one place bodies are built.

The stored payload (WebhookDelivery.payload, kept for redelivery) is written when the event
is queued (json_payload, bitrix24_payload); the bytes POSTed are built from it at each
attempt (body_build), where a Bitrix24 body gets its `auth` fields with the subscription's
current secret as `application_token` (so the secret is not copied into the log, and a
rotated secret applies to retries).

- "json": compact UTF-8 JSON, `{"event", "occurred_at", "data"}` (signing.body_encode).
- "bitrix24": Bitrix24's event callback (bitrix24-rest.md §2.10), form-encoded with PHP's
  flattened keys: `event=ONCRMDEALADD&event_handler_id=<subscription id>&data[FIELDS][ID]=7
  &ts=…&auth[domain]=…&auth[client_endpoint]=https://<host>/rest/&auth[server_endpoint]=…
  &auth[member_id]=…&auth[application_token]=<secret>`.

Both are signed the same way (X-CRM-Signature over the exact bytes).
"""

import datetime
import urllib.parse

from django.conf import settings
from django.utils.crypto import salted_hmac

from .signing import body_encode

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
MEMBER_ID_SALT = "webhooks.formats.bitrix24_member_id"


def json_payload(*, event: str, data: dict, now: datetime.datetime) -> dict:
    return {"event": event, "occurred_at": now.isoformat(), "data": data}


def bitrix24_payload(*, event: str, handler_id: int, fields: dict, now: datetime.datetime) -> dict:
    """Bitrix24's event without its `auth` (added when sent): only the item's id in FIELDS
    (ONCRMDEALMOVETOCATEGORY also CATEGORY_ID and STAGE_ID)."""
    return {
        "event": event,
        "event_handler_id": handler_id,
        "data": {"FIELDS": fields},
        "ts": int(now.timestamp()),
    }


def site_domain() -> str:
    """This CRM's host as receivers see it: the first of ALLOWED_HOSTS that names a host
    ("*" skipped, ".example.com" read as example.com), else "localhost"."""
    for host in settings.ALLOWED_HOSTS:
        host = host.strip().lstrip(".")
        if host and host != "*":
            return host
    return "localhost"


def member_id() -> str:
    """A stable id of this installation (Bitrix24's 32 hex digits), derived from SECRET_KEY
    through an HMAC: it does not reveal the key."""
    return salted_hmac(MEMBER_ID_SALT, "member_id").hexdigest()[:32]


def bitrix24_auth(*, secret: str) -> dict:
    """The fields Bitrix24 gives an outgoing webhook's events. This CRM is its own OAuth
    server, so server_endpoint is its REST address too."""
    endpoint = f"https://{site_domain()}/rest/"
    return {
        "domain": site_domain(),
        "client_endpoint": endpoint,
        "server_endpoint": endpoint,
        "member_id": member_id(),
        "application_token": secret,
    }


def php_flatten(value, prefix: str = "") -> list[tuple[str, str]]:
    """`{"data": {"FIELDS": {"ID": 7}}}` → `[("data[FIELDS][ID]", "7")]`, as PHP's
    http_build_query writes nested arrays (lists by index, None as "", booleans as 1/0)."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    else:
        if value is None:
            text = ""
        elif isinstance(value, bool):
            text = "1" if value else "0"
        else:
            text = str(value)
        return [(prefix, text)]
    pairs = []
    for key, item in items:
        pairs += php_flatten(item, f"{prefix}[{key}]" if prefix else str(key))
    return pairs


def body_build(*, payload_format: str, payload: dict, secret: str) -> tuple[bytes, str]:
    """The bytes to POST for a stored payload and their Content-Type."""
    if payload_format == "bitrix24":
        fields = {**payload, "auth": bitrix24_auth(secret=secret)}
        return urllib.parse.urlencode(php_flatten(fields)).encode(), FORM_CONTENT_TYPE
    return body_encode(payload), JSON_CONTENT_TYPE
