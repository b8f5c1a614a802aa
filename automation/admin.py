"""Automation in the admin. Robots, triggers and scheduled rules are checked and stored by
their services (automation.robots, .triggers, .rules): a form runs the service in a
savepoint that is rolled back, so its messages show by the fields and nothing invalid is
stored; save_model then calls it for real. Robot runs and SMS messages are records,
read-only here."""

import copy

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.models import EntityType

from .actions import ACTIONS
from .models import Robot, RobotRun, ScheduledRule, SmsMessage, Trigger
from .robots import ROBOT_FIELDS, robot_create, robot_delete, robot_update
from .rules import (
    RULE_FIELDS,
    scheduled_rule_create,
    scheduled_rule_delete,
    scheduled_rule_update,
)
from .triggers import (
    TRIGGER_FIELDS,
    trigger_create,
    trigger_delete,
    trigger_token_rotate,
    trigger_update,
    trigger_webhook_url,
)


def _action_choices() -> list[tuple[str, str]]:
    """Every action once, deal actions first."""
    choices = {}
    for entity_type in (EntityType.DEAL, EntityType.LEAD):
        for key, label in ACTIONS.choices(entity_type):
            choices.setdefault(key, label)
    return list(choices.items())


class _RolledBack(Exception):  # noqa: N818 (not an error: the end of a dry run)
    pass


def errors_from_service(form: forms.Form, call) -> None:
    """Run the service `call` in a savepoint rolled back afterwards: what it refuses goes on
    `form`, by field where the form has it."""
    try:
        with transaction.atomic():
            call()
            raise _RolledBack
    except _RolledBack:
        pass
    except ValidationError as error:
        found = error.message_dict if hasattr(error, "error_dict") else {None: error.messages}
        for key, texts in found.items():
            if key in form.fields:
                form.add_error(key, texts)
            elif key not in (None, "__all__") and "settings" in form.fields:
                form.add_error("settings", [f"{key}: {text}" for text in texts])  # a setting's
            else:
                form.add_error(None, texts)


class PlacedAdmin(admin.ModelAdmin):
    """A robot or trigger stays in its stage (or lead status): chosen when it is added."""

    list_select_related = ["stage__pipeline", "lead_status"]
    search_fields = ["name"]

    def get_readonly_fields(self, request, obj=None):
        return ["stage", "lead_status"] if obj else []

    @admin.display(description=_("stage or lead status"))
    def place(self, obj) -> str:
        if obj.stage_id:
            return f"{obj.stage.pipeline} · {obj.stage}"
        return str(obj.lead_status)


class PlacedAdminForm(forms.ModelForm):
    """A robot's or trigger's form, checked by its service: `service_fields` are the values
    the service takes, `create(place, values)` and `update(instance, values)` call it."""

    service_fields: list[str] = []

    def create(self, place, values: dict):
        raise NotImplementedError

    def update(self, instance, values: dict):
        raise NotImplementedError

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.service_fields}

    def clean(self):
        data = super().clean()
        place = self.place()
        if self.errors or place is None:
            return data
        if self.instance.pk:
            instance = copy.copy(self.instance)
            errors_from_service(self, lambda: self.update(instance, self.values()))
        else:
            errors_from_service(self, lambda: self.create(place, self.values()))
        return data

    def place(self):
        """The robot's (trigger's) stage or lead status: its own once stored, else the one
        chosen, or None with the reason on the form."""
        if self.instance.pk:
            return self.instance.place
        stage, lead_status = self.cleaned_data.get("stage"), self.cleaned_data.get("lead_status")
        if bool(stage) == bool(lead_status):
            self.add_error(None, _("Choose either a stage or a lead status."))
            return None
        return stage or lead_status


class RobotAdminForm(PlacedAdminForm):
    action = forms.ChoiceField(label=_("action"), choices=_action_choices)
    service_fields = ROBOT_FIELDS

    class Meta:
        model = Robot
        fields = ["stage", "lead_status", *ROBOT_FIELDS]

    def create(self, place, values: dict):
        return robot_create(place=place, values=values)

    def update(self, instance, values: dict):
        return robot_update(robot=instance, values=values)


@admin.register(Robot)
class RobotAdmin(PlacedAdmin):
    form = RobotAdminForm
    list_display = ["name", "place", "action_label", "timing", "after_previous", "is_active",
                    "sort"]  # fmt: skip
    list_filter = ["stage__pipeline", "stage", "lead_status", "action", "timing", "is_active"]

    @admin.display(description=_("action"), ordering="action")
    def action_label(self, obj) -> str:
        try:
            return str(ACTIONS.get(obj.action).label)
        except LookupError:
            return obj.action

    def save_model(self, request, obj, form, change):
        if change:
            robot_update(robot=obj, values=form.values())
        else:
            saved = robot_create(place=form.place(), values=form.values())
            obj.pk, obj.sort, obj._state.adding = saved.pk, saved.sort, False

    def delete_model(self, request, obj):
        robot_delete(robot=obj)

    def delete_queryset(self, request, queryset):
        for robot in queryset:
            robot_delete(robot=robot)


class TriggerAdminForm(PlacedAdminForm):
    service_fields = TRIGGER_FIELDS

    class Meta:
        model = Trigger
        fields = ["stage", "lead_status", *TRIGGER_FIELDS]

    def create(self, place, values: dict):
        return trigger_create(place=place, values=values)

    def update(self, instance, values: dict):
        return trigger_update(trigger=instance, values=values)


@admin.register(Trigger)
class TriggerAdmin(PlacedAdmin):
    form = TriggerAdminForm
    list_display = ["name", "place", "kind", "allow_backwards", "is_active", "sort"]
    list_filter = ["stage__pipeline", "stage", "lead_status", "kind", "is_active"]
    actions = ["rotate_token"]

    def save_model(self, request, obj, form, change):
        if change:
            trigger_update(trigger=obj, values=form.values())
            return
        saved, token = trigger_create(place=form.place(), values=form.values())
        obj.pk, obj.sort, obj._state.adding = saved.pk, saved.sort, False
        if token:
            self._show_token(request, saved, token)

    def delete_model(self, request, obj):
        trigger_delete(trigger=obj)

    def delete_queryset(self, request, queryset):
        for trigger in queryset:
            trigger_delete(trigger=trigger)

    @admin.action(description=_("Make a new webhook token"))
    def rotate_token(self, request, queryset):
        for trigger in queryset.filter(kind=Trigger.Kind.WEBHOOK):
            self._show_token(request, trigger, trigger_token_rotate(trigger=trigger))

    def _show_token(self, request, trigger, token: str) -> None:
        url = request.build_absolute_uri(trigger_webhook_url(trigger, token))
        messages.warning(
            request,
            _(
                "%(name)s: the webhook address is %(url)s. Copy it now: the token is not shown again."
            )
            % {"name": trigger.name, "url": url},
        )


class ScheduledRuleAdminForm(forms.ModelForm):
    action = forms.ChoiceField(label=_("action"), choices=lambda: ACTIONS.choices(EntityType.DEAL))

    class Meta:
        model = ScheduledRule
        fields = RULE_FIELDS

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in RULE_FIELDS}

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if self.instance.pk:
            rule = copy.copy(self.instance)
            errors_from_service(
                self, lambda: scheduled_rule_update(rule=rule, values=self.values())
            )
        else:
            errors_from_service(self, lambda: scheduled_rule_create(values=self.values()))
        return data


@admin.register(ScheduledRule)
class ScheduledRuleAdmin(admin.ModelAdmin):
    form = ScheduledRuleAdminForm
    list_display = ["name", "kind", "pipeline", "stage", "wait", "wait_unit", "action",
                    "is_active", "last_run_at"]  # fmt: skip
    list_filter = ["kind", "pipeline", "is_active"]
    list_select_related = ["pipeline", "stage"]
    search_fields = ["name"]
    readonly_fields = ["last_run_at"]

    def save_model(self, request, obj, form, change):
        if change:
            scheduled_rule_update(rule=obj, values=form.values())
        else:
            obj.pk = scheduled_rule_create(values=form.values()).pk
            obj._state.adding = False

    def delete_model(self, request, obj):
        scheduled_rule_delete(rule=obj)

    def delete_queryset(self, request, queryset):
        for rule in queryset:
            scheduled_rule_delete(rule=rule)


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record written by the system: looked at, never changed here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RobotRun)
class RobotRunAdmin(ReadOnlyAdmin):
    list_display = ["robot", "entity_type", "entity_id", "status", "due_at", "attempts",
                    "finished_at", "error"]  # fmt: skip
    list_filter = ["status", "entity_type", "robot__stage__pipeline"]
    list_select_related = ["robot"]
    search_fields = ["=entity_id", "robot__name"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(SmsMessage)
class SmsMessageAdmin(ReadOnlyAdmin):
    list_display = ["phone", "text", "provider", "entity_type", "entity_id", "sent_by",
                    "created_at"]  # fmt: skip
    list_filter = ["provider", "entity_type"]
    list_select_related = ["sent_by"]
    search_fields = ["phone", "text"]
    date_hierarchy = "created_at"
