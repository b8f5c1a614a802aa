"""Robot actions about people: tell users something."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from activities.models import Notification
from activities.services import notification_send
from core.urls import entity_url

from ..placeholders import placeholders_fill
from .activities import active_users
from .base import Action, ActionForm, ActionRefused, RunContext, register


class NotifyForm(ActionForm):
    message = forms.CharField(label=_("Message"), widget=forms.Textarea, max_length=2000,
                              help_text=_("Placeholders such as {title} are filled in."))  # fmt: skip
    users = forms.ModelMultipleChoiceField(label=_("Users"), queryset=active_users(),
                                           required=False)  # fmt: skip
    to_responsible = forms.BooleanField(label=_("The item's responsible"), required=False,
                                        initial=True)  # fmt: skip

    def clean(self):
        data = super().clean()
        if not data.get("users") and not data.get("to_responsible"):
            raise forms.ValidationError(_("Choose whom to notify."))
        return data


@register
class NotifyUsersAction(Action):
    key = "automation.notify_users"
    label = _("Notify users")
    form_class = NotifyForm

    def run(self, context: RunContext) -> dict:
        settings, item = context.settings, context.item
        recipients = {
            user.pk: user for user in active_users().filter(pk__in=settings.get("users", []))
        }
        if settings.get("to_responsible") and item.responsible_id and item.responsible.is_active:
            recipients[item.responsible_id] = item.responsible
        if not recipients:
            raise ActionRefused(_("Nobody to notify: the users chosen are no longer active."))
        message = placeholders_fill(settings["message"], item, context.entity_type)
        for user in recipients.values():
            notification_send(
                recipient=user, kind=Notification.Kind.MESSAGE,
                title=gettext_noop("Robot: %(robot)s"), params={"robot": context.robot.name},
                message=message, url=entity_url(item),
            )  # fmt: skip
        return {"summary": message[:200], "recipients": sorted(recipients)}
