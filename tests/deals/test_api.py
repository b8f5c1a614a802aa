"""Deals over the REST API: scopes, writes through the services, the error shape, tokens."""

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import PermissionAction, RolePermission, RoleStageRule
from accounts.services import api_token_create, api_token_revoke
from activities.models import TimelineEvent
from deals.models import Deal
from tests.api_client import api_as
from tests.factories import DealFactory, sales_staff

# who sees which deal (see tests/factories.sales_staff): the responsible manager their own,
# the other manager theirs, the head the responsible's (a sub-department's)
VISIBLE = {"responsible": {"responsible"}, "other": {"other"}, "head": {"responsible"}}


@pytest.fixture
def people(db, pipeline):
    users = sales_staff()
    deals = {
        "responsible": DealFactory(title="Responsible's order", responsible=users["responsible"]),
        "other": DealFactory(title="Other's order", responsible=users["other"]),
    }
    return users, deals


@pytest.mark.parametrize("user", VISIBLE)
def test_the_deal_list_and_detail_follow_the_view_scope(
    people, user, django_assert_max_num_queries
):
    users, deals = people
    api = api_as(users[user])

    with django_assert_max_num_queries(8):
        listed = api.get(reverse("api:deal-list"))

    assert {row["title"] for row in listed.json()["results"]} == {
        deals[owner].title for owner in VISIBLE[user]
    }
    for owner, deal in deals.items():
        expected = 200 if owner in VISIBLE[user] else 404
        assert api.get(reverse("api:deal-detail", args=[deal.pk])).status_code == expected


@pytest.mark.parametrize("user", VISIBLE)
@pytest.mark.parametrize("owner", ["responsible", "other"])
def test_deal_changes_and_deletes_follow_the_scopes(people, user, owner):
    users, deals = people
    deal, api = deals[owner], api_as(users[user])
    allowed = owner in VISIBLE[user]
    won = deal.pipeline.stages.get(semantics="won")

    patched = api.patch(reverse("api:deal-detail", args=[deal.pk]), {"title": "Renamed"})
    moved = api.post(reverse("api:deal-move-to-stage", args=[deal.pk]), {"stage": won.pk})

    assert (patched.status_code, moved.status_code) == ((200, 200) if allowed else (404, 404))
    deal.refresh_from_db()
    assert (deal.title == "Renamed", deal.stage_id == won.pk) == (allowed, allowed)
    deleted = api.delete(reverse("api:deal-detail", args=[deal.pk]))
    assert deleted.status_code == (204 if allowed else 404)
    assert Deal.objects.filter(pk=deal.pk).exists() is not allowed


def test_a_deal_seen_but_not_editable_is_refused_with_403(people):
    users, deals = people
    RolePermission.objects.filter(role__users=users["responsible"],
                                  action=PermissionAction.EDIT).update(scope="none")  # fmt: skip
    api = api_as(users["responsible"])

    response = api.patch(reverse("api:deal-detail", args=[deals["responsible"].pk]), {"title": "X"})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_a_move_through_the_api_is_the_service_move_with_its_rules_and_timeline(people):
    users, deals = people
    deal, manager = deals["responsible"], users["responsible"]
    stages = list(deal.pipeline.stages.order_by("sort"))
    won = deal.pipeline.stages.get(semantics="won")
    RoleStageRule.objects.create(role=manager.roles.get(), stage=won, can_move_into=False)
    api = api_as(manager)

    refused = api.post(reverse("api:deal-move-to-stage", args=[deal.pk]), {"stage": won.pk})
    moved = api.post(reverse("api:deal-move-to-stage", args=[deal.pk]), {"stage": stages[1].pk})

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "stage_closed"
    assert moved.status_code == 200 and moved.json()["stage"] == stages[1].pk
    assert TimelineEvent.objects.filter(entity_id=deal.pk, kind="stage_moved").count() == 1


def test_creating_a_deal_checks_the_add_scope_and_answers_the_new_deal(people):
    users, _ = people
    api = api_as(users["responsible"])

    for_other = api.post(reverse("api:deal-list"),
                         {"title": "For retail", "responsible": users["other"].pk})  # fmt: skip
    mine = api.post(reverse("api:deal-list"), {"title": "New order", "amount": "1500.50"})

    assert for_other.status_code == 403
    assert mine.status_code == 201
    body = mine.json()
    assert (body["title"], body["amount"], body["responsible"]) == (
        "New order", "1500.50", users["responsible"].pk)  # fmt: skip
    assert Deal.objects.get(pk=body["id"]).amount == Decimal("1500.50")
    assert not Deal.objects.filter(title="For retail").exists()


def test_bad_input_gets_the_one_error_shape_with_field_paths(people):
    users, deals = people
    api = api_as(users["responsible"])

    missing = api.post(reverse("api:deal-list"), {"amount": "-5"})
    stage_by_edit = api.patch(reverse("api:deal-detail", args=[deals["responsible"].pk]),
                              {"stage": 999, "probability": 150})  # fmt: skip
    not_json = api.generic(
        "POST", reverse("api:deal-list"), "{oops", content_type="application/json"
    )

    assert missing.status_code == 400
    assert set(missing.json()["error"]["fields"]) == {"title", "amount"}
    assert stage_by_edit.status_code == 400
    assert set(stage_by_edit.json()["error"]["fields"]) == {"probability"}
    assert not_json.status_code == 400 and not_json.json()["error"]["code"] == "parse_error"


def test_filters_ordering_fields_and_cursor_pages(people):
    users, _ = people
    manager = users["responsible"]
    for amount in (10, 30, 20):
        DealFactory(responsible=manager, title=f"Order {amount}", amount=amount)
    api = api_as(manager)
    url = reverse("api:deal-list")

    big = api.get(url, {"amount_min": 15, "ordering": "-amount", "fields": "id,title,amount"})
    first = api.get(url, {"page_size": 2})
    second = api.get(first.json()["next"])

    assert [row["title"] for row in big.json()["results"]] == ["Order 30", "Order 20"]
    assert set(big.json()["results"][0]) == {"id", "title", "amount"}
    assert len(first.json()["results"]) == 2 and len(second.json()["results"]) == 2
    seen = [row["id"] for row in first.json()["results"] + second.json()["results"]]
    assert len(set(seen)) == 4


def test_a_token_authenticates_until_it_is_revoked(people):
    users, _ = people
    row, token = api_token_create(user=users["responsible"], name="Shop script")
    api = APIClient()

    anonymous = api.get(reverse("api:deal-list"))
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    with_token = api.get(reverse("api:deal-list"))
    api_token_revoke(token=row)
    revoked = api.get(reverse("api:deal-list"))

    assert anonymous.status_code == 401
    assert with_token.status_code == 200 and len(with_token.json()["results"]) == 1
    assert revoked.status_code == 401 and revoked.json()["error"]["code"] == "authentication_failed"
    assert token not in str(row.__dict__)  # only its hash is kept


def test_a_retried_create_with_the_same_idempotency_key_returns_the_first_deal(people):
    users, _ = people
    api = api_as(users["responsible"])
    headers = {"Idempotency-Key": "order-7781"}

    first = api.post(reverse("api:deal-list"), {"title": "Order 7781"}, headers=headers)
    again = api.post(reverse("api:deal-list"), {"title": "Order 7781"}, headers=headers)
    other = api.post(reverse("api:deal-list"), {"title": "Order 7782"}, headers=headers)

    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused"
    assert Deal.objects.filter(title__startswith="Order 778").count() == 1


def test_requests_are_throttled_per_token(people, monkeypatch):
    from django.core.cache import cache

    from accounts.api_auth import PerTokenRateThrottle

    monkeypatch.setattr(PerTokenRateThrottle, "THROTTLE_RATES", {"api": "3/min"})
    cache.clear()
    user = people[0]["responsible"]
    tokens = [api_token_create(user=user, name=name)[1] for name in ("shop", "script")]

    def statuses(token):
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return [api.get(reverse("api:deal-list")).status_code for _ in range(4)]

    assert statuses(tokens[0]) == [200, 200, 200, 429]
    assert statuses(tokens[1]) == [200, 200, 200, 429]  # each token has its own allowance
    cache.clear()


def test_idempotency_keys_are_forgotten_after_their_days(people):
    import datetime

    from django.utils import timezone

    from core.api.idempotency import idempotency_records_purge
    from core.models import IdempotencyRecord

    users, _ = people
    api = api_as(users["responsible"])
    api.post(reverse("api:deal-list"), {"title": "Old"}, headers={"Idempotency-Key": "old"})
    api.post(reverse("api:deal-list"), {"title": "New"}, headers={"Idempotency-Key": "new"})
    IdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - datetime.timedelta(days=8)
    )

    assert idempotency_records_purge(older_than_days=7) == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


def test_a_deal_cannot_start_in_a_stage_its_role_may_not_move_into(people):
    users, deals = people
    manager = users["responsible"]
    won = deals["responsible"].pipeline.stages.get(semantics="won")
    RoleStageRule.objects.create(role=manager.roles.get(), stage=won, can_move_into=False)

    response = api_as(manager).post(
        reverse("api:deal-list"), {"title": "Won at once", "stage": won.pk}
    )

    assert response.status_code == 409 and response.json()["error"]["code"] == "stage_closed"
    assert not Deal.objects.filter(title="Won at once").exists()


def test_a_deal_links_only_a_company_its_user_may_see(people):
    from tests.factories import CompanyFactory

    users, deals = people
    hidden = CompanyFactory(title="Hidden Co", responsible=users["other"])
    deal = deals["responsible"]

    response = api_as(users["responsible"]).patch(
        reverse("api:deal-detail", args=[deal.pk]), {"company": hidden.pk}
    )

    assert response.status_code == 400 and "company" in response.json()["error"]["fields"]
    deal.refresh_from_db()
    assert deal.company_id is None


def test_creating_without_a_stage_checks_the_default_pipelines_add_right(people):
    users, deals = people
    manager = users["responsible"]
    pipeline = deals["responsible"].pipeline  # the default one
    RolePermission.objects.create(role=manager.roles.get(), entity="deal", action="add",
                                  pipeline=pipeline, scope="none")  # fmt: skip

    response = api_as(manager).post(reverse("api:deal-list"), {"title": "Sneaked in"})

    assert response.status_code == 403
    assert not Deal.objects.filter(title="Sneaked in").exists()


@pytest.mark.parametrize("company", ["0", "9223372036854775808", "-6.7e106"])
def test_an_id_filter_out_of_the_key_range_is_a_clear_400(people, company):
    users, _ = people

    response = api_as(users["responsible"]).get(reverse("api:deal-list"), {"company": company})

    assert response.status_code == 400
    assert "company" in response.json()["error"]["fields"]
