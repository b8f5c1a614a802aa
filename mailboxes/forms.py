from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Mailbox
from .services import MAILBOX_FIELDS


class MailboxForm(forms.ModelForm):
    """The mailbox's settings; the password is never shown back, left empty it stays."""

    new_password = forms.CharField(
        label=_("Password"), required=False, strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the stored password."),
    )  # fmt: skip

    class Meta:
        model = Mailbox
        fields = MAILBOX_FIELDS
