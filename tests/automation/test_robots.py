"""Setting robots up: every setting is checked before a robot is stored."""

import pytest
from django.core.exceptions import ValidationError

from automation.models import Robot
from automation.robots import robot_create, robot_delete, robot_update, robots_reorder

TASK = {"subject": "Call {title}", "due_in": 1, "due_unit": "days", "priority": "normal"}


def test_a_robot_is_stored_with_its_settings_checked_and_sorted_last(stages):
    first = robot_create(place=stages["New"], values={
        "name": "Welcome call", "action": "automation.create_task", "settings": TASK})  # fmt: skip
    second = robot_create(place=stages["New"], values={
        "name": "Comment", "action": "automation.add_comment", "settings": {"text": "Hi"}})  # fmt: skip

    assert (first.sort, second.sort) == (10, 20)
    assert first.settings == TASK | {"description": "", "responsible": None}

    robots_reorder(place=stages["New"], robot_ids=[second.pk, first.pk])
    assert list(Robot.objects.order_by("sort").values_list("name", flat=True)) == [
        "Comment", "Welcome call"]  # fmt: skip


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"action": "automation.nothing"}, "action", "Unknown action"),
        ({"settings": {"subject": ""}}, "subject", "required"),
        ({"name": " "}, "name", "Give the robot a name."),
        ({"timing": "at_date", "date_field": "title"}, "date_field", "date field"),
        ({"condition": {"any": [{"all": [{"field": "colour", "op": "eq", "value": "1"}]}]}},
         "condition", "Unknown field"),
        ({"condition": {"any": [{"all": [{"field": "amount", "op": "gte", "value": "lots"}]}]}},
         "condition", "is not a number"),
    ],
)  # fmt: skip
def test_bad_settings_are_refused_with_a_clear_message(stages, values, field, message):
    base = {"name": "Call", "action": "automation.create_task", "settings": TASK}

    with pytest.raises(ValidationError) as error:
        robot_create(place=stages["New"], values=base | values)

    assert message in " ".join(error.value.message_dict[field])
    assert not Robot.objects.exists()


def test_a_change_stage_robot_only_moves_within_its_pipeline(stages, money):
    from tests.factories import sales_pipeline

    other = sales_pipeline("Retail").stages.first()

    with pytest.raises(ValidationError):
        robot_create(place=stages["New"], values={
            "name": "Jump", "action": "automation.change_stage", "settings": {"target": other.pk}})  # fmt: skip
    robot = robot_create(place=stages["New"], values={
        "name": "Go on", "action": "automation.change_stage",
        "settings": {"target": stages["Negotiation"].pk}})  # fmt: skip
    assert robot.settings == {"target": stages["Negotiation"].pk}


def test_a_robot_is_changed_and_deleted(stages):
    robot = robot_create(place=stages["New"], values={
        "name": "Comment", "action": "automation.add_comment", "settings": {"text": "Hi"}})  # fmt: skip

    robot_update(robot=robot, values={"timing": "after_delay", "delay": 2, "delay_unit": "hours"})
    robot.refresh_from_db()
    assert (robot.timing, robot.delay, robot.settings) == ("after_delay", 2, {"text": "Hi"})
    robot_delete(robot=robot)
    assert not Robot.objects.exists()
