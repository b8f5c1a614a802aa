"""Triggers: set up with checked settings, fired by events, moving an item forward into the
trigger's place (back only when allowed), never across pipelines."""

import hashlib

import pytest
from django.core.exceptions import ValidationError

from activities.models import Activity
from activities.services import activity_complete, activity_create
from automation.models import Trigger
from automation.triggers import (
    trigger_create,
    trigger_delete,
    trigger_for_token,
    trigger_token_rotate,
    trigger_update,
    trigger_webhook_url,
    triggers_fire,
)
from deals.models import DealStageChange
from deals.services import deal_move_to_stage, deal_update
from tests.factories import LeadFactory, sales_pipeline


def make_trigger(place, kind: str, settings: dict | None = None, **values) -> Trigger:
    trigger, _token = trigger_create(
        place=place, values={"name": values.pop("name", kind), "kind": kind,
                             "settings": settings or {}, **values},
    )  # fmt: skip
    return trigger


def stage_names(deal) -> list[str]:
    """The stages the deal was moved into, in order."""
    changes = DealStageChange.objects.filter(deal=deal).order_by("id")
    return [change.to_stage.name for change in changes]


@pytest.mark.parametrize(
    ("kind", "settings", "details"),
    [
        ("payment_received", {}, {}),
        ("order_status_changed", {"status": "shipped"}, {"status": "shipped"}),
        ("form_submitted", {"form": 7}, {"form": 7}),
        ("form_submitted", {}, {"form": 12}),
        ("email_received", {}, {}),
        ("activity_completed", {"activity_kind": "call"}, {"activity_kind": "call"}),
        ("activity_completed", {}, {"activity_kind": "meeting"}),
        ("field_changed", {"field": "comments"}, {"fields": ["title", "comments"]}),
        ("webhook", {}, {}),
    ],
)
def test_each_kind_of_trigger_moves_the_deal_into_its_stage(deal, stages, kind, settings, details):
    trigger = make_trigger(stages["Negotiation"], kind, settings)

    fired = triggers_fire(kind=kind, entity_type="deal", entity_id=deal.pk, details=details)

    deal.refresh_from_db()
    assert fired == trigger
    assert deal.stage == stages["Negotiation"]
    change = DealStageChange.objects.get(deal=deal)
    assert (change.from_stage, change.to_stage, change.actor) == (
        stages["New"], stages["Negotiation"], None,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "settings", "details"),
    [
        ("order_status_changed", {"status": "shipped"}, {"status": "paid"}),
        ("order_status_changed", {"status": "shipped"}, {}),
        ("form_submitted", {"form": 7}, {"form": 8}),
        ("activity_completed", {"activity_kind": "call"}, {"activity_kind": "task"}),
        ("field_changed", {"field": "comments"}, {"fields": ["title"]}),
        ("field_changed", {"field": "comments", "value": "paid"}, {"fields": ["comments"]}),
    ],
)
def test_an_event_that_does_not_match_the_settings_moves_nothing(
    deal, stages, kind, settings, details
):
    make_trigger(stages["Negotiation"], kind, settings)

    fired = triggers_fire(kind=kind, entity_type="deal", entity_id=deal.pk, details=details)

    deal.refresh_from_db()
    assert fired is None
    assert deal.stage == stages["New"]
    assert not DealStageChange.objects.filter(deal=deal).exists()


def test_another_kind_of_event_or_an_inactive_trigger_moves_nothing(deal, stages):
    make_trigger(stages["Negotiation"], "payment_received", is_active=False)
    make_trigger(stages["Won"], "email_received")

    assert triggers_fire(kind="payment_received", entity_type="deal", entity_id=deal.pk) is None

    deal.refresh_from_db()
    assert deal.stage == stages["New"]


def test_the_furthest_forward_matching_trigger_wins(deal, stages):
    make_trigger(stages["Negotiation"], "payment_received", name="Paid a part")
    won = make_trigger(stages["Won"], "payment_received", name="Paid in full")

    fired = triggers_fire(kind="payment_received", entity_type="deal", entity_id=deal.pk)

    deal.refresh_from_db()
    assert fired == won
    assert stage_names(deal) == ["Won"]
    assert deal.closed_at is not None


def test_a_deal_moves_back_only_when_the_trigger_allows_it(deal, stages, manager):
    # given a deal that reached Won, and a trigger in the stage behind it
    deal = deal_move_to_stage(deal=deal, stage=stages["Won"], actor=manager)
    backwards = make_trigger(stages["Negotiation"], "email_received")

    # when the event comes, it stays in Won
    assert triggers_fire(kind="email_received", entity_type="deal", entity_id=deal.pk) is None
    deal.refresh_from_db()
    assert deal.stage == stages["Won"] and stage_names(deal) == ["Won"]

    # then, once the trigger allows moving back, the same event moves it back
    trigger_update(trigger=backwards, values={"allow_backwards": True})
    fired = triggers_fire(kind="email_received", entity_type="deal", entity_id=deal.pk)
    deal.refresh_from_db()
    assert fired == backwards
    assert stage_names(deal) == ["Won", "Negotiation"]
    assert deal.closed_at is None


def test_a_trigger_of_the_current_stage_does_nothing_and_a_second_event_is_a_no_op(deal, stages):
    make_trigger(stages["New"], "payment_received", allow_backwards=True)
    make_trigger(stages["Negotiation"], "order_status_changed", {"status": "shipped"})

    assert triggers_fire(kind="payment_received", entity_type="deal", entity_id=deal.pk) is None
    for _ in range(2):
        triggers_fire(kind="order_status_changed", entity_type="deal", entity_id=deal.pk,
                      details={"status": "shipped"})  # fmt: skip

    deal.refresh_from_db()
    assert stage_names(deal) == ["Negotiation"]


def test_a_trigger_of_another_pipeline_does_nothing(deal, stages):
    wholesale = sales_pipeline("Wholesale")
    make_trigger(wholesale.stages.get(name="Negotiation"), "payment_received")

    assert triggers_fire(kind="payment_received", entity_type="deal", entity_id=deal.pk) is None

    deal.refresh_from_db()
    assert deal.stage == stages["New"]
    assert not DealStageChange.objects.filter(deal=deal).exists()


def test_a_missing_item_is_left_alone(deal, stages):
    make_trigger(stages["Won"], "payment_received")

    assert triggers_fire(kind="payment_received", entity_type="deal", entity_id=999_999) is None
    assert triggers_fire(kind="payment_received", entity_type="contact", entity_id=deal.pk) is None


def test_a_lead_moves_into_its_trigger_status_and_a_converted_lead_stays(statuses, money):
    lead = LeadFactory(status=statuses["new"])
    converted = LeadFactory(status=statuses["converted"])
    trigger = make_trigger(statuses["in_process"], "form_submitted", {"form": "3"})

    fired = triggers_fire(kind="form_submitted", entity_type="lead", entity_id=lead.pk,
                          details={"form": 3})  # fmt: skip
    untouched = triggers_fire(kind="form_submitted", entity_type="lead", entity_id=converted.pk,
                              details={"form": 3})  # fmt: skip

    lead.refresh_from_db()
    converted.refresh_from_db()
    assert (fired, untouched) == (trigger, None)
    assert (lead.status, converted.status) == (statuses["in_process"], statuses["converted"])


def test_a_changed_field_fires_through_the_handler_once_it_holds_the_value(
    deal, stages, manager, django_capture_on_commit_callbacks
):
    make_trigger(stages["Won"], "field_changed", {"field": "payment_percent", "value": "100.00"})

    with django_capture_on_commit_callbacks(execute=True):
        deal_update(deal=deal, actor=manager, data={"payment_percent": 50})
    deal.refresh_from_db()
    assert deal.stage == stages["New"]

    with django_capture_on_commit_callbacks(execute=True):
        deal_update(deal=deal, actor=manager, data={"payment_percent": 100})
    deal.refresh_from_db()
    assert deal.stage == stages["Won"]
    assert stage_names(deal) == ["Won"]


def test_a_completed_activity_fires_the_triggers_of_every_item_it_concerns(
    deal, stages, manager, statuses, django_capture_on_commit_callbacks
):
    # given a call about a deal and a lead, and triggers waiting for a call in both
    lead = LeadFactory(status=statuses["new"])
    make_trigger(stages["Negotiation"], "activity_completed", {"activity_kind": "call"})
    make_trigger(statuses["in_process"], "activity_completed", {"activity_kind": "call"})
    make_trigger(stages["Won"], "activity_completed", {"activity_kind": "meeting"})
    call = activity_create(kind=Activity.Kind.CALL, subject="Call the client", actor=manager,
                           bound_to=[deal, lead])  # fmt: skip

    # when the call is done
    with django_capture_on_commit_callbacks(execute=True):
        activity_complete(activity=call, actor=manager)

    # then the deal and the lead both moved, the meeting's trigger did nothing
    deal.refresh_from_db()
    lead.refresh_from_db()
    assert deal.stage == stages["Negotiation"]
    assert lead.status == statuses["in_process"]


@pytest.mark.parametrize(
    ("kind", "settings", "errors"),
    [
        ("field_changed", {"field": "stage"}, {"field": ["Choose a field of the deal."]}),
        ("field_changed", {}, {"field": ["Choose a field of the deal."]}),
        ("field_changed", {"field": "amount", "value": "lots"},
         {"value": ["lots is not a number (amount)."]}),
        ("field_changed", {"field": "is_open_to_all", "value": "maybe"},
         {"value": ["open to all is yes or no."]}),
        ("field_changed", {"field": "deal_type", "value": "barter"},
         {"value": ["barter is not a choice of type."]}),
        ("activity_completed", {"activity_kind": "fax"},
         {"activity_kind": ["Choose a kind of activity."]}),
        ("order_status_changed", {}, {"status": ["Give the order status that moves the item."]}),
        ("order_status_changed", {"status": "  "},
         {"status": ["Give the order status that moves the item."]}),
        ("form_submitted", {"form": "contact-us"}, {"form": ["A web form is chosen by its id."]}),
        ("payment_received", {"amount": 5, "currency": "RUB"},
         {"settings": ["This event takes no setting amount, currency."]}),
        ("webhook", ["token"], {"settings": ["The settings of a trigger are a dictionary."]}),
        ("sms_received", {}, {"kind": ["Choose the event the trigger waits for."]}),
    ],
)  # fmt: skip
def test_bad_settings_are_refused_with_clear_messages(stages, kind, settings, errors):
    with pytest.raises(ValidationError) as refused:
        trigger_create(place=stages["Won"],
                       values={"name": "Paid", "kind": kind, "settings": settings})  # fmt: skip

    assert refused.value.message_dict == errors
    assert not Trigger.objects.exists()


def test_a_trigger_needs_a_name_and_cannot_lead_to_the_converted_status(statuses, stages):
    with pytest.raises(ValidationError) as unnamed:
        trigger_create(place=stages["Won"], values={"name": " ", "kind": "payment_received"})
    with pytest.raises(ValidationError) as converted:
        trigger_create(place=statuses["converted"], values={"name": "Paid", "kind": "webhook"})

    assert unnamed.value.message_dict == {"name": ["Give the trigger a name."]}
    assert converted.value.message_dict == {
        "lead_status": [
            "A lead becomes converted only by its conversion: a trigger cannot move it there."
        ]
    }
    assert not Trigger.objects.exists()


def test_a_failed_update_changes_nothing(stages):
    trigger = make_trigger(stages["Won"], "order_status_changed", {"status": "shipped"})

    with pytest.raises(ValidationError) as refused:
        trigger_update(trigger=trigger, values={"name": "Delivered", "settings": {"status": ""}})

    assert refused.value.message_dict == {"status": ["Give the order status that moves the item."]}
    trigger.refresh_from_db()
    assert (trigger.name, trigger.settings) == ("order_status_changed", {"status": "shipped"})


def test_settings_are_stored_normalised_and_triggers_sorted_in_their_stage(stages):
    first = make_trigger(stages["Won"], "field_changed",
                         {"field": "is_open_to_all", "value": "Yes"})  # fmt: skip
    second = make_trigger(stages["Won"], "form_submitted", {"form": "12"})
    third = make_trigger(stages["Won"], "activity_completed", {"activity_kind": ""})
    fourth = make_trigger(stages["Won"], "field_changed", {"field": "amount", "value": "100.00"})

    assert first.settings == {"field": "is_open_to_all", "value": "true"}
    assert second.settings == {"form": 12}
    assert third.settings == {}
    assert fourth.settings == {"field": "amount", "value": "100"}
    assert [first.sort, second.sort, third.sort, fourth.sort] == [10, 20, 30, 40]
    assert (first.stage, first.lead_status, first.entity_type) == (stages["Won"], None, "deal")


def test_a_webhook_trigger_shows_its_token_once_and_keeps_only_its_hash(stages):
    # given a webhook trigger and a payment trigger
    hook, token = trigger_create(place=stages["Won"], values={"name": "Paid", "kind": "webhook"})
    payment, no_token = trigger_create(place=stages["Won"],
                                       values={"name": "Pay", "kind": "payment_received"})  # fmt: skip

    # then only the webhook has a token, stored as its sha256
    assert len(token) >= 40 and no_token == "" and payment.token_hash == ""
    assert hook.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Trigger.objects.values_list())
    assert trigger_webhook_url(hook, token) == f"/hooks/automation/{hook.pk}/{token}/"
    assert trigger_for_token(trigger_id=hook.pk, token=token) == hook
    assert trigger_for_token(trigger_id=hook.pk, token=token[:-1]) is None

    # when the token is rotated, the old one stops working
    new_token = trigger_token_rotate(trigger=hook)
    assert new_token != token
    assert trigger_for_token(trigger_id=hook.pk, token=token) is None
    assert trigger_for_token(trigger_id=hook.pk, token=new_token) == hook

    # and a trigger that stops being a webhook loses its token
    trigger_update(trigger=hook, values={"kind": "email_received"})
    hook.refresh_from_db()
    assert hook.token_hash == ""
    assert trigger_for_token(trigger_id=hook.pk, token=new_token) is None
    with pytest.raises(ValidationError) as refused:
        trigger_token_rotate(trigger=payment)
    assert refused.value.message_dict == {"kind": ["Only an inbound webhook trigger has a token."]}


def test_a_deleted_trigger_fires_no_more(deal, stages):
    trigger = make_trigger(stages["Won"], "payment_received")

    trigger_delete(trigger=trigger)

    assert not Trigger.objects.exists()
    assert triggers_fire(kind="payment_received", entity_type="deal", entity_id=deal.pk) is None
