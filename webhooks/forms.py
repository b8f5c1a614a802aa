from django import forms
from django.utils.translation import gettext_lazy as _

from .event_types import event_choices
from .models import http_url_validator


class WebhookSubscriptionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    target_url = forms.URLField(
        label=_("Target URL"),
        max_length=500,
        validators=[http_url_validator],
        assume_scheme="https",
        help_text=_("Events are POSTed here as JSON (http or https)."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=event_choices, widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
