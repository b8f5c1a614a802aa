"""The inbound webhook of a trigger: public, its token is the credential, answers the same
404 to anything wrong with the trigger or the token, 400 to a wrong item, and is throttled."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from automation.triggers import trigger_create, trigger_update
from deals.models import DealStageChange
from tests.factories import DealFactory, LeadFactory, sales_pipeline

NOT_FOUND = {"error": {"code": "not_found", "message": "Not found."}}


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def hook(stages):
    """A webhook trigger into Won, and its URL."""
    trigger, token = trigger_create(place=stages["Won"],
                                    values={"name": "Paid", "kind": "webhook"})  # fmt: skip
    return trigger, token, reverse("automation_hooks:fire", args=[trigger.pk, token])


def post(url: str, data: dict, *, as_form: bool = False):
    client = Client(enforce_csrf_checks=True)  # no CSRF token: the hook does not need one
    if as_form:
        return client.post(url, data)
    return client.post(url, data, content_type="application/json")


def test_only_the_right_token_of_an_active_trigger_moves_the_item(deal, stages, hook):
    trigger, token, url = hook
    wrong_token = reverse("automation_hooks:fire", args=[trigger.pk, token[:-2] + "xx"])
    unknown_trigger = reverse("automation_hooks:fire", args=[trigger.pk + 1000, token])

    # a wrong token and an unknown trigger get the same 404 and move nothing
    for refused_url in (wrong_token, unknown_trigger):
        response = post(refused_url, {"entity_id": deal.pk})
        assert (response.status_code, response.json()) == (404, NOT_FOUND)
    deal.refresh_from_db()
    assert deal.stage == stages["New"]

    # the right token moves the deal, as JSON or as a form; a second call changes nothing
    moved = post(url, {"entity_id": deal.pk})
    again = post(url, {"entity_id": str(deal.pk), "entity_type": "deal"}, as_form=True)

    assert (moved.status_code, moved.json()) == (200, {"moved": True, "stage": "Won"})
    assert (again.status_code, again.json()) == (200, {"moved": False, "stage": "Won"})
    deal.refresh_from_db()
    assert deal.stage == stages["Won"]
    assert DealStageChange.objects.filter(deal=deal).count() == 1

    # an inactive trigger answers as if it did not exist
    trigger_update(trigger=trigger, values={"is_active": False})
    response = post(url, {"entity_id": deal.pk})
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    # and the hook takes nothing but POST
    assert Client().get(url).status_code == 405


def test_the_hook_moves_a_deal_forward_only_unless_the_trigger_allows_moving_back(stages, manager):
    deal = DealFactory(stage=stages["Won"], responsible=manager)
    trigger, token = trigger_create(place=stages["Negotiation"],
                                    values={"name": "Back to talks", "kind": "webhook"})  # fmt: skip
    url = reverse("automation_hooks:fire", args=[trigger.pk, token])

    stays = post(url, {"entity_id": deal.pk})
    trigger_update(trigger=trigger, values={"allow_backwards": True})
    back = post(url, {"entity_id": deal.pk})

    assert stays.json() == {"moved": False, "stage": "Won"}
    assert back.json() == {"moved": True, "stage": "Negotiation"}


def test_a_lead_hook_moves_the_lead(statuses, money):
    lead = LeadFactory(status=statuses["new"])
    trigger, token = trigger_create(place=statuses["in_process"],
                                    values={"name": "Called back", "kind": "webhook"})  # fmt: skip

    response = post(reverse("automation_hooks:fire", args=[trigger.pk, token]),
                    {"entity_id": lead.pk})  # fmt: skip

    assert (response.status_code, response.json()) == (200, {"moved": True,
                                                             "stage": "In process"})  # fmt: skip
    lead.refresh_from_db()
    assert lead.status == statuses["in_process"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"entity_id": ["Give the id of the deal to move."]}),
        ({"entity_id": "12a"}, {"entity_id": ["The id of the deal is a whole number."]}),
        ({"entity_id": 999999}, {"entity_id": ["There is no deal 999999."]}),
        ({"entity_id": 1, "entity_type": "lead"},
         {"entity_type": ["This trigger moves only items of type deal."]}),
    ],
)  # fmt: skip
def test_a_missing_or_unknown_item_is_refused_with_400(deal, stages, hook, body, fields):
    _trigger, _token, url = hook

    response = post(url, body)

    assert response.status_code == 400
    assert response.json() == {
        "error": {"code": "invalid", "message": "Some fields are not valid.", "fields": fields}
    }
    deal.refresh_from_db()
    assert deal.stage == stages["New"]


def test_a_deal_of_another_pipeline_is_refused_with_400(stages, hook):
    _trigger, _token, url = hook
    other = DealFactory(pipeline=sales_pipeline("Wholesale"))

    response = post(url, {"entity_id": other.pk})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "entity_id": [f"The deal {other.pk} is in another pipeline than the stage of this trigger."]
    }
    other.refresh_from_db()
    assert other.stage.name == "New" and other.pipeline.name == "Wholesale"


def test_calls_past_the_rate_are_throttled(deal, hook, settings):
    settings.AUTOMATION_HOOK_THROTTLE_RATE = "3/min"
    trigger, _token, url = hook
    wrong_token = reverse("automation_hooks:fire", args=[trigger.pk, "guess"])

    statuses = [post(url, {"entity_id": deal.pk}).status_code for _ in range(2)]
    statuses.append(post(wrong_token, {"entity_id": deal.pk}).status_code)
    statuses.append(post(url, {"entity_id": deal.pk}).status_code)

    assert statuses == [200, 200, 404, 429]
    throttled = post(url, {"entity_id": deal.pk})
    assert throttled.json()["error"]["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0
