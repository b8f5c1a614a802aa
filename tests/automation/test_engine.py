"""Scheduling and running robots: one run per entry, in order, cancelled when the item
leaves, under a condition, failing loudly (services called directly; the worker tests show
the same through Celery)."""

import pytest

from activities.models import Activity, Notification, TimelineEvent
from automation.models import RobotRun
from automation.services import robot_run_execute, robot_run_start, robots_schedule
from deals.models import DealStageChange
from deals.services import deal_move_to_stage
from tests.factories import UserFactory

TASK = {"subject": "Call {contact_name} about {title}", "due_in": 1, "due_unit": "days",
        "priority": "normal"}  # fmt: skip


def run_now(run: RobotRun) -> RobotRun:
    assert robot_run_start(run_id=run.pk)
    return robot_run_execute(run_id=run.pk)


def test_entering_a_stage_records_a_run_and_the_run_does_the_action_once(
    deal, stages, make_robot, manager
):
    # given a robot that creates a task in Negotiation
    make_robot(stages["Negotiation"], "automation.create_task", TASK, name="Call the client")

    # when the deal enters Negotiation
    deal_move_to_stage(deal=deal, stage=stages["Negotiation"], actor=manager)

    # then one queued run is recorded for that entry, and running it creates the task
    run = RobotRun.objects.get()
    entry = DealStageChange.objects.filter(deal=deal).order_by("-id").first()
    assert (run.status, run.entity_id, run.entry) == ("queued", deal.pk, str(entry.pk))
    done = run_now(run)
    assert done.status == "done" and done.attempts == 1
    task = Activity.objects.get(kind="task")
    assert (task.subject, task.responsible, task.is_created_by_robot) == (
        "Call  about Paint for the school",
        manager,
        True,
    )
    event = TimelineEvent.objects.get(entity_type="deal", entity_id=deal.pk, kind="robot_ran")
    assert event.payload["robot"] == "Call the client"

    # and a second delivery of the same run, or a second scheduling of the entry, does nothing
    assert robot_run_start(run_id=run.pk) is False
    robots_schedule(entity_type="deal", entity_id=deal.pk, place_id=stages["Negotiation"].pk,
                    entry=str(entry.pk))  # fmt: skip
    assert RobotRun.objects.count() == 1 and Activity.objects.filter(kind="task").count() == 1


def test_a_run_is_cancelled_when_its_item_left_the_stage(deal, stages, make_robot, manager):
    make_robot(stages["Negotiation"], "automation.create_task", TASK, timing="after_delay",
               delay=10, delay_unit="minutes")  # fmt: skip
    deal_move_to_stage(deal=deal, stage=stages["Negotiation"], actor=manager)
    deal_move_to_stage(deal=deal, stage=stages["New"], actor=manager)

    run = RobotRun.objects.get()

    assert run.status == "cancelled" and "left the stage" in run.error
    assert not Activity.objects.filter(kind="task").exists()


def test_a_returning_item_gets_fresh_runs(deal, stages, make_robot, manager):
    make_robot(stages["Negotiation"], "automation.add_comment", {"text": "Entered"})
    for stage in ("Negotiation", "New", "Negotiation"):
        deal_move_to_stage(deal=deal, stage=stages[stage], actor=manager)

    first, second = RobotRun.objects.order_by("id")

    assert (first.status, second.status) == ("cancelled", "queued")
    assert first.entry != second.entry


def test_after_previous_waits_for_the_robot_above(deal, stages, make_robot, manager):
    make_robot(stages["Negotiation"], "automation.add_comment", {"text": "First"}, sort=10)
    make_robot(stages["Negotiation"], "automation.add_comment", {"text": "Second"}, sort=20,
               after_previous=True)  # fmt: skip
    deal_move_to_stage(deal=deal, stage=stages["Negotiation"], actor=manager)
    first, second = RobotRun.objects.order_by("robot__sort")
    assert (first.status, second.status, second.after_id) == ("queued", "waiting", first.pk)

    run_now(first)

    second.refresh_from_db()
    assert second.status == "queued" and second.due_at is not None
    run_now(second)
    comments = Activity.objects.filter(kind="comment").order_by("id")
    assert [comment.description for comment in comments] == ["First", "Second"]


def test_a_robot_whose_condition_fails_is_cancelled_and_releases_the_next(
    deal, stages, make_robot, manager
):
    make_robot(
        stages["Negotiation"],
        "automation.add_comment",
        {"text": "Big deal"},
        sort=10,
        condition={"any": [{"all": [{"field": "amount", "op": "gte", "value": "1000"}]}]},
    )
    make_robot(stages["Negotiation"], "automation.add_comment", {"text": "Always"}, sort=20,
               after_previous=True)  # fmt: skip
    deal_move_to_stage(deal=deal, stage=stages["Negotiation"], actor=manager)
    first, second = RobotRun.objects.order_by("robot__sort")

    run_now(first)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "cancelled" and "condition" in first.error
    assert second.status == "queued"


def test_a_refused_action_fails_the_run_and_tells_the_administrators(
    deal, stages, make_robot, manager
):
    admin = UserFactory(username="root", is_superuser=True)
    robot = make_robot(stages["Negotiation"], "automation.create_task", TASK)
    deal_move_to_stage(deal=deal, stage=stages["Negotiation"], actor=manager)
    type(deal).objects.filter(pk=deal.pk).update(responsible=None)

    run = run_now(RobotRun.objects.get(robot=robot))

    assert run.status == "failed" and "no responsible" in run.error
    assert not Activity.objects.filter(kind="task").exists()
    notification = Notification.objects.get(recipient=admin)
    assert notification.title_text == f"Robot {robot.name} failed"


@pytest.mark.parametrize("entry", ["999999", ""])
def test_a_stale_scheduling_call_records_nothing(deal, stages, make_robot, entry):
    make_robot(stages["New"], "automation.add_comment", {"text": "Hello"})

    runs = robots_schedule(entity_type="deal", entity_id=deal.pk, place_id=stages["New"].pk,
                           entry=entry)  # fmt: skip

    assert runs == [] and not RobotRun.objects.exists()
