"""The automation editor: administrators set robots and triggers up per stage (or lead status)
in dialogs; everything is stored through automation.robots / automation.triggers."""

import json

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import PermissionAction, PermissionEntity, PermissionScope
from automation.models import Robot, RobotRun, Trigger
from automation.robots import robot_create
from automation.triggers import trigger_create, trigger_for_token
from tests.factories import LeadFactory, UserFactory, role

HTMX = {"HX-Request": "true"}
COMMENT = {"name": "Say hello", "action": "automation.add_comment",
           "settings-text": "Hello {title}", "timing": "immediately", "delay": "0",
           "delay_unit": "minutes", "is_active": "on"}  # fmt: skip


@pytest.fixture
def administrator(db):
    user = UserFactory(username="administrator")
    user.roles.add(role("Administrator", PermissionScope.ALL,
                        entities=[PermissionEntity.SETTINGS], actions=[PermissionAction.EDIT]))  # fmt: skip
    return user


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


def manager_of_everything_but_settings():
    user = UserFactory(username="manager")
    entities = [entity for entity in PermissionEntity.values if entity != PermissionEntity.SETTINGS]
    user.roles.add(role("Manager", PermissionScope.ALL, entities=entities))
    return user


def comment_robot(place, name="Say hello", **values) -> Robot:
    return robot_create(place=place, values={"name": name, "action": "automation.add_comment",
                                             "settings": {"text": "Hello"}, **values})  # fmt: skip


def create_url(place, kind="robot") -> str:
    place_kind = "stage" if place._meta.model_name == "stage" else "lead-status"
    return reverse(f"automation:{kind}-create", args=[place_kind, place.pk])


def test_the_automation_editor_is_for_administrators_only(client, administrator, stages, statuses):
    # given a robot and a webhook trigger, and a manager whose role may do all but settings
    new = stages["New"]
    robot = comment_robot(new)
    trigger, _token = trigger_create(place=new, values={"name": "Hook", "kind": "webhook"})
    manager = manager_of_everything_but_settings()
    pages = [
        reverse("automation:index"),
        reverse("automation:pipeline", args=[new.pipeline_id]),
        reverse("automation:lead-statuses"),
        create_url(new),
        reverse("automation:robot-update", args=[robot.pk]),
        reverse("automation:robot-settings-fields", args=["stage", new.pk]),
        create_url(new, "trigger"),
        reverse("automation:trigger-update", args=[trigger.pk]),
    ]
    posts = [
        reverse("automation:robots-reorder", args=["stage", new.pk]),
        reverse("automation:trigger-rotate-token", args=[trigger.pk]),
        reverse("automation:robot-delete", args=[robot.pk]),
        reverse("automation:trigger-delete", args=[trigger.pk]),
    ]

    # then: nobody signed in is sent to log in; a manager is refused
    for url in pages:
        assert client.get(url).status_code == 302
    client.force_login(manager)
    for url in pages:
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert client.post(url, headers=HTMX).status_code == 403, url
    assert Robot.objects.count() == Trigger.objects.count() == 1

    # and an administrator is served
    client.force_login(administrator)
    assert client.get(pages[0])["Location"] == pages[1]
    for url in pages[1:]:
        assert client.get(url, headers=HTMX).status_code == 200, url
    for url in posts:
        assert client.post(url, headers=HTMX).status_code == 200, url
    assert Robot.objects.count() == Trigger.objects.count() == 0


def test_the_editor_shows_each_stage_with_its_robots_and_triggers_in_order(
    admin_client, stages, pipeline
):
    # given
    comment_robot(stages["Negotiation"], "Second", timing="after_delay", delay=2,
                  delay_unit="hours")  # fmt: skip
    first = comment_robot(stages["Negotiation"], "First", after_previous=True, is_active=False)
    Robot.objects.filter(pk=first.pk).update(sort=1)
    comment_robot(stages["Negotiation"], "Big ones", condition={
        "any": [{"all": [{"field": "amount", "op": "gte", "value": "1000"}]}]})  # fmt: skip
    trigger_create(place=stages["Won"], values={"name": "Paid", "kind": "payment_received"})

    # when
    page = admin_client.get(reverse("automation:pipeline", args=[pipeline.pk]))

    # then
    assert page.status_code == 200
    columns = page.context["columns"]
    assert [column.place.name for column in columns] == ["New", "Negotiation", "Won", "Lost"]
    assert [robot.name for robot in columns[1].robots] == ["First", "Second", "Big ones"]
    assert [trigger.name for trigger in columns[2].triggers] == ["Paid"]
    html = page.content.decode()
    assert "after 2 hours" in html
    assert "after the previous" in html
    assert "Amount at least 1000" in html
    assert "Payment received" in html
    assert 'class="automation-item inactive"' in html
    assert "Add a comment" in html


def test_an_administrator_adds_changes_reorders_and_deletes_a_robot(admin_client, stages):
    negotiation = stages["Negotiation"]

    # the form for a new robot offers the actions and the first one's settings
    form = admin_client.get(create_url(negotiation), headers=HTMX)
    assert form.status_code == 200
    assert 'name="settings-subject"' in form.content.decode()  # "Create a task" comes first
    fields = admin_client.get(
        reverse("automation:robot-settings-fields", args=["stage", negotiation.pk]),
        {"action": "automation.add_comment"}, headers=HTMX,
    )  # fmt: skip
    assert 'name="settings-text"' in fields.content.decode()

    # when the form is sent
    response = admin_client.post(create_url(negotiation), COMMENT, headers=HTMX)

    # then the robot is stored, the dialog closes and the column shows it
    robot = Robot.objects.get()
    assert response.status_code == 200
    assert "automationDialogClose" in response["HX-Trigger"]
    assert f'id="automation-stage-{negotiation.pk}"' in response.content.decode()
    assert 'hx-swap-oob="outerHTML"' in response.content.decode()
    assert (robot.stage, robot.name, robot.action, robot.settings, robot.sort) == (
        negotiation, "Say hello", "automation.add_comment", {"text": "Hello {title}"}, 10)  # fmt: skip

    # when it is changed to wait two hours within working hours
    response = admin_client.post(
        reverse("automation:robot-update", args=[robot.pk]),
        COMMENT | {"name": "Say hello later", "timing": "after_delay", "delay": "2",
                   "delay_unit": "hours", "working_hours_only": "on"}, headers=HTMX,
    )  # fmt: skip
    robot.refresh_from_db()
    assert (robot.name, robot.timing, robot.delay, robot.delay_unit, robot.working_hours_only) == (
        "Say hello later", "after_delay", 2, "hours", True)  # fmt: skip
    assert "after 2 hours, within working hours" in response.content.decode()

    # when a second robot is put above it
    second = comment_robot(negotiation, "Ask for a review")
    response = admin_client.post(
        reverse("automation:robots-reorder", args=["stage", negotiation.pk]),
        {"robot": [second.pk, robot.pk, "junk"]},
    )  # fmt: skip
    assert response.json() == {"robots": [second.pk, robot.pk]}
    assert list(Robot.objects.order_by("sort").values_list("name", flat=True)) == [
        "Ask for a review", "Say hello later"]  # fmt: skip

    # when it is deleted
    response = admin_client.post(reverse("automation:robot-delete", args=[robot.pk]),
                                 headers=HTMX)  # fmt: skip
    assert response.status_code == 200
    assert list(Robot.objects.values_list("name", flat=True)) == ["Ask for a review"]
    assert "Say hello later" not in response.content.decode()


def test_the_edit_form_shows_the_robot_back(admin_client, stages):
    robot = robot_create(place=stages["New"], values={
        "name": "Call them", "action": "automation.plan_call", "timing": "after_delay",
        "delay": 30, "settings": {"subject": "Call {title}", "due_in": 2, "due_unit": "hours"},
        "condition": {"any": [{"all": [{"field": "title", "op": "contains", "value": "paint"}]}]},
    })  # fmt: skip

    html = admin_client.get(reverse("automation:robot-update", args=[robot.pk]),
                            headers=HTMX).content.decode()  # fmt: skip

    assert 'value="Call them"' in html
    assert '<option value="automation.plan_call" selected>' in html
    assert 'value="Call {title}"' in html
    assert '<option value="title" selected>' in html
    assert '<option value="contains" selected>' in html
    assert 'name="condition_value" value="paint"' in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"settings-text": ""}, "This field is required."),
        ({"name": " "}, "This field is required."),
        ({"timing": "at_date", "date_field": ""}, "Choose the date field the robot times itself by."),
        ({"action": "automation.change_stage", "settings-target": "same"},
         "The item is in this stage already."),
        ({"action": "automation.notify_users", "settings-message": "Look"}, "Choose whom to notify."),
        ({"condition_group": ["0"], "condition_field": ["amount"], "condition_op": ["gte"],
          "condition_value": ["lots"]}, "lots is not a number (Amount)."),
    ],
)  # fmt: skip
def test_a_bad_setting_comes_back_with_its_message_and_nothing_is_stored(
    admin_client, stages, changes, message
):
    negotiation = stages["Negotiation"]
    if changes.get("settings-target") == "same":
        changes = changes | {"settings-target": str(negotiation.pk)}

    response = admin_client.post(create_url(negotiation), COMMENT | changes, headers=HTMX)

    assert response.status_code == 200
    assert "HX-Trigger" not in response
    assert message in response.content.decode()
    assert 'data-testid="robot-form"' in response.content.decode()  # the dialog, again
    assert not Robot.objects.exists()


def test_a_refused_change_leaves_the_robot_as_it_was(admin_client, stages):
    robot = comment_robot(stages["New"])

    response = admin_client.post(reverse("automation:robot-update", args=[robot.pk]),
                                 COMMENT | {"settings-text": ""}, headers=HTMX)  # fmt: skip

    assert "This field is required." in response.content.decode()
    robot.refresh_from_db()
    assert (robot.name, robot.settings) == ("Say hello", {"text": "Hello"})


def test_the_condition_builders_rows_become_the_condition(admin_client, stages, manager):
    # given two groups of rules and a row left without a field
    rows = {
        "condition_group": ["0", "0", "3", "3"],
        "condition_field": ["amount", "title", "responsible", ""],
        "condition_op": ["gte", "contains", "eq", "eq"],
        "condition_value": ["1000", " paint ", str(manager.pk), "ignored"],
    }

    # when
    admin_client.post(create_url(stages["New"]), COMMENT | rows, headers=HTMX)

    # then: rows of a group are joined by AND, groups by OR
    assert Robot.objects.get().condition == {"any": [
        {"all": [{"field": "amount", "op": "gte", "value": "1000"},
                 {"field": "title", "op": "contains", "value": "paint"}]},
        {"all": [{"field": "responsible", "op": "eq", "value": str(manager.pk)}]},
    ]}  # fmt: skip


def test_the_lead_statuses_have_their_own_robots(admin_client, statuses):
    page = admin_client.get(reverse("automation:lead-statuses"))
    assert [column.place.code for column in page.context["columns"]] == [
        "new", "in_process", "converted", "junk"]  # fmt: skip

    admin_client.post(create_url(statuses["new"]), COMMENT, headers=HTMX)

    robot = Robot.objects.get()
    assert (robot.lead_status, robot.stage) == (statuses["new"], None)


def test_the_editor_costs_the_same_queries_for_3_and_30_robots(
    admin_client, stages, pipeline, django_assert_max_num_queries
):
    url = reverse("automation:pipeline", args=[pipeline.pk])

    def add_robots(count: int) -> None:
        places = list(stages.values())
        for number in range(count):
            comment_robot(places[number % 4], f"Robot {number}", timing="after_delay", delay=1,
                          condition={"any": [{"all": [{"field": "amount", "op": "gt",
                                                        "value": "1"}]}]})  # fmt: skip
            if number % 3 == 0:
                trigger_create(place=places[number % 4],
                               values={"name": f"Trigger {number}", "kind": "payment_received"})  # fmt: skip

    add_robots(3)
    with CaptureQueriesContext(connection) as three:
        assert admin_client.get(url).status_code == 200
    add_robots(27)

    with django_assert_max_num_queries(len(three)):
        response = admin_client.get(url)
    assert response.content.decode().count('class="automation-item') == 30 + 10


# triggers


def test_an_administrator_adds_changes_and_deletes_a_trigger(admin_client, stages):
    won = stages["Won"]
    data = {"name": "Big deals", "kind": "field_changed", "field": "amount", "value": "1000",
            "activity_kind": "call", "status": "paid", "is_active": "on"}  # fmt: skip

    response = admin_client.post(create_url(won, "trigger"), data, headers=HTMX)

    trigger = Trigger.objects.get()
    assert "automationDialogClose" in response["HX-Trigger"]
    assert (trigger.stage, trigger.kind, trigger.settings, trigger.allow_backwards) == (
        won,
        "field_changed",
        {"field": "amount", "value": "1000"},
        False,
    )  # only its kind's
    form = admin_client.get(reverse("automation:trigger-update", args=[trigger.pk]), headers=HTMX)
    assert '<option value="amount" selected>' in form.content.decode()

    admin_client.post(reverse("automation:trigger-update", args=[trigger.pk]),
                      data | {"kind": "activity_completed", "allow_backwards": "on"}, headers=HTMX)  # fmt: skip
    trigger.refresh_from_db()
    assert (trigger.kind, trigger.settings, trigger.allow_backwards) == (
        "activity_completed", {"activity_kind": "call"}, True)  # fmt: skip

    admin_client.post(reverse("automation:trigger-delete", args=[trigger.pk]), headers=HTMX)
    assert not Trigger.objects.exists()


def test_a_refused_trigger_comes_back_with_its_message_and_nothing_is_stored(admin_client, stages):
    response = admin_client.post(create_url(stages["Won"], "trigger"),
                                 {"name": "Shipped", "kind": "order_status_changed"}, headers=HTMX)  # fmt: skip

    assert "Give the order status that moves the item." in response.content.decode()
    assert 'data-testid="trigger-form"' in response.content.decode()
    assert not Trigger.objects.exists()


def test_a_webhook_triggers_address_is_shown_once_and_a_new_token_replaces_it(admin_client, stages):
    # when a webhook trigger is added
    response = admin_client.post(create_url(stages["Negotiation"], "trigger"),
                                 {"name": "From the site", "kind": "webhook", "is_active": "on"},
                                 headers=HTMX)  # fmt: skip

    # then its address with the token shows in the dialog, which stays open
    trigger = Trigger.objects.get()
    assert "HX-Trigger" not in response
    url = response.context["webhook_url"]
    assert url.startswith(f"http://testserver/hooks/automation/{trigger.pk}/")
    assert "Copy it now" in response.content.decode()
    assert trigger_for_token(trigger_id=trigger.pk, token=url.rstrip("/").rsplit("/", 1)[1])
    # and not when the trigger is opened again
    form = admin_client.get(reverse("automation:trigger-update", args=[trigger.pk]), headers=HTMX)
    assert url not in form.content.decode()
    assert "New token" in form.content.decode()

    # when a new token is made, the old address stops working
    response = admin_client.post(reverse("automation:trigger-rotate-token", args=[trigger.pk]),
                                 headers=HTMX)  # fmt: skip
    new_url = response.context["webhook_url"]
    assert new_url != url
    assert not trigger_for_token(trigger_id=trigger.pk, token=url.rstrip("/").rsplit("/", 1)[1])
    assert trigger_for_token(trigger_id=trigger.pk, token=new_url.rstrip("/").rsplit("/", 1)[1])


# entry points and the card's Robots panel


def test_the_settings_tabs_and_the_deal_board_lead_administrators_to_the_editor(
    client, administrator, pipeline
):
    client.force_login(administrator)
    editor = reverse("automation:pipeline", args=[pipeline.pk])
    assert editor in client.get(reverse("deals:board")).content.decode()
    assert reverse("automation:index") in client.get(reverse("accounts:roles")).content.decode()

    client.force_login(manager_of_everything_but_settings())
    assert editor not in client.get(reverse("deals:board")).content.decode()


def test_the_robots_panel_shows_the_items_runs_in_one_query(
    client, stages, deal, django_assert_num_queries
):
    # given no run: no panel
    template = Template("{% load automation_tags %}{% item_robots deal %}")
    with django_assert_num_queries(1):
        assert template.render(Context({"deal": deal})).strip() == ""

    # given runs of two robots
    now = timezone.now()
    hello, review = comment_robot(stages["New"]), comment_robot(stages["New"], "Review")
    RobotRun.objects.create(robot=hello, entity_type="deal", entity_id=deal.pk, entry="1",
                            status="done", due_at=now, finished_at=now)  # fmt: skip
    RobotRun.objects.create(robot=review, entity_type="deal", entity_id=deal.pk, entry="1",
                            status="failed", due_at=now, error="No responsible.")  # fmt: skip
    RobotRun.objects.create(robot=review, entity_type="deal", entity_id=deal.pk + 1, entry="1")

    # when
    with django_assert_num_queries(1):
        html = template.render(Context({"deal": deal}))

    # then
    assert html.count('class="robot-run ') == 2
    assert "Say hello" in html and "Done" in html
    assert "Failed" in html and "No responsible." in html
    client.force_login(UserFactory(username="root", is_superuser=True))
    card = client.get(deal.get_absolute_url()).content.decode()
    assert 'data-testid="robot-runs"' in card


def test_the_lead_card_has_the_robots_panel_once_a_robot_ran(client, statuses, manager):
    lead = LeadFactory(title="Roof paint", responsible=manager)
    client.force_login(UserFactory(username="root", is_superuser=True))
    url = lead.get_absolute_url()
    assert 'data-testid="robot-runs"' not in client.get(url).content.decode()
    robot = comment_robot(statuses["new"], "Greet")
    RobotRun.objects.create(robot=robot, entity_type="lead", entity_id=lead.pk, entry="x")

    html = client.get(url).content.decode()

    assert 'data-testid="robot-runs"' in html and "Greet" in html and "Queued" in html


# the admin


def test_the_robot_admin_checks_through_the_robot_services(client, stages):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    url = reverse("admin:automation_robot_add")
    data = {"stage": stages["New"].pk, "name": "Hello", "action": "automation.add_comment",
            "settings": json.dumps({"text": ""}), "timing": "immediately", "delay": "0",
            "delay_unit": "minutes", "date_field": "", "condition": "{}", "is_active": "on"}  # fmt: skip

    refused = client.post(url, data)

    assert refused.status_code == 200
    assert "text: This field is required." in refused.content.decode()
    assert not Robot.objects.exists()

    done = client.post(url, data | {"settings": json.dumps({"text": "Hello {title}"})})

    assert done.status_code == 302
    robot = Robot.objects.get()
    assert (robot.settings, robot.sort) == ({"text": "Hello {title}"}, 10)
    change = client.post(reverse("admin:automation_robot_change", args=[robot.pk]),
                         data | {"timing": "at_date"})  # fmt: skip
    assert "Choose the date field the robot times itself by." in change.content.decode()
    robot.refresh_from_db()
    assert robot.timing == "immediately"


def test_the_robot_run_admin_is_read_only_and_searched_by_item_id(client, stages, deal):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    robot = comment_robot(stages["New"])
    RobotRun.objects.create(robot=robot, entity_type="deal", entity_id=deal.pk, entry="1")
    url = reverse("admin:automation_robotrun_changelist")

    assert client.get(url, {"q": str(deal.pk)}).context["cl"].result_count == 1
    assert client.get(url, {"q": "not a number"}).status_code == 200
    assert client.get(reverse("admin:automation_robotrun_add")).status_code == 403


def test_the_automation_admin_pages_render_with_rows(client, stages, deal):
    from automation.models import ScheduledRule, SmsMessage
    from automation.rules import scheduled_rule_create

    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    robot = comment_robot(stages["New"])
    trigger, _token = trigger_create(place=stages["Won"], values={"name": "Paid",
                                                                  "kind": "payment_received"})  # fmt: skip
    rule = scheduled_rule_create(values={
        "name": "Idle", "kind": "idle_in_stage", "stage": stages["New"], "wait": 3,
        "wait_unit": "days", "action": "automation.add_comment", "settings": {"text": "Idle"},
    })  # fmt: skip
    run = RobotRun.objects.create(robot=robot, entity_type="deal", entity_id=deal.pk, entry="1")
    sms = SmsMessage.objects.create(phone="+79161234567", text="Hi", provider="log")

    for obj in (robot, trigger, rule, run, sms):
        name = f"admin:automation_{obj._meta.model_name}"
        assert client.get(reverse(f"{name}_changelist")).status_code == 200
        assert client.get(reverse(f"{name}_change", args=[obj.pk])).status_code == 200
    assert ScheduledRule.objects.count() == 1


def test_a_trigger_that_becomes_a_webhook_gets_its_address_at_once(admin_client, stages):
    trigger, _token = trigger_create(place=stages["Won"], values={"name": "Paid",
                                                                  "kind": "payment_received"})  # fmt: skip

    response = admin_client.post(reverse("automation:trigger-update", args=[trigger.pk]),
                                 {"name": "Paid", "kind": "webhook", "is_active": "on"},
                                 headers=HTMX)  # fmt: skip

    token = response.context["webhook_url"].rstrip("/").rsplit("/", 1)[1]
    assert trigger_for_token(trigger_id=trigger.pk, token=token) == trigger


def test_a_trigger_into_the_converted_status_is_refused_with_the_reason(admin_client, statuses):
    response = admin_client.post(create_url(statuses["converted"], "trigger"),
                                 {"name": "Paid", "kind": "payment_received"}, headers=HTMX)  # fmt: skip

    assert "A lead becomes converted only by its conversion" in response.content.decode()
    assert not Trigger.objects.exists()


def test_the_trigger_and_rule_admins_store_through_their_services(client, stages):
    from automation.models import ScheduledRule

    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    trigger_data = {"stage": stages["Won"].pk, "name": "Hook", "kind": "webhook",
                    "settings": "{}", "is_active": "on"}  # fmt: skip

    refused = client.post(reverse("admin:automation_trigger_add"),
                          trigger_data | {"kind": "order_status_changed"})  # fmt: skip
    assert "Give the order status that moves the item." in refused.content.decode()
    assert not Trigger.objects.exists()

    done = client.post(reverse("admin:automation_trigger_add"), trigger_data, follow=True)
    trigger = Trigger.objects.get()
    assert trigger.token_hash and trigger.sort == 10
    assert f"/hooks/automation/{trigger.pk}/" in done.content.decode()  # the address, once

    rule_data = {"name": "Idle", "kind": "idle_in_stage", "stage": "", "wait": "3",
                 "wait_unit": "days", "action": "automation.add_comment",
                 "settings": json.dumps({"text": "Still there?"}), "is_active": "on"}  # fmt: skip
    refused = client.post(reverse("admin:automation_scheduledrule_add"), rule_data)
    assert "Choose the stage where deals stay idle." in refused.content.decode()
    assert not ScheduledRule.objects.exists()
    client.post(reverse("admin:automation_scheduledrule_add"),
                rule_data | {"stage": stages["New"].pk})  # fmt: skip
    assert ScheduledRule.objects.get().pipeline == stages["New"].pipeline
