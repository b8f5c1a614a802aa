"""A robot action that waits until the item meets a condition (an amount reached, a field
filled in), looking again every so often, and gives up after a number of days."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..conditions import condition_holds, condition_validate
from .base import Action, ActionForm, ActionRefused, RunContext, WaitAgain, register

DEFAULT_CHECK_EVERY_MINUTES = 60
DEFAULT_GIVE_UP_AFTER_DAYS = 7


class WaitForConditionForm(ActionForm):
    condition = forms.JSONField(
        label=_("Condition"),
        help_text=_('{"any": [{"all": [{"field": "amount", "op": "gte", "value": "1000"}]}]}'),
    )
    check_every_minutes = forms.IntegerField(
        label=_("Look again every, minutes"), min_value=1, max_value=1440, required=False,
        initial=DEFAULT_CHECK_EVERY_MINUTES,
    )  # fmt: skip
    give_up_after_days = forms.IntegerField(
        label=_("Give up after, days"), min_value=1, max_value=90, required=False,
        initial=DEFAULT_GIVE_UP_AFTER_DAYS,
    )  # fmt: skip

    def clean_condition(self):
        condition = self.cleaned_data.get("condition")
        if not condition:
            raise forms.ValidationError(_("Give the condition to wait for."))
        try:
            return condition_validate(condition, self.entity_type)
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from error

    def clean_check_every_minutes(self):
        minutes = self.cleaned_data.get("check_every_minutes")
        return DEFAULT_CHECK_EVERY_MINUTES if minutes is None else minutes

    def clean_give_up_after_days(self):
        days = self.cleaned_data.get("give_up_after_days")
        return DEFAULT_GIVE_UP_AFTER_DAYS if days is None else days


@register
class WaitForConditionAction(Action):
    """Done once the condition holds; until then the run waits (WaitAgain) and is cancelled
    when the condition has not come true within the days given, counted from the run's
    creation (the item's entry into the stage)."""

    key = "automation.wait_for_condition"
    label = _("Wait for a condition")
    form_class = WaitForConditionForm

    def run(self, context: RunContext) -> dict:
        settings = context.settings
        if condition_holds(settings["condition"], context.item, context.entity_type):
            return {"summary": gettext("The condition holds.")}
        if context.run is None:
            raise ActionRefused(gettext("Only a robot can wait for a condition."))
        days = int(settings.get("give_up_after_days") or DEFAULT_GIVE_UP_AFTER_DAYS)
        minutes = int(settings.get("check_every_minutes") or DEFAULT_CHECK_EVERY_MINUTES)
        raise WaitAgain(
            minutes * 60, give_up_at=context.run.created_at + datetime.timedelta(days=days)
        )
