"""Setting robots up: create, change, reorder and delete the robots of a stage or a lead
status. Every setting is checked here (the editor, the admin and the demo all come through),
so a stored robot can always run: its action exists, its settings passed the action's form,
its condition and its timing make sense for the item."""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from .actions.base import action_settings_validate
from .conditions import condition_validate
from .items import entity_type_of, item_kind, place_filter
from .models import Robot, RobotRun
from .timing import DATE_TIMINGS

ROBOT_FIELDS = ["name", "action", "settings", "timing", "delay", "delay_unit", "date_field",
                "after_previous", "working_hours_only", "condition", "is_active"]  # fmt: skip


def date_fields_of(entity_type: str) -> list[tuple[str, str]]:
    """The item's date fields a robot may time itself by, as (name, label)."""
    model = item_kind(entity_type).model
    return [
        (field.name, str(field.verbose_name))
        for field in model._meta.get_fields()
        if isinstance(field, models.DateField) and field.name not in ("created_at", "updated_at")
    ]


def _cleaned(place, values: dict) -> dict:
    """The robot's values, checked; ValidationError by field otherwise."""
    entity_type = entity_type_of(place)
    errors = {}
    values = dict(values)
    if not str(values.get("name", "")).strip():
        errors["name"] = _("Give the robot a name.")
    try:
        values["settings"] = action_settings_validate(
            values.get("action", ""), values.get("settings") or {}, place=place,
            entity_type=entity_type,
        )  # fmt: skip
    except ValidationError as error:
        errors.update(error.message_dict if hasattr(error, "error_dict") else
                      {"settings": error.messages})  # fmt: skip
    try:
        values["condition"] = condition_validate(values.get("condition") or {}, entity_type)
    except ValidationError as error:
        errors["condition"] = error.messages
    if values.get("timing") in DATE_TIMINGS:
        if values.get("date_field") not in dict(date_fields_of(entity_type)):
            errors["date_field"] = _("Choose the date field the robot times itself by.")
    else:
        values["date_field"] = ""
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def robot_create(*, place, values: dict) -> Robot:
    """Add a robot at the end of the place's robots. Raises ValidationError."""
    values = _cleaned(place, values)
    last = Robot.objects.filter(**place_filter(place)).aggregate(last=Max("sort"))["last"]
    robot = Robot(**place_filter(place), sort=(last or 0) + 10,
                  **{name: values[name] for name in ROBOT_FIELDS if name in values})  # fmt: skip
    robot.full_clean()
    robot.save()
    return robot


@transaction.atomic
def robot_update(*, robot: Robot, values: dict) -> Robot:
    """Change a robot; its runs already recorded keep going. Raises ValidationError."""
    current = {name: getattr(robot, name) for name in ROBOT_FIELDS}
    values = _cleaned(robot.place, current | values)
    for name in ROBOT_FIELDS:
        setattr(robot, name, values[name])
    robot.full_clean()
    robot.save()
    return robot


@transaction.atomic
def robots_reorder(*, place, robot_ids: list[int]) -> None:
    """Put the place's robots in this order (ids of other places are ignored)."""
    robots = {robot.pk: robot for robot in Robot.objects.filter(**place_filter(place))}
    ordered = [robots[pk] for pk in robot_ids if pk in robots]
    ordered += [robot for pk, robot in robots.items() if pk not in robot_ids]
    for number, robot in enumerate(ordered, start=1):
        robot.sort = number * 10
    Robot.objects.bulk_update(ordered, ["sort"])


@transaction.atomic
def robot_delete(*, robot: Robot) -> None:
    """Delete a robot with its run history; runs waiting for it are released."""
    now = timezone.now()
    RobotRun.objects.filter(after__robot=robot, status=RobotRun.Status.WAITING).update(
        status=RobotRun.Status.QUEUED, due_at=now, after=None, updated_at=now
    )  # the sweep queues them
    robot.delete()


def robot_state_save(*, robot: Robot, state: dict) -> None:
    """Keep what an action remembers between runs (the round-robin's last pick); the caller
    holds the robot's row lock."""
    robot.state = state
    robot.save(update_fields=["state", "updated_at"])
