"""The Message-ID of an e-mail the CRM sends names the activity that logged it, signed with
the SECRET_KEY: a reply quoting it (In-Reply-To/References) is threaded onto the same items,
and a made-up header cannot attach mail to somebody else's deal."""

import re

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "activities.message_ids"
PATTERN = re.compile(r"<crm\.activity\.(\d+)\.([0-9a-f]{16})@[^>]+>")


def _signature(activity_id: int) -> str:
    return salted_hmac(SALT, str(activity_id)).hexdigest()[:16]


def activity_message_id(activity_id: int) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    return f"<crm.activity.{activity_id}.{_signature(activity_id)}@{domain}>"


def activity_id_from_message_id(message_id: str) -> int | None:
    """The activity whose e-mail carried `message_id`, when it is one of ours; else None."""
    match = PATTERN.fullmatch(message_id.strip())
    if match is None or not constant_time_compare(match[2], _signature(int(match[1]))):
        return None
    return int(match[1])
