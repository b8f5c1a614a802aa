"""Robot actions that write to the client: an e-mail, an SMS.

The client's address is looked up on the item: for a deal, its primary contact, else its
company; for a lead, the lead itself, then its contact, then its company.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from activities.services import activity_email_send
from contacts.models import Communication
from core.errors import ApplicationError, error_text
from core.models import EntityType

from ..items import deal_contacts
from ..placeholders import placeholders_fill
from ..sms import SmsRefused, sms_provider
from .base import Action, ActionForm, ActionRefused, RunContext, register

SMS_MAX_CHARS = 1000
PLACEHOLDERS_HELP = _("Placeholders such as {title} or {contact_name} are filled in.")


def client_owners(item, entity_type: str) -> list:
    """Whose phones and e-mails are the client's, in the order they are looked at."""
    if entity_type == EntityType.DEAL:
        contacts = deal_contacts(item)
        owners = [contacts[0] if contacts else None, item.company]
    else:
        owners = [item, item.contact, item.company]
    return [owner for owner in owners if owner is not None]


def client_communication(item, entity_type: str, kind: str) -> Communication | None:
    """The client's first phone or e-mail (`kind`), or None when nobody has one."""
    for owner in client_owners(item, entity_type):
        communication = owner.communications.filter(kind=kind).order_by("id").first()
        if communication is not None:
            return communication
    return None


class SendEmailForm(ActionForm):
    subject = forms.CharField(label=_("Subject"), max_length=255, help_text=PLACEHOLDERS_HELP)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea, max_length=20000,
                           help_text=PLACEHOLDERS_HELP)  # fmt: skip


@register
class SendEmailAction(Action):
    """E-mails the client on behalf of the item's responsible, logged as an e-mail activity."""

    key = "automation.send_email"
    label = _("Send an e-mail to the client")
    form_class = SendEmailForm

    def run(self, context: RunContext) -> dict:
        item, entity_type = context.item, context.entity_type
        address = client_communication(item, entity_type, Communication.Kind.EMAIL)
        if address is None:
            raise ActionRefused(gettext("The client has no e-mail address."))
        if item.responsible_id is None:
            raise ActionRefused(gettext("The item has no responsible to send the e-mail from."))
        subject = placeholders_fill(context.settings["subject"], item, entity_type)
        body = placeholders_fill(context.settings["body"], item, entity_type)
        try:
            activity = activity_email_send(
                recipients=[address.value], subject=subject, body=body,
                actor=item.responsible, bound_to=[item],
            )  # fmt: skip
        except (ApplicationError, ValidationError) as error:
            raise ActionRefused(error_text(error)) from error
        return {
            "summary": gettext("%(subject)s, to %(address)s")
            % {"subject": subject, "address": address.value},
            "activity": activity.pk,
            "to": address.value,
        }


class SendSmsForm(ActionForm):
    text = forms.CharField(label=_("Text"), widget=forms.Textarea, max_length=SMS_MAX_CHARS,
                           help_text=PLACEHOLDERS_HELP)  # fmt: skip


@register
class SendSmsAction(Action):
    """Sends an SMS to the client's first phone through the configured provider."""

    key = "automation.send_sms"
    label = _("Send an SMS to the client")
    form_class = SendSmsForm

    def run(self, context: RunContext) -> dict:
        item, entity_type = context.item, context.entity_type
        phone = client_communication(item, entity_type, Communication.Kind.PHONE)
        if phone is None:
            raise ActionRefused(gettext("The client has no phone number."))
        # the placeholders may lengthen the text past what a message can hold
        text = placeholders_fill(context.settings["text"], item, entity_type)[:SMS_MAX_CHARS]
        number = phone.normalized_value if phone.normalized_value.startswith("+") else phone.value
        provider = sms_provider()
        try:
            message_id = provider.send(phone=number, text=text, item=item, entity_type=entity_type)
        except SmsRefused as error:
            raise ActionRefused(
                gettext("The SMS provider refused the message: %(error)s") % {"error": error}
            ) from error
        return {
            "summary": gettext("SMS to %(phone)s") % {"phone": number},
            "sms": message_id,
            "provider": provider.name,
        }
