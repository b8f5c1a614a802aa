from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Scope


class WebhookForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    scopes = forms.MultipleChoiceField(label=_("Scopes"), choices=Scope.choices,
                                       widget=forms.CheckboxSelectMultiple, initial=[Scope.CRM])  # fmt: skip
    expires_at = forms.DateTimeField(label=_("Expires"), required=False,
                                     widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))  # fmt: skip
