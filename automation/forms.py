"""The automation editor's forms: a robot (its own fields, its action's settings form and the
condition builder's rows) and a trigger. They only read what was posted; the services in
automation.robots and automation.triggers check the values and store them."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from activities.models import Activity
from catalog.models import Section
from core.models import EntityType
from deals.models import Deal
from leads.models import Source

from .actions import ACTIONS
from .conditions import FIELDS, OPERATORS
from .models import Robot, Trigger
from .robots import date_fields_of
from .triggers import SETTINGS_OF_KIND, trigger_field_choices

SETTINGS_PREFIX = "settings"
# the condition builder posts one value of each per row, rows in order
CONDITION_ROW_NAMES = ("condition_group", "condition_field", "condition_op", "condition_value")


class RobotForm(forms.Form):
    """A robot's own fields; its action's settings come from `action_settings_form`."""

    name = forms.CharField(label=_("Name"), max_length=255)
    action = forms.ChoiceField(label=_("Action"))
    timing = forms.ChoiceField(label=_("When"), choices=Robot.Timing.choices)
    delay = forms.IntegerField(label=_("Delay"), min_value=0, max_value=100_000, initial=0)
    delay_unit = forms.ChoiceField(
        label=_("Unit"), choices=Robot.Unit.choices, initial=Robot.Unit.MINUTES
    )
    date_field = forms.ChoiceField(label=_("Date field"), required=False)
    after_previous = forms.BooleanField(
        label=_("After the previous robot finished"), required=False
    )
    working_hours_only = forms.BooleanField(label=_("Only within working hours"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, entity_type: str, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["action"].choices = ACTIONS.choices(entity_type)
        self.fields["date_field"].choices = [("", "—"), *date_fields_of(entity_type)]

    @classmethod
    def initial_of(cls, robot: Robot) -> dict:
        return {name: getattr(robot, name) for name in cls.base_fields}

    def values(self, *, settings: dict, condition: dict) -> dict:
        """The values robot_create / robot_update take."""
        return {**self.cleaned_data, "settings": settings, "condition": condition}


def action_settings_form(key: str, *, place, entity_type: str, data=None, initial=None):
    """The settings form of action `key` (fields prefixed "settings-"), None for an unknown
    action."""
    try:
        action = ACTIONS.get(key)
    except LookupError:
        return None
    return action.form_class(data, prefix=SETTINGS_PREFIX, initial=initial, label_suffix="",
                             place=place, entity_type=entity_type)  # fmt: skip


def action_settings_data(settings_form, data) -> dict:
    """What was posted for the settings form, by its own field names (lists for multiple
    choices): the raw settings the robot services validate."""
    if settings_form is None:
        return {}
    return {
        name: field.widget.value_from_datadict(data, {}, settings_form.add_prefix(name))
        for name, field in settings_form.fields.items()
    }


def condition_from_rows(data) -> dict:
    """The condition the builder's rows make: rows of a group joined by AND, groups by OR.
    A row without a field is left out."""
    groups: dict[str, list[dict]] = {}
    rows = zip(*(data.getlist(name) for name in CONDITION_ROW_NAMES), strict=False)
    for group, field, op, value in rows:
        if field:
            groups.setdefault(group, []).append({"field": field, "op": op, "value": value})
    return {"any": [{"all": rules} for rules in groups.values()]} if groups else {}


def condition_groups(condition: dict) -> list[list[dict]]:
    """The condition as the builder shows it: a list of groups, each a list of rules."""
    return [group.get("all", []) for group in (condition or {}).get("any", [])]


def condition_choices(entity_type: str) -> dict:
    """The builder's fields, comparisons and the values offered for fields compared by id
    or choice (a few queries, for the robot dialog only)."""
    users = get_user_model().objects.filter(is_active=True)
    values = {
        "responsible": [
            (str(user.pk), user.get_full_name() or user.username)
            for user in users.order_by("last_name", "first_name")
        ],  # fmt: skip
        "source": [(str(pk), name) for pk, name in Source.objects.values_list("pk", "name")],
        "product_section": [
            (str(section.pk), "· " * (section.depth - 1) + section.name)
            for section in Section.objects.get_tree()
        ],
    }
    if entity_type == EntityType.DEAL:
        values["deal_type"] = [(str(value), label) for value, label in Deal.Type.choices]
    return {
        "fields": [(name, field.label) for name, field in FIELDS[entity_type].items()],
        "operators": list(OPERATORS.items()),
        "values": values,
    }


def errors_show(error: ValidationError, *forms_in_order) -> dict[str, list[str]]:
    """Put a service's ValidationError next to the fields it names, on the first form that
    has the field ("__all__" and "settings" on top of the last form), leaving out messages
    the form shows already. Returns the messages about no form's field (the condition's)."""
    left: dict[str, list[str]] = {}
    messages = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    for key, texts in messages.items():
        form = next((f for f in forms_in_order if f is not None and key in f.fields), None)
        if form is None and key in ("__all__", "settings"):
            form, key = next(f for f in reversed(forms_in_order) if f is not None), None
        if form is None:
            left[key] = texts
            continue
        shown = set(form.errors.get(key or "__all__", []))
        new = [text for text in texts if text not in shown]
        if new:
            form.add_error(key, new)
    return left


class TriggerForm(forms.Form):
    """A trigger with the settings of its kind (automation.triggers.SETTINGS_OF_KIND); only
    the chosen kind's settings are sent, empty ones left out."""

    name = forms.CharField(label=_("Name"), max_length=255)
    kind = forms.ChoiceField(label=_("Event"), choices=Trigger.Kind.choices)
    field = forms.ChoiceField(label=_("Field"), required=False)
    value = forms.CharField(
        label=_("New value"), required=False, max_length=255,
        help_text=_("Empty: any change of the field."),
    )  # fmt: skip
    activity_kind = forms.ChoiceField(
        label=_("Activity"), required=False,
        choices=[("", _("any activity")), *Activity.Kind.choices],
    )  # fmt: skip
    status = forms.CharField(label=_("Order status"), required=False, max_length=100)
    form = forms.IntegerField(
        label=_("Web form id"), required=False, min_value=1, help_text=_("Empty: any web form.")
    )
    allow_backwards = forms.BooleanField(
        label=_("Allow moving back"), required=False,
        help_text=_("Without it an item already past this stage stays where it is."),
    )  # fmt: skip
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    OWN_FIELDS = ("name", "kind", "allow_backwards", "is_active")

    def __init__(self, *args, entity_type: str, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["field"].choices = [("", "—"), *trigger_field_choices(entity_type)]

    @classmethod
    def initial_of(cls, trigger: Trigger) -> dict:
        return {name: getattr(trigger, name) for name in cls.OWN_FIELDS} | dict(trigger.settings)

    def settings_fields(self) -> list[tuple[str, list]]:
        """(kind, its settings' bound fields) for each kind that has settings."""
        return [(kind, [self[name] for name in names])
                for kind, names in SETTINGS_OF_KIND.items() if names]  # fmt: skip

    def values(self) -> dict:
        """The values trigger_create / trigger_update take."""
        data = self.cleaned_data
        settings = {
            name: data[name]
            for name in SETTINGS_OF_KIND.get(data["kind"], ())
            if data.get(name) not in (None, "")
        }
        return {name: data[name] for name in self.OWN_FIELDS} | {"settings": settings}
