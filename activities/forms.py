"""The forms of the activity dialogs on an item's card. They parse input only: the rules (a
repeat rule needs a deadline, a finished activity needs no reminder…) are the services'."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from .models import Activity

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlannedActivityForm(forms.Form):
    """A call, meeting or task: planned with a deadline and a reminder, or logged as done."""

    subject = forms.CharField(label=_("Subject"), max_length=255)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    deadline = forms.DateTimeField(label=_("When"), required=False, widget=DATETIME_WIDGET)
    remind_at = forms.DateTimeField(label=_("Remind me at"), required=False,
                                    widget=DATETIME_WIDGET)  # fmt: skip
    is_done = forms.BooleanField(label=_("It already happened (log it in the journal)"),
                                 required=False)  # fmt: skip
    # who does it (the view checks the user may give activities to them); empty: oneself
    responsible = forms.ModelChoiceField(
        label=_("Responsible"), required=False,
        queryset=get_user_model().objects.filter(is_active=True).order_by("last_name", "first_name"),
    )  # fmt: skip

    def clean(self):
        data = super().clean()
        if data.get("is_done") and data.get("remind_at"):
            self.add_error("remind_at", _("A finished activity needs no reminder."))
        return data

    def service_arguments(self) -> dict:
        """The cleaned data as activity_create's keyword arguments."""
        return dict(self.cleaned_data)


class CallForm(PlannedActivityForm):
    """A call, with "call again every N days until …" for a client not reached yet."""

    direction = forms.ChoiceField(label=_("Direction"), choices=Activity.Direction.choices,
                                  initial=Activity.Direction.OUTGOING)  # fmt: skip
    repeat_every = forms.IntegerField(label=_("Call again every"), required=False, min_value=1,
                                      max_value=365)  # fmt: skip
    repeat_unit = forms.ChoiceField(
        label=_("Unit"), required=False,
        choices=[("", "—"), *Activity.RepeatUnit.choices],
    )  # fmt: skip
    repeat_until = forms.DateField(label=_("Until"), required=False, widget=DATE_WIDGET)

    def clean(self):
        data = super().clean()
        if data.get("repeat_every") and not data.get("repeat_unit"):
            data["repeat_unit"] = Activity.RepeatUnit.DAY
        if not data.get("repeat_every"):
            data["repeat_every"], data["repeat_unit"], data["repeat_until"] = None, "", None
        if data.get("is_done") and data.get("repeat_every"):
            self.add_error("repeat_every", _("A call that happened does not repeat."))
        return data


class MeetingForm(PlannedActivityForm):
    location = forms.CharField(label=_("Location"), max_length=255, required=False)


class TaskForm(PlannedActivityForm):
    priority = forms.ChoiceField(label=_("Priority"), choices=Activity.Priority.choices,
                                 initial=Activity.Priority.NORMAL)  # fmt: skip

    field_order = ["subject", "description", "deadline", "remind_at", "responsible", "priority",
                   "is_done"]  # fmt: skip


class EmailForm(forms.Form):
    recipients = forms.CharField(label=_("To"), max_length=1000,
                                 help_text=_("Addresses separated by commas."))  # fmt: skip
    subject = forms.CharField(label=_("Subject"), max_length=255)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 6}))

    def clean_recipients(self) -> list[str]:
        addresses = [a.strip() for a in self.cleaned_data["recipients"].split(",") if a.strip()]
        if not addresses:
            raise forms.ValidationError(_("Give at least one recipient."))
        for address in addresses:
            validate_email(address)
        return addresses


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}))


class ActivityCompleteForm(forms.Form):
    result = forms.CharField(
        label=_("Result"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    stop_repeating = forms.BooleanField(label=_("Reached: stop repeating"), required=False)


# The dialogs of the activity block, in the order of their buttons.
ADD_FORMS: dict[str, type[forms.Form]] = {
    Activity.Kind.CALL: CallForm,
    Activity.Kind.MEETING: MeetingForm,
    Activity.Kind.TASK: TaskForm,
    Activity.Kind.EMAIL: EmailForm,
    Activity.Kind.COMMENT: CommentForm,
}
