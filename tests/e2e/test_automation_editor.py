"""The automation editor in a real browser: an administrator adds a robot to a stage in its
dialog, moves a deal into that stage on the card, and finds the robot's work there."""

import re

from playwright.sync_api import expect

from activities.models import Activity
from automation.models import Robot, RobotRun
from automation.robots import robot_create
from tests.factories import DealFactory, UserFactory
from tests.polling import wait_until


def test_a_robot_added_in_the_editor_comments_on_the_deal_that_enters_its_stage(log_in, pipeline):
    # given an administrator and a deal in the first stage
    administrator = UserFactory(username="admin", is_superuser=True)
    deal = DealFactory(title="Paint for the school", responsible=administrator)
    negotiation = pipeline.stages.get(name="Negotiation")
    page = log_in(administrator)

    # when they go from the board to the editor and add a robot to Negotiation
    page.goto("/deals/")
    page.get_by_test_id("automation-link").click()
    page.get_by_test_id(f"add-robot-{negotiation.pk}").click()
    dialog = page.get_by_test_id("automation-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Name").fill("Greeting")
    dialog.get_by_test_id("robot-action").select_option(label="Add a comment")
    dialog.get_by_label("Comment").fill("Robot says hello to {title}")
    dialog.get_by_role("button", name="Save").click()

    # then the dialog closes and the stage's column lists the robot
    expect(dialog).to_be_hidden()
    robots = page.get_by_test_id(f"robots-{negotiation.pk}")
    expect(robots).to_contain_text("Greeting")
    expect(robots).to_contain_text("Add a comment")
    expect(robots).to_contain_text("immediately")
    robot = Robot.objects.get()
    assert (robot.stage, robot.settings) == (negotiation, {"text": "Robot says hello to {title}"})

    # when the deal is moved to Negotiation with the card's stage bar
    page.goto(deal.get_absolute_url())
    expect(page.get_by_test_id("robot-runs")).to_have_count(0)
    page.get_by_test_id("stage-bar").get_by_role("button", name="Negotiation").click()

    # then the robot's comment is on the card and the Robots panel shows it done
    page.wait_for_load_state()
    expect(page.locator(".stage.current")).to_have_text("Negotiation")
    expect(page.get_by_test_id("journal")).to_contain_text(
        "Robot says hello to Paint for the school"
    )
    runs = page.get_by_test_id("robot-runs")
    expect(runs).to_contain_text("Greeting")
    expect(runs).to_contain_text("Done")
    assert RobotRun.objects.get().status == RobotRun.Status.DONE
    assert Activity.objects.get(kind="comment").description == (
        "Robot says hello to Paint for the school"
    )


def test_the_condition_builder_the_robot_order_and_a_webhook_trigger(log_in, pipeline):
    # given two robots in the first stage
    administrator = UserFactory(username="admin", is_superuser=True)
    first = pipeline.stages.get(name="New")
    for name in ("Call", "Mail"):
        robot_create(place=first, values={"name": name, "action": "automation.add_comment",
                                          "settings": {"text": name}})  # fmt: skip
    page = log_in(administrator)
    page.goto(f"/automation/pipelines/{pipeline.pk}/")
    dialog = page.get_by_test_id("automation-dialog")

    # when a robot gets a condition of two groups in the dialog
    page.get_by_test_id(f"add-robot-{first.pk}").click()
    dialog.get_by_label("Name").fill("Big or painted")
    dialog.get_by_test_id("robot-action").select_option(label="Add a comment")
    dialog.get_by_label("Comment").fill("Look")
    expect(dialog.get_by_label("Delay", exact=True)).to_be_hidden()  # "immediately"
    dialog.get_by_label("When", exact=True).select_option(label="After a delay")
    dialog.get_by_label("Delay", exact=True).fill("2")
    dialog.get_by_label("Unit", exact=True).select_option(label="hours")
    builder = dialog.get_by_test_id("condition-builder")
    builder.get_by_test_id("condition-add-group").click()
    row = builder.locator(".condition-row").last
    row.get_by_label("Field").select_option(label="Amount")
    row.get_by_label("Comparison").select_option(label="at least")
    row.get_by_label("Value").fill("1000")
    builder.get_by_role("button", name="+ and").click()
    row = builder.locator(".condition-row").last
    row.get_by_label("Field").select_option(label="Title")
    row.get_by_label("Comparison").select_option(label="is not empty")
    expect(row.get_by_label("Value")).to_be_hidden()
    builder.get_by_test_id("condition-add-group").click()
    row = builder.locator(".condition-row").last
    row.get_by_label("Field").select_option(label="Title")
    row.get_by_label("Comparison").select_option(label="contains")
    row.get_by_label("Value").fill("paint")
    dialog.get_by_role("button", name="Save").click()

    # then
    expect(dialog).to_be_hidden()
    robots = page.get_by_test_id(f"robots-{first.pk}")
    expect(robots).to_contain_text("after 2 hours")
    expect(robots).to_contain_text("if Amount at least 1000 and Title is not empty, or Title")
    robot = Robot.objects.get(name="Big or painted")
    assert robot.condition == {"any": [
        {"all": [{"field": "amount", "op": "gte", "value": "1000"},
                 {"field": "title", "op": "not_empty", "value": ""}]},
        {"all": [{"field": "title", "op": "contains", "value": "paint"}]},
    ]}  # fmt: skip

    # when the last robot is dragged to the top
    handle = robots.locator(f'[data-robot="{robot.pk}"] .drag-handle')
    handle.drag_to(robots.locator("[data-robot]").first, target_position={"x": 10, "y": 2})

    # then the order is stored
    expect(robots.locator("[data-robot]").first).to_contain_text("Big or painted")

    def names_in_order():
        return list(
            Robot.objects.filter(stage=first).order_by("sort").values_list("name", flat=True)
        )

    wait_until(lambda: names_in_order()[0] == "Big or painted", timeout=5)
    assert names_in_order() == ["Big or painted", "Call", "Mail"]

    # when a webhook trigger is added, its address shows once
    page.get_by_test_id(f"add-trigger-{first.pk}").click()
    dialog.get_by_label("Name").fill("From the site")
    dialog.get_by_label("Event").select_option(label="Inbound webhook")
    expect(dialog.get_by_label("Order status")).to_be_hidden()
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_test_id("webhook-url")).to_have_value(
        re.compile(r"^http://.+/hooks/automation/\d+/[\w-]+/$")
    )
    expect(dialog).to_contain_text("Copy it now")
    expect(page.get_by_test_id(f"triggers-{first.pk}")).to_contain_text("From the site")
    dialog.get_by_role("button", name="Done").click()
    expect(dialog).to_be_hidden()
