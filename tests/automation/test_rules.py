"""Scheduled rules: each kind finds the right deals in the database and acts on each once per
entry; a refused action is recorded, not retried; the run's queries do not depend on how
many deals match."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from activities.models import Activity, Notification, TimelineEvent
from automation.models import ScheduledRule, ScheduledRuleFiring
from automation.rules import (
    scheduled_rule_create,
    scheduled_rule_delete,
    scheduled_rule_update,
    scheduled_rules_run,
)
from automation.tasks import scheduled_rules_run_task
from deals.models import Deal, DealStageChange, Stage
from deals.services import StageSpec, deal_create, deal_move_to_stage, pipeline_create
from tests.factories import CompanyFactory, ContactFactory, UserFactory, sales_pipeline

TASK = {"subject": "Call about {title}", "due_in": 1, "due_unit": "days", "priority": "normal"}
DAY = datetime.timedelta(days=1)


def rule_for(**values) -> ScheduledRule:
    return scheduled_rule_create(values={"name": "Rule", "action": "automation.create_task",
                                         "settings": TASK, **values})  # fmt: skip


def entered(deal: Deal, stage: Stage, *, ago: datetime.timedelta) -> Deal:
    """Move the deal into `stage` and date the move `ago`."""
    deal = deal_move_to_stage(deal=deal, stage=stage, actor=None)
    DealStageChange.objects.filter(deal=deal, to_stage=stage).update(at=timezone.now() - ago)
    return deal


def tasks_about() -> list[str]:
    return sorted(Activity.objects.filter(kind="task").values_list("subject", flat=True))


def test_idle_in_stage_acts_once_on_the_deals_idle_longer_than_the_wait(stages, manager):
    # given a rule for deals idle 3 days in Negotiation, and deals idle or not
    rule = rule_for(kind="idle_in_stage", stage=stages["Negotiation"], wait=3, wait_unit="days")
    new = lambda title: deal_create(title=title, actor=None, responsible=manager)  # noqa: E731
    idle = entered(new("Idle"), stages["Negotiation"], ago=5 * DAY)
    entered(new("Busy"), stages["Negotiation"], ago=1 * DAY)
    entered(new("Elsewhere"), stages["Won"], ago=5 * DAY)
    new("Just created")
    now = timezone.now()

    # when the rules run, twice
    assert scheduled_rules_run(now=now) == 1
    assert scheduled_rules_run(now=now) == 0

    # then the idle deal got one task for its responsible, and the firing names its entry
    task = Activity.objects.get(kind="task")
    assert (task.subject, task.responsible, task.is_created_by_robot) == (
        "Call about Idle", manager, True,
    )  # fmt: skip
    assert task.bindings.get().entity_id == idle.pk
    entry = DealStageChange.objects.filter(deal=idle).latest("id")
    firing = ScheduledRuleFiring.objects.get()
    assert (firing.entity_type, firing.entity_id, firing.entry, firing.error) == (
        "deal", idle.pk, str(entry.pk), "",
    )  # fmt: skip
    rule.refresh_from_db()
    assert rule.last_run_at == now
    event = TimelineEvent.objects.get(entity_type="deal", entity_id=idle.pk, kind="robot_ran")
    assert event.payload == {"robot": "Rule", "rule": rule.pk, "action": "Create a task",
                             "summary": "Call about Idle"}  # fmt: skip


def test_a_deal_that_comes_back_to_the_stage_is_found_again(stages, manager):
    rule_for(kind="idle_in_stage", stage=stages["Negotiation"], wait=2, wait_unit="hours")
    deal = deal_create(title="Returns", actor=None, responsible=manager)
    entered(deal, stages["Negotiation"], ago=3 * DAY)
    assert scheduled_rules_run() == 1

    entered(deal, stages["New"], ago=2 * DAY)
    entered(deal, stages["Negotiation"], ago=1 * DAY)

    assert scheduled_rules_run() == 1
    assert scheduled_rules_run() == 0
    assert tasks_about() == ["Call about Returns", "Call about Returns"]
    assert ScheduledRuleFiring.objects.values("entry").distinct().count() == 2


def test_many_findings_are_taken_a_batch_at_a_time(stages, manager):
    rule_for(kind="idle_in_stage", stage=stages["Negotiation"], wait=1, wait_unit="days")
    for number in range(5):
        deal = deal_create(title=f"Idle {number}", actor=None, responsible=manager)
        entered(deal, stages["Negotiation"], ago=2 * DAY)

    assert scheduled_rules_run(batch_size=2) == 5
    assert scheduled_rules_run(batch_size=2) == 0
    assert tasks_about() == [f"Call about Idle {number}" for number in range(5)]


def won_deal(title: str, pipeline, *, company=None, contact=None, closed_ago=40 * DAY,
             responsible=None) -> Deal:  # fmt: skip
    stage = pipeline.stages.get(semantics="won")
    deal = deal_create(title=title, actor=None, pipeline=pipeline, stage=stage, company=company,
                       contacts=[contact] if contact else [], responsible=responsible)  # fmt: skip
    Deal.objects.filter(pk=deal.pk).update(closed_at=timezone.now() - closed_ago)
    return deal


def test_repeat_sale_finds_the_clients_who_bought_once_and_have_nothing_open(pipeline, manager):
    # given won deals of various clients
    won = lambda title, **kw: won_deal(title, pipeline, responsible=manager, **kw)  # noqa: E731
    once = won("Company bought once", company=CompanyFactory(title="Once"))
    person = won("Person bought once", contact=ContactFactory())
    twice = CompanyFactory(title="Twice")
    won("Twice, first", company=twice)
    won("Twice, second", company=twice, closed_ago=100 * DAY)
    talking = CompanyFactory(title="Talking")
    won("Bought and talks again", company=talking)
    deal_create(title="Open", actor=None, company=talking, responsible=manager)
    won("Bought lately", company=CompanyFactory(), closed_ago=5 * DAY)
    won("Nobody's", closed_ago=60 * DAY)
    regular = ContactFactory()
    won("Person bought twice, first", contact=regular)
    won("Person bought twice, second", contact=regular, closed_ago=400 * DAY)
    lost = CompanyFactory(title="Lost one too")
    won("Bought once, lost once", company=lost)
    deal_create(title="Lost", actor=None, company=lost, stage=pipeline.stages.get(name="Lost"))
    won_deal("Other pipeline", sales_pipeline("Wholesale"), company=CompanyFactory())
    rule = rule_for(kind="repeat_sale", pipeline=pipeline, wait=30, wait_unit="days",
                    settings=TASK | {"subject": "Offer a repeat order: {title}"})  # fmt: skip
    lost_deal = Deal.objects.get(title="Bought once, lost once")

    # when the rules run, twice
    assert scheduled_rules_run() == 3
    assert scheduled_rules_run() == 0

    # then each one-time buyer's won deal got one task, keyed by the won deal
    assert tasks_about() == [
        "Offer a repeat order: Bought once, lost once",
        "Offer a repeat order: Company bought once",
        "Offer a repeat order: Person bought once",
    ]
    firings = ScheduledRuleFiring.objects.filter(rule=rule)
    assert sorted(firings.values_list("entity_id", "entry")) == sorted(
        (deal.pk, str(deal.pk)) for deal in (once, person, lost_deal)
    )


def shipping_pipeline():
    return pipeline_create(name="Shop orders", stages=[
        StageSpec("New order", 10), StageSpec("Shipped", 20),
        StageSpec("Paid", 30, Stage.Semantics.WON), StageSpec("Cancelled", 40, Stage.Semantics.LOST),
    ])  # fmt: skip


def test_shipped_unpaid_notifies_about_orders_shipped_longer_than_the_wait(pipeline, manager):
    orders = shipping_pipeline()
    shipped, paid = orders.stages.get(name="Shipped"), orders.stages.get(name="Paid")
    rule_for(kind="shipped_unpaid", stage=shipped, wait=1, wait_unit="hours",
             action="automation.notify_users",
             settings={"message": "{title} is shipped but not paid", "to_responsible": True})  # fmt: skip
    new = lambda title: deal_create(title=title, actor=None, pipeline=orders,  # noqa: E731
                                    responsible=manager)  # fmt: skip
    entered(new("Order 1"), shipped, ago=datetime.timedelta(hours=2))
    entered(new("Order 2"), shipped, ago=datetime.timedelta(minutes=30))
    entered(entered(new("Order 3"), shipped, ago=3 * DAY), paid, ago=2 * DAY)

    assert scheduled_rules_run() == 1
    assert scheduled_rules_run() == 0

    notices = Notification.objects.filter(recipient=manager, kind="message")
    assert list(notices.values_list("message", flat=True)) == ["Order 1 is shipped but not paid"]


def test_a_refused_action_is_recorded_once_and_the_administrators_told(stages, manager):
    # given a rule whose task goes to the responsible, and idle deals without one
    admin = UserFactory(username="root", is_superuser=True)
    rule_for(kind="idle_in_stage", stage=stages["Negotiation"], wait=1, wait_unit="days")
    orphans = [entered(deal_create(title=f"Orphan {number}", actor=None), stages["Negotiation"],
                       ago=2 * DAY) for number in (1, 2)]  # fmt: skip

    # when the rules run, twice
    assert scheduled_rules_run() == 2
    assert scheduled_rules_run() == 0

    # then nothing was created, each firing keeps the reason, one notice went to the admin
    assert tasks_about() == []
    firings = ScheduledRuleFiring.objects.order_by("entity_id")
    assert [(f.entity_id, f.error) for f in firings] == [
        (deal.pk, "The item has no responsible to give the activity to.") for deal in orphans
    ]
    notice = Notification.objects.get(recipient=admin)
    assert (notice.title, notice.params) == ("Scheduled rule %(rule)s failed", {
        "rule": "Rule", "count": 2, "error": "The item has no responsible to give the activity to.",
    })  # fmt: skip
    assert TimelineEvent.objects.filter(kind="robot_ran", payload__failed=True).count() == 2


def test_an_inactive_rule_does_nothing_and_the_task_runs_the_active_ones(stages, manager):
    rule = rule_for(kind="idle_in_stage", stage=stages["Negotiation"], wait=1, wait_unit="days",
                    is_active=False)  # fmt: skip
    entered(deal_create(title="Idle", actor=None, responsible=manager), stages["Negotiation"],
            ago=2 * DAY)  # fmt: skip
    assert scheduled_rules_run_task.delay().get() == 0

    scheduled_rule_update(rule=rule, values={"is_active": True})

    assert scheduled_rules_run_task.delay().get() == 1
    assert tasks_about() == ["Call about Idle"]


def queries_of_runs(size: int, manager) -> tuple[int, int]:
    """The queries of a first and a second run of a rule that finds `size` deals (in a fresh
    pipeline of its own; every other rule is off)."""
    pipeline = sales_pipeline(f"Pipeline of {size}")
    negotiation = pipeline.stages.get(name="Negotiation")
    ScheduledRule.objects.update(is_active=False)
    rule_for(kind="idle_in_stage", stage=negotiation, wait=1, wait_unit="days",
             action="automation.add_comment", settings={"text": "Idle: {title}"})  # fmt: skip
    for number in range(size):
        deal = deal_create(title=f"Deal {number}", actor=None, pipeline=pipeline,
                           responsible=manager)  # fmt: skip
        entered(deal, negotiation, ago=2 * DAY)
    with CaptureQueriesContext(connection) as first:
        assert scheduled_rules_run() == size
    with CaptureQueriesContext(connection) as second:
        assert scheduled_rules_run() == 0
    return len(first), len(second)


def test_the_queries_of_a_run_do_not_grow_with_the_deals_beyond_the_actions_own(manager, money):
    first_5, second_5 = queries_of_runs(5, manager)
    first_10, second_10 = queries_of_runs(10, manager)
    first_50, second_50 = queries_of_runs(50, manager)

    # finding the deals costs the same for 5 and 50; each deal acted on costs the same
    assert second_5 == second_10 == second_50
    per_deal = (first_10 - first_5) / 5
    assert first_50 - first_5 == 45 * per_deal
    assert per_deal <= 20  # mostly the comment's own writes and savepoints


@pytest.mark.parametrize(
    ("values", "errors"),
    [
        ({"kind": "idle_in_stage"}, {"stage": ["Choose the stage where deals stay idle."]}),
        ({"kind": "shipped_unpaid"}, {"stage": ["Choose the stage of shipped orders."]}),
        ({"kind": "shipped_unpaid", "stage": "Won"},
         {"stage": ["Shipped orders wait in a stage in progress, not a closed one."]}),
        ({"kind": "repeat_sale"},
         {"pipeline": ["Choose the pipeline whose won deals the rule looks at."]}),
        ({"kind": "sleep", "stage": "New"}, {"kind": ["Choose what the rule looks for."]}),
        ({"kind": "idle_in_stage", "stage": "New", "name": ""}, {"name": ["Give the rule a name."]}),
        ({"kind": "idle_in_stage", "stage": "New", "wait": 0},
         {"wait": ["Wait at least 1 unit of time."]}),
        ({"kind": "idle_in_stage", "stage": "New", "wait_unit": "weeks"},
         {"wait_unit": ["Choose the unit of the waiting time."]}),
        ({"kind": "idle_in_stage", "stage": "New", "action": "automation.fly"},
         {"action": ["Unknown action automation.fly."]}),
        ({"kind": "idle_in_stage", "stage": "New", "settings": {"due_in": 1}},
         {"subject": ["This field is required."], "due_unit": ["This field is required."],
          "priority": ["This field is required."]}),
        ({"kind": "idle_in_stage", "stage": "New", "action": "automation.change_stage",
          "settings": {"target": "Wholesale"}},
         {"target": ["Choose a stage of the rule's pipeline."]}),
    ],
)  # fmt: skip
def test_a_bad_rule_is_refused_with_clear_messages(stages, values, errors):
    wholesale_won = sales_pipeline("Wholesale").stages.get(name="Won")
    values = dict(values)
    if "stage" in values:
        values["stage"] = stages[values["stage"]]
    if values.get("settings", {}).get("target") == "Wholesale":
        values["settings"] = {"target": wholesale_won.pk}

    with pytest.raises(ValidationError) as refused:
        rule_for(**{"wait": 3, "wait_unit": "days", **values})

    assert refused.value.message_dict == errors
    assert not ScheduledRule.objects.exists()


def test_a_rule_takes_its_stages_pipeline_and_a_failed_update_changes_nothing(stages, pipeline):
    rule = rule_for(kind="idle_in_stage", stage=stages["Negotiation"].pk, wait=3, wait_unit="days",
                    pipeline=sales_pipeline("Wholesale"))  # fmt: skip
    assert (rule.stage, rule.pipeline, rule.settings["subject"]) == (
        stages["Negotiation"], pipeline, "Call about {title}",
    )  # fmt: skip

    with pytest.raises(ValidationError) as refused:
        scheduled_rule_update(rule=rule, values={"name": "Renamed", "stage": None})

    assert refused.value.message_dict == {"stage": ["Choose the stage where deals stay idle."]}
    rule.refresh_from_db()
    assert (rule.name, rule.stage) == ("Rule", stages["Negotiation"])

    scheduled_rule_delete(rule=rule)
    assert not ScheduledRule.objects.exists()
