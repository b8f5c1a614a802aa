"""Pipelines and stages over the REST API: read by everybody signed in (only the stages their
roles do not close), pipelines created by those who manage the settings."""

import pytest
from django.urls import reverse

from accounts.models import PermissionAction, PermissionEntity, RoleStageRule
from deals.models import Pipeline, Stage
from tests.api_client import api_as
from tests.factories import UserFactory, role, sales_pipeline, sales_staff

PEOPLE = ["responsible", "other", "head", "admin"]
NEW_PIPELINE = {
    "name": "Wholesale", "sort": 200,
    "stages": [
        {"name": "First call", "sort": 10},
        {"name": "Won", "sort": 90, "semantics": "won", "color": "#7BD500"},
        {"name": "Lost", "sort": 100, "semantics": "lost"},
    ],
}  # fmt: skip


@pytest.fixture
def people(db, pipeline):
    users = sales_staff()
    users["admin"] = UserFactory(username="admin")
    users["admin"].roles.add(role("Administrator", "all", entities=[PermissionEntity.SETTINGS],
                                  actions=[PermissionAction.EDIT]))  # fmt: skip
    return users


def stage_rows(pipeline: Pipeline) -> list[dict]:
    return [
        {"id": stage.pk, "pipeline": pipeline.pk, "name": stage.name, "sort": stage.sort,
         "color": stage.color, "semantics": stage.semantics}
        for stage in pipeline.stages.order_by("sort")
    ]  # fmt: skip


@pytest.mark.parametrize("user", PEOPLE)
def test_pipelines_are_read_by_everybody_with_their_stages_in_order(
    people, pipeline, user, django_assert_max_num_queries
):
    api = api_as(people[user])

    with django_assert_max_num_queries(3):
        listed = api.get(reverse("api:pipeline-list"))
    detail = api.get(reverse("api:pipeline-detail", args=[pipeline.pk]))

    assert listed.status_code == detail.status_code == 200
    assert [row["name"] for row in listed.json()["results"]] == ["Sales"]
    body = detail.json()
    assert (body["name"], body["sort"], body["is_default"]) == ("Sales", 100, True)
    assert body["stages"] == stage_rows(pipeline)
    assert [stage["name"] for stage in body["stages"]] == ["New", "Negotiation", "Won", "Lost"]


def test_the_pipeline_list_costs_the_same_queries_for_5_and_50_pipelines(
    people, django_assert_max_num_queries
):
    api = api_as(people["head"])
    sizes = []
    for count in (5, 50):
        while Pipeline.objects.count() < count:
            sales_pipeline(f"Pipeline {Pipeline.objects.count()}")
        with django_assert_max_num_queries(3) as captured:
            response = api.get(reverse("api:pipeline-list"), {"page_size": 100})
        assert len(response.json()["results"]) == count
        sizes.append(len(captured))

    assert sizes[0] == sizes[1]


@pytest.mark.parametrize("user", PEOPLE)
def test_a_pipeline_is_created_only_by_those_who_manage_the_settings(people, user):
    api = api_as(people[user])
    allowed = user == "admin"

    response = api.post(reverse("api:pipeline-list"), NEW_PIPELINE)

    assert response.status_code == (201 if allowed else 403)
    assert Pipeline.objects.filter(name="Wholesale").exists() is allowed
    if allowed:
        created = Pipeline.objects.get(name="Wholesale")
        assert response.json() | {"created_at": None, "updated_at": None} == {
            "id": created.pk, "name": "Wholesale", "sort": 200, "is_default": False,
            "stages": stage_rows(created), "created_at": None, "updated_at": None,
        }  # fmt: skip
        assert [stage["color"] for stage in response.json()["stages"]] == [
            "#39A8EF", "#7BD500", "#39A8EF"]  # fmt: skip
    else:
        assert response.json()["error"]["code"] == "permission_denied"


def test_a_bad_pipeline_gets_the_error_shape_and_nothing_is_created(people):
    api = api_as(people["admin"])

    no_won = api.post(
        reverse("api:pipeline-list"),
        NEW_PIPELINE
        | {
            "stages": [
                {"name": "First call", "sort": 10},
                {"name": "Lost", "sort": 20, "semantics": "lost"},
            ]
        },
    )
    bad_stage = api.post(reverse("api:pipeline-list"), NEW_PIPELINE | {"stages": [
        {"name": "First call", "sort": -1, "semantics": "maybe", "color": "red"}]})  # fmt: skip

    assert no_won.status_code == 400
    assert no_won.json()["error"]["fields"] == {
        "non_field_errors": ["A pipeline needs at least one won stage."]}  # fmt: skip
    assert set(bad_stage.json()["error"]["fields"]) == {
        "stages.0.sort", "stages.0.semantics", "stages.0.color"}  # fmt: skip
    assert list(Pipeline.objects.values_list("name", flat=True)) == ["Sales"]


def test_a_retried_pipeline_create_with_the_same_idempotency_key_creates_one(people):
    api = api_as(people["admin"])
    headers = {"Idempotency-Key": "pipeline-wholesale"}

    first = api.post(reverse("api:pipeline-list"), NEW_PIPELINE, headers=headers)
    again = api.post(reverse("api:pipeline-list"), NEW_PIPELINE, headers=headers)

    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again["Idempotent-Replayed"] == "true"
    assert Pipeline.objects.filter(name="Wholesale").count() == 1


@pytest.mark.parametrize("user", PEOPLE)
def test_stages_are_listed_and_filtered_without_the_ones_closed_to_the_user(
    people, pipeline, user, django_assert_max_num_queries
):
    other_pipeline = sales_pipeline("Service")
    won = pipeline.stages.get(semantics="won")
    RoleStageRule.objects.create(role=people["responsible"].roles.get(), stage=won,
                                 can_view=False)  # fmt: skip
    api = api_as(people[user])
    closed = user in ("responsible", "other")  # both hold the Manager role

    with django_assert_max_num_queries(3):
        listed = api.get(reverse("api:stage-list"), {"pipeline": pipeline.pk})
    detail = api.get(reverse("api:stage-detail", args=[won.pk]))
    everything = api.get(reverse("api:stage-list"), {"page_size": 100})

    expected = [row for row in stage_rows(pipeline) if not (closed and row["id"] == won.pk)]
    assert listed.json()["results"] == expected
    assert detail.status_code == (404 if closed else 200)
    assert len(everything.json()["results"]) == (7 if closed else 8)
    assert {row["pipeline"] for row in everything.json()["results"]} == {
        pipeline.pk, other_pipeline.pk}  # fmt: skip
    nested = api.get(reverse("api:pipeline-detail", args=[pipeline.pk])).json()["stages"]
    assert nested == expected


def test_stages_and_pipelines_are_read_only_here(people, pipeline):
    api = api_as(people["admin"])
    stage = pipeline.stages.first()

    assert api.post(reverse("api:stage-list"), {"name": "X"}).status_code == 405
    assert api.patch(reverse("api:stage-detail", args=[stage.pk]), {"name": "X"}).status_code == 405
    assert api.delete(reverse("api:pipeline-detail", args=[pipeline.pk])).status_code == 405
    assert Stage.objects.filter(name="X").count() == 0
