"""The robot action registry: small classes, each with its settings form and its `run`.

An action is registered with `@register`; its key names it in stored robots. `run` gets a
RunContext and changes the item only through the apps' services, inside the transaction
that records the run as done, so a run whose worker dies leaves nothing half done. It
returns a short summary for the run record and the timeline. It raises ActionRefused when
the item or the settings make it impossible (the run fails at once and administrators are
told) and core.tasks.RetryableError for a passing failure (the run is retried).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.models import EntityType

from ..items import ItemKind


class ActionRefused(ApplicationError):
    """The action cannot be done for this item with these settings (not worth a retry)."""


class WaitAgain(Exception):  # noqa: N818 (a signal to the engine, not an error)
    """The action is not done yet (a condition it waits for does not hold): the engine looks
    again in `seconds`, or gives up on the run once `give_up_at` has passed."""

    def __init__(self, seconds: int, *, give_up_at: datetime.datetime | None = None):
        super().__init__(seconds)
        self.seconds = seconds
        self.give_up_at = give_up_at


@dataclass
class RunContext:
    item: Any
    kind: ItemKind
    settings: dict
    robot: Any  # the Robot or ScheduledRule whose action this is
    run: Any = None  # the RobotRun (None for a scheduled rule): its pk keys outside calls

    @property
    def entity_type(self) -> str:
        return self.kind.entity_type


class ActionForm(forms.Form):
    """An action's settings form: `place` is the stage or lead status the robot belongs to
    (None for a scheduled rule, which works on deals)."""

    def __init__(self, *args, place=None, entity_type: str = EntityType.DEAL, **kwargs):
        super().__init__(*args, **kwargs)
        self.place = place
        self.entity_type = entity_type


class Action:
    key: ClassVar[str]
    label: ClassVar[str]
    form_class: ClassVar[type[ActionForm]] = ActionForm
    entity_types: ClassVar[tuple[str, ...]] = (EntityType.DEAL, EntityType.LEAD)

    def run(self, context: RunContext) -> dict:
        raise NotImplementedError


class ActionRegistry:
    def __init__(self):
        self._actions: dict[str, Action] = {}

    def register(self, action_class: type[Action]) -> type[Action]:
        if action_class.key in self._actions:
            raise ValueError(f"Two robot actions with the key {action_class.key}")
        self._actions[action_class.key] = action_class()
        return action_class

    def get(self, key: str) -> Action:
        """The action of that key; LookupError for an unknown one."""
        try:
            return self._actions[key]
        except KeyError:
            raise LookupError(key) from None

    def for_entity(self, entity_type: str) -> list[Action]:
        return [a for a in self._actions.values() if entity_type in a.entity_types]

    def choices(self, entity_type: str) -> list[tuple[str, str]]:
        return [(action.key, action.label) for action in self.for_entity(entity_type)]


ACTIONS = ActionRegistry()
register = ACTIONS.register


def action_settings_validate(key: str, data: dict, *, place=None,
                             entity_type: str = EntityType.DEAL) -> dict:  # fmt: skip
    """The settings of action `key`, validated by its form and stored as JSON-safe values
    (ids for objects). Raises ValidationError with the form's messages."""
    try:
        action = ACTIONS.get(key)
    except LookupError:
        raise ValidationError({"action": _("Unknown action %(key)s.") % {"key": key}}) from None
    if entity_type not in action.entity_types:
        raise ValidationError(
            {
                "action": _("%(action)s does not work on this kind of item.")
                % {"action": action.label}
            }
        )
    form = action.form_class(data, place=place, entity_type=entity_type)
    if not form.is_valid():
        raise ValidationError({
            name: [error["message"] for error in errors]
            for name, errors in form.errors.get_json_data().items()
        })  # fmt: skip
    return {name: json_safe(value) for name, value in form.cleaned_data.items()}


def json_safe(value):
    """A cleaned form value as stored in settings: objects by id, numbers and dates as text."""
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, QuerySet | list | tuple | set):
        return [json_safe(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value
