from django import forms
from django.utils.translation import gettext_lazy as _

from .event_types import event_choices, event_types_for
from .models import PayloadFormat, http_url_validator


def payload_format_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Payload format"),
        choices=PayloadFormat.choices,
        initial=PayloadFormat.JSON,
        required=False,  # JSON when left out
        help_text=_(
            "Bitrix24: the events ONCRM… are POSTed form-encoded as Bitrix24 sends them, "
            "auth[application_token] being the secret."
        ),
    )


class PayloadFormatMixin:
    """The format (JSON when left out) and events of its catalogue only: both catalogues
    are offered side by side, an event of the other one is an error on `events`."""

    def clean_payload_format(self) -> str:
        return self.cleaned_data["payload_format"] or PayloadFormat.JSON

    def clean(self):
        cleaned_data = super().clean()
        events, payload_format = cleaned_data.get("events"), cleaned_data.get("payload_format")
        if events is not None and payload_format is not None:
            catalogue = event_types_for(payload_format)
            other = [event for event in events if event not in catalogue]
            if other:
                self.add_error(
                    "events",
                    _("These events are not of the chosen format: %s") % ", ".join(other),
                )
        return cleaned_data


class WebhookSubscriptionForm(PayloadFormatMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    target_url = forms.URLField(
        label=_("Target URL"),
        max_length=500,
        validators=[http_url_validator],
        assume_scheme="https",
        help_text=_("Events are POSTed here as JSON (http or https)."),
    )
    payload_format = payload_format_field()
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=event_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Pick the events of the chosen format."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
