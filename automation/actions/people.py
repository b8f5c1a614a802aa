"""Robot actions about people: tell users something, give the item to somebody else."""

import secrets

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from accounts.selectors import next_in_turn, users_present_today
from activities.models import Notification
from activities.services import notification_send
from core.errors import ApplicationError, error_text
from core.responsible import active_users
from core.urls import entity_url

from ..models import Robot
from ..placeholders import placeholders_fill
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


FIXED, ROUND_ROBIN, RANDOM = "fixed", "round_robin", "random"


class ChangeResponsibleForm(ActionForm):
    mode = forms.ChoiceField(
        label=_("Whom"), initial=FIXED,
        choices=[(FIXED, _("One user")), (ROUND_ROBIN, _("Users in turn")),
                 (RANDOM, _("A user chosen at random"))],
    )  # fmt: skip
    user = forms.ModelChoiceField(label=_("User"), queryset=active_users(), required=False)
    users = forms.ModelMultipleChoiceField(
        label=_("Users"), queryset=active_users(), required=False,
        help_text=_("Absent users are skipped."),
    )  # fmt: skip

    def clean(self):
        data = super().clean()
        mode = data.get("mode")
        if mode == FIXED:
            if not data.get("user"):
                self.add_error("user", _("Choose the user to give the item to."))
            data["users"] = []
        elif mode in (ROUND_ROBIN, RANDOM):
            if not data.get("users"):
                self.add_error("users", _("Choose the users to give the item to."))
            data["user"] = None
        return data


@register
class ChangeResponsibleAction(Action):
    """Gives the item to one user, or to one of several in turn or at random. Inactive users
    and those absent today are skipped; the round-robin remembers its last pick in the
    robot's state."""

    key = "automation.change_responsible"
    label = _("Change the responsible")
    form_class = ChangeResponsibleForm

    def run(self, context: RunContext) -> dict:
        settings = context.settings
        mode = settings.get("mode", FIXED)
        candidates = [settings.get("user")] if mode == FIXED else list(settings.get("users") or [])
        available = users_present_today(candidates)
        if not available:
            raise ActionRefused(
                _("Nobody to give the item to: the users chosen are inactive or absent today.")
            )
        if mode == ROUND_ROBIN:
            user = _round_robin_pick(context.robot, candidates, available)
        elif mode == RANDOM:
            user = secrets.choice(list(available.values()))
        else:
            user = next(iter(available.values()))
        try:
            context.kind.update(context.item, {"responsible": user}, actor=None)
        except (ApplicationError, ValidationError) as error:  # e.g. a converted lead
            raise ActionRefused(error_text(error)) from error
        return {"summary": str(user), "responsible": user.pk}


def _round_robin_pick(robot, user_ids: list, available: dict):
    """The first available user after the robot's last pick, in the order of the settings
    (so an absent user's turn passes to the next one). The robot row stays locked to the end
    of the run's transaction: two runs of one robot take turns, not the same user. A
    scheduled rule keeps no state: it starts from the first user every time."""
    if not hasattr(robot, "state"):
        return next(iter(available.values()))
    robot = Robot.objects.select_for_update().get(pk=robot.pk)
    user = next_in_turn(user_ids, available, (robot.state or {}).get("last_user"))
    from ..robots import robot_state_save  # robots imports the actions: import at use

    robot_state_save(robot=robot, state={**(robot.state or {}), "last_user": user.pk})
    return user
