"""Robot actions that plan work or write on the item: a task, a call, a meeting, a comment."""

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.models import Activity
from activities.services import activity_create
from core.responsible import active_users

from ..placeholders import placeholders_fill
from .base import Action, ActionForm, ActionRefused, RunContext, register

User = get_user_model()


class PlannedActivityForm(ActionForm):
    subject = forms.CharField(label=_("Subject"), max_length=255,
                              help_text=_("Placeholders such as {title} are filled in."))  # fmt: skip
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)
    due_in = forms.IntegerField(label=_("Due in"), min_value=0, max_value=10000, initial=1)
    due_unit = forms.ChoiceField(
        label=_("Unit"), initial="days",
        choices=[("minutes", _("minutes")), ("hours", _("hours")), ("days", _("days"))],
    )  # fmt: skip
    responsible = forms.ModelChoiceField(
        label=_("Responsible"), queryset=active_users(), required=False,
        empty_label=_("the item's responsible"),
    )  # fmt: skip


class TaskForm(PlannedActivityForm):
    priority = forms.ChoiceField(label=_("Priority"), choices=Activity.Priority.choices,
                                 initial=Activity.Priority.NORMAL)  # fmt: skip


class PlanActivityAction(Action):
    """Plans an activity of `activity_kind` for the item, due after the set time."""

    activity_kind: str

    def run(self, context: RunContext) -> dict:
        settings, item = context.settings, context.item
        responsible = _responsible(settings.get("responsible"), item)
        deadline = timezone.now() + datetime.timedelta(
            **{settings.get("due_unit", "days"): int(settings.get("due_in", 0))}
        )
        activity = activity_create(
            kind=self.activity_kind,
            subject=placeholders_fill(settings["subject"], item, context.entity_type),
            description=placeholders_fill(settings.get("description", ""), item,
                                          context.entity_type),
            priority=settings.get("priority", Activity.Priority.NORMAL),
            direction=Activity.Direction.OUTGOING if self.activity_kind == "call" else "",
            deadline=deadline,
            responsible=responsible,
            actor=None,
            bound_to=[item],
            is_created_by_robot=True,
        )  # fmt: skip
        return {"activity": activity.pk, "summary": activity.subject}


def _responsible(user_id, item):
    """A fixed user if the settings name one (still active), else the item's responsible."""
    if user_id:
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is None:
            raise ActionRefused(_("The user chosen in the robot's settings is no longer active."))
        return user
    if item.responsible_id is None:
        raise ActionRefused(_("The item has no responsible to give the activity to."))
    return item.responsible


@register
class CreateTaskAction(PlanActivityAction):
    key = "automation.create_task"
    label = _("Create a task")
    form_class = TaskForm
    activity_kind = Activity.Kind.TASK


@register
class PlanCallAction(PlanActivityAction):
    key = "automation.plan_call"
    label = _("Plan a call")
    form_class = PlannedActivityForm
    activity_kind = Activity.Kind.CALL


@register
class PlanMeetingAction(PlanActivityAction):
    key = "automation.plan_meeting"
    label = _("Plan a meeting")
    form_class = PlannedActivityForm
    activity_kind = Activity.Kind.MEETING


class CommentForm(ActionForm):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea, max_length=5000,
                           help_text=_("Placeholders such as {title} are filled in."))  # fmt: skip


@register
class AddCommentAction(Action):
    key = "automation.add_comment"
    label = _("Add a comment")
    form_class = CommentForm

    def run(self, context: RunContext) -> dict:
        text = placeholders_fill(context.settings["text"], context.item, context.entity_type)
        activity = activity_create(
            kind=Activity.Kind.COMMENT, subject=text.splitlines()[0][:200], description=text,
            is_done=True, actor=None, bound_to=[context.item], is_created_by_robot=True,
        )  # fmt: skip
        return {"activity": activity.pk, "summary": activity.subject}
