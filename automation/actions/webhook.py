"""A robot action that tells an outside system about the item: a JSON POST to a URL.

It goes through the webhooks app's transport, which refuses local, private and reserved
addresses and connects to the address it checked. A passing failure (the network, a timeout,
a 5xx, 408 or 429) is retried by the engine; any other refusal of the receiver fails the run.
"""

import json
import urllib.parse

from django import forms
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.tasks import RetryableError
from webhooks import transport
from webhooks.snapshots import SNAPSHOTS

from .base import Action, ActionForm, ActionRefused, RunContext, register

DEFAULT_TIMEOUT_SECONDS = 10


class CallWebhookForm(ActionForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    timeout_seconds = forms.IntegerField(
        label=_("Timeout, seconds"), min_value=1, max_value=30, required=False,
        initial=DEFAULT_TIMEOUT_SECONDS,
    )  # fmt: skip

    def clean_url(self):
        url = self.cleaned_data["url"]
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise forms.ValidationError(_("Only an http or https URL can be called."))
        refusal = transport.target_refusal(url)  # None when private targets are allowed
        if refusal:
            raise forms.ValidationError(refusal)
        return url

    def clean_timeout_seconds(self):
        timeout = self.cleaned_data.get("timeout_seconds")
        return DEFAULT_TIMEOUT_SECONDS if timeout is None else timeout


@register
class CallWebhookAction(Action):
    key = "automation.call_webhook"
    label = _("Call a webhook")
    form_class = CallWebhookForm

    def run(self, context: RunContext) -> dict:
        body = {
            "event": "robot",
            "robot": context.robot.name,
            "entity_type": context.entity_type,
            "entity_id": context.item.pk,
            "item": SNAPSHOTS[context.entity_type](context.item.pk),
        }
        headers = {"Content-Type": "application/json", "User-Agent": "CRM-Robot/1"}
        if context.run is not None:
            # the same run retried carries the same key: the receiver can drop a repeat
            headers["Idempotency-Key"] = f"robot-run-{context.run.pk}"
        result = transport.post(
            url=context.settings["url"],
            body=json.dumps(body, cls=DjangoJSONEncoder).encode(),
            headers=headers,
            timeout=float(context.settings.get("timeout_seconds") or DEFAULT_TIMEOUT_SECONDS),
            allow_private=transport.allow_private_targets(),
        )
        if result.outcome is transport.Outcome.RECOVERABLE:
            raise RetryableError(
                gettext("The webhook did not answer well: %(error)s") % {"error": result.error}
            )
        if result.outcome is transport.Outcome.UNRECOVERABLE:
            raise ActionRefused(
                gettext("The webhook refused the call: %(error)s") % {"error": result.error}
            )
        return {
            "summary": gettext("HTTP %(code)s") % {"code": result.response_code},
            "status_code": result.response_code,
        }
