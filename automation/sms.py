"""Sending SMS for robots: one provider class, named by settings.AUTOMATION_SMS_PROVIDER.

A provider has a `name` and `send(*, phone, text, item, entity_type) -> str` that returns the
provider's id of the message. It raises core.tasks.RetryableError for a passing failure (the
network, the provider's 5xx: the robot run is tried again) and SmsRefused for a message the
provider will never take (a number it does not serve, no balance left: the run fails).

The default RecordingProvider sends nothing: it keeps every message in SmsMessage, the outbox
a real provider would send from, so demos and tests show what robots would have sent.
"""

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from .models import SmsMessage


class SmsRefused(Exception):  # noqa: N818 (the provider's answer, named as it says it)
    """The provider refuses the message for good; the text says why, for people."""


class SmsProvider:
    name: str = ""

    def send(self, *, phone: str, text: str, item, entity_type: str) -> str:
        raise NotImplementedError


class RecordingProvider(SmsProvider):
    """Stores the message (SmsMessage) and sends nothing."""

    name = "recording"

    @transaction.atomic
    def send(self, *, phone: str, text: str, item, entity_type: str) -> str:
        message = SmsMessage.objects.create(
            phone=phone, text=text, provider=self.name, entity_type=entity_type,
            entity_id=item.pk if item is not None else None,
        )  # fmt: skip
        return str(message.pk)


def sms_provider() -> SmsProvider:
    """An instance of the provider class settings.AUTOMATION_SMS_PROVIDER names (a dotted
    path); ImportError when it names nothing."""
    return import_string(settings.AUTOMATION_SMS_PROVIDER)()
