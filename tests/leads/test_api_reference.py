"""Lead statuses, sources and campaigns over the REST API: read by everybody signed in, created
and changed by those who manage the settings, through leads.services."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import PermissionAction, PermissionEntity
from leads.models import Campaign, LeadStatus, Source
from leads.services import campaign_create
from tests.api_client import api_as
from tests.factories import SourceFactory, UserFactory, role, sales_staff

PEOPLE = ["responsible", "other", "head", "admin"]


@pytest.fixture
def people(db, money, statuses):
    users = sales_staff()
    users["admin"] = UserFactory(username="admin")
    users["admin"].roles.add(role("Administrator", "all", entities=[PermissionEntity.SETTINGS],
                                  actions=[PermissionAction.EDIT]))  # fmt: skip
    return users


def without_times(row: dict) -> dict:
    return {name: value for name, value in row.items() if name not in ("created_at", "updated_at")}


@pytest.mark.parametrize("user", PEOPLE)
def test_reference_data_is_read_by_everybody_signed_in(
    people, statuses, user, django_assert_max_num_queries
):
    site = SourceFactory(code="site", name="Website", sort=10)
    SourceFactory(code="call", name="Call", sort=20)
    autumn = campaign_create(name="Autumn sale", utm_campaign="autumn", cost=Decimal("1500.00"),
                             starts_on=datetime.date(2026, 9, 1))  # fmt: skip
    api = api_as(people[user])

    with django_assert_max_num_queries(2):
        status_list = api.get(reverse("api:lead-status-list"))
    with django_assert_max_num_queries(2):
        source_list = api.get(reverse("api:source-list"))
    with django_assert_max_num_queries(2):
        campaign_list = api.get(reverse("api:campaign-list"))
    status = api.get(reverse("api:lead-status-detail", args=[statuses["junk"].pk])).json()
    source = api.get(reverse("api:source-detail", args=[site.pk])).json()
    campaign = api.get(reverse("api:campaign-detail", args=[autumn.pk])).json()

    assert [row["code"] for row in status_list.json()["results"]] == [
        "new", "in_process", "converted", "junk"]  # fmt: skip
    assert [row["code"] for row in source_list.json()["results"]] == ["site", "call"]
    assert [row["name"] for row in campaign_list.json()["results"]] == ["Autumn sale"]
    assert without_times(status) == {"id": statuses["junk"].pk, "code": "junk", "name": "Junk",
                                     "sort": 40, "color": "#39A8EF", "semantics": "junk"}  # fmt: skip
    assert without_times(source) == {"id": site.pk, "code": "site", "name": "Website",
                                     "sort": 10, "is_active": True}  # fmt: skip
    assert without_times(campaign) == {
        "id": autumn.pk, "name": "Autumn sale", "utm_source": "", "utm_medium": "",
        "utm_campaign": "autumn", "cost": "1500.00", "currency": "RUB",
        "starts_on": "2026-09-01", "ends_on": None, "is_active": True,
    }  # fmt: skip


@pytest.mark.parametrize("kind", ["source", "campaign"])
def test_reference_lists_cost_the_same_queries_for_5_and_50_rows(
    people, kind, django_assert_max_num_queries
):
    api = api_as(people["other"])
    model = {"source": Source, "campaign": Campaign}[kind]
    sizes = []
    for count in (5, 50):
        while model.objects.count() < count:
            number = model.objects.count()
            if kind == "source":
                SourceFactory(code=f"source-{number}")
            else:
                campaign_create(name=f"Campaign {number}")
        with django_assert_max_num_queries(2) as captured:
            response = api.get(reverse(f"api:{kind}-list"), {"page_size": 100})
        assert len(response.json()["results"]) == count
        sizes.append(len(captured))

    assert sizes[0] == sizes[1]


@pytest.mark.parametrize("user", PEOPLE)
def test_reference_data_is_created_and_changed_only_by_settings_managers(people, statuses, user):
    api = api_as(people[user])
    allowed = user == "admin"
    expected = (201, 200) if allowed else (403, 403)
    site = SourceFactory(code="site", name="Website")
    autumn = campaign_create(name="Autumn sale")

    new_status = api.post(reverse("api:lead-status-list"),
                          {"code": "callback", "name": "Call back", "sort": 25})  # fmt: skip
    renamed_status = api.patch(reverse("api:lead-status-detail", args=[statuses["new"].pk]),
                               {"name": "Fresh", "color": "#112233"})  # fmt: skip
    new_source = api.post(reverse("api:source-list"), {"code": "expo", "name": "Exhibition"})
    renamed_source = api.patch(reverse("api:source-detail", args=[site.pk]),
                               {"name": "Site", "is_active": False})  # fmt: skip
    new_campaign = api.post(reverse("api:campaign-list"),
                            {"name": "Winter sale", "cost": "900.00", "currency": "USD"})  # fmt: skip
    changed_campaign = api.put(reverse("api:campaign-detail", args=[autumn.pk]),
                               {"name": "Autumn sale 2026", "cost": "100.00"})  # fmt: skip

    assert (new_status.status_code, renamed_status.status_code) == expected
    assert (new_source.status_code, renamed_source.status_code) == expected
    assert (new_campaign.status_code, changed_campaign.status_code) == expected
    assert LeadStatus.objects.filter(code="callback").exists() is allowed
    assert LeadStatus.objects.get(code="new").name == ("Fresh" if allowed else "New")
    assert Source.objects.filter(code="expo").exists() is allowed
    assert Source.objects.get(code="site").is_active is not allowed
    assert Campaign.objects.filter(name="Winter sale", currency_id="USD").exists() is allowed
    autumn.refresh_from_db()
    assert (autumn.name, autumn.cost) == (
        ("Autumn sale 2026", Decimal("100.00")) if allowed else ("Autumn sale", Decimal(0)))  # fmt: skip
    if allowed:
        assert without_times(new_source.json()) == {
            "id": Source.objects.get(code="expo").pk, "code": "expo", "name": "Exhibition",
            "sort": 100, "is_active": True}  # fmt: skip
        assert renamed_status.json()["color"] == "#112233"


def test_bad_reference_data_gets_the_error_shape_and_changes_nothing(people, statuses):
    api = api_as(people["admin"])
    site = SourceFactory(code="site", name="Website")

    taken = api.post(reverse("api:source-list"), {"code": "site", "name": "Again"})
    recoded = api.patch(reverse("api:source-detail", args=[site.pk]), {"code": "web"})
    second_converted = api.post(reverse("api:lead-status-list"),
                                {"code": "won", "name": "Won", "sort": 50,
                                 "semantics": "converted"})  # fmt: skip
    bad_campaign = api.post(reverse("api:campaign-list"),
                            {"name": "Backwards", "cost": "-1", "starts_on": "2026-10-01",
                             "ends_on": "2026-09-01"})  # fmt: skip
    backwards = api.post(reverse("api:campaign-list"),
                         {"name": "Backwards", "starts_on": "2026-10-01",
                          "ends_on": "2026-09-01"})  # fmt: skip

    assert (taken.status_code, set(taken.json()["error"]["fields"])) == (400, {"code"})
    assert recoded.status_code == 200 and recoded.json()["code"] == "site"
    assert second_converted.status_code == 400
    assert set(bad_campaign.json()["error"]["fields"]) == {"cost"}
    assert backwards.status_code == 400 and backwards.json()["error"]["code"] == "invalid"
    assert list(Source.objects.values_list("code", flat=True)) == ["site"]
    assert not LeadStatus.objects.filter(code="won").exists()
    assert not Campaign.objects.exists()


def test_a_retried_campaign_create_with_the_same_idempotency_key_creates_one(people):
    api = api_as(people["admin"])
    headers = {"Idempotency-Key": "campaign-winter"}

    first = api.post(reverse("api:campaign-list"), {"name": "Winter sale"}, headers=headers)
    again = api.post(reverse("api:campaign-list"), {"name": "Winter sale"}, headers=headers)

    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"] and again["Idempotent-Replayed"] == "true"
    assert Campaign.objects.filter(name="Winter sale").count() == 1


def test_reference_data_is_not_deleted_through_the_api(people, statuses):
    api = api_as(people["admin"])

    response = api.delete(reverse("api:lead-status-detail", args=[statuses["junk"].pk]))

    assert response.status_code == 405
    assert LeadStatus.objects.filter(code="junk").exists()
