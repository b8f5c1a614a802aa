"""Dictionaries and pipelines as Bitrix24 clients read them: crm.status.*, crm.category.* and
the deprecated crm.dealcategory.*, through hand-built requests, as the caller sees them."""

import pytest

from accounts.models import RoleStageRule
from deals.events import DealCreated, DealUpdated
from deals.models import Deal
from leads.models import Source
from tests.factories import sales_pipeline

pytestmark = pytest.mark.django_db


@pytest.fixture
def url_of(webhook_of):
    """url_of(user) -> "/rest/<user id>/<code>", a new webhook's base address."""
    return lambda user: f"/rest/{webhook_of(user)}"


def call(client, url: str, method: str, params: dict | None = None):
    return client.post(f"{url}/{method}", params or {}, content_type="application/json")


def stage_ids(pipeline) -> list[str]:
    return [
        f"C{pipeline.pk}:{pk}"
        for pk in pipeline.stages.order_by("sort").values_list("pk", flat=True)
    ]


def test_status_list_holds_lead_statuses_deal_stages_sources_and_types(
    client, url_of, staff, pipeline, statuses
):
    web = Source.objects.create(code="web", name="Website", sort=10)

    answer = call(client, url_of(staff["head"]), "crm.status.list").json()

    rows = {(row["ENTITY_ID"], row["STATUS_ID"]): row for row in answer["result"]}
    assert answer["total"] == len(answer["result"])
    assert rows[("STATUS", "converted")] == {
        "ID": str(statuses["converted"].pk), "ENTITY_ID": "STATUS", "STATUS_ID": "converted",
        "NAME": "Converted", "NAME_INIT": "", "SORT": "30", "SYSTEM": "N", "CATEGORY_ID": None,
        "COLOR": "#39A8EF", "SEMANTICS": "S",
        "EXTRA": {"SEMANTICS": "success", "COLOR": "#39A8EF"},
    }  # fmt: skip
    assert [rows[("STATUS", code)]["SEMANTICS"] for code in ("new", "junk")] == [None, "F"]
    won = pipeline.stages.get(semantics="won")
    assert rows[(f"DEAL_STAGE_{pipeline.pk}", f"C{pipeline.pk}:{won.pk}")] | {
        "ENTITY_ID": "DEAL_STAGE"} == rows[("DEAL_STAGE", f"C{pipeline.pk}:{won.pk}")]  # fmt: skip
    assert rows[("DEAL_STAGE", f"C{pipeline.pk}:{won.pk}")]["CATEGORY_ID"] == str(pipeline.pk)
    assert rows[("SOURCE", "web")]["ID"] == str(web.pk)
    assert (rows[("INDUSTRY", "IT")]["NAME"], rows[("CONTACT_TYPE", "CLIENT")]["ID"]) == (
        "Information technology", "1")  # fmt: skip
    assert {entity for entity, _status in rows} == {
        "STATUS", "DEAL_STAGE", f"DEAL_STAGE_{pipeline.pk}", "SOURCE", "DEAL_TYPE",
        "CONTACT_TYPE", "COMPANY_TYPE", "INDUSTRY"}  # fmt: skip


def test_status_list_filters_by_entity_id_and_orders_as_asked(client, url_of, staff, pipeline):
    answer = call(client, url_of(staff["head"]), "crm.status.list",
                  {"filter": {"ENTITY_ID": f"DEAL_STAGE_{pipeline.pk}"},
                   "order": {"SORT": "DESC"}}).json()  # fmt: skip
    types = call(client, url_of(staff["head"]), "crm.status.list",
                 {"filter": {"ENTITY_ID": "DEAL_TYPE", "STATUS_ID": "goods"}}).json()  # fmt: skip

    assert [row["STATUS_ID"] for row in answer["result"]] == stage_ids(pipeline)[::-1]
    assert [row["SEMANTICS"] for row in answer["result"]] == ["F", "S", None, None]
    assert types["result"] == [{
        "ID": "3", "ENTITY_ID": "DEAL_TYPE", "STATUS_ID": "GOODS", "NAME": "Goods",
        "NAME_INIT": "Goods", "SORT": "30", "SYSTEM": "Y", "CATEGORY_ID": None, "COLOR": None,
        "SEMANTICS": None}]  # fmt: skip


def test_entity_types_describe_each_dictionary_and_its_stages(client, url_of, staff, pipeline):
    service = sales_pipeline("Service")
    first, _negotiation, won, lost = stage_ids(service)

    answer = call(client, url_of(staff["head"]), "crm.status.entity.types").json()

    types = {row["ID"]: row for row in answer["result"]}
    assert types[f"DEAL_STAGE_{service.pk}"] == {
        "ID": f"DEAL_STAGE_{service.pk}", "NAME": "Deal stages (Service)",
        "PARENT_ID": "DEAL_STAGE", "ENTITY_TYPE_ID": 2, "PREFIX": f"C{service.pk}",
        "CATEGORY_ID": service.pk,
        "SEMANTIC_INFO": {"START_FIELD": first, "FINAL_SUCCESS_FIELD": won,
                          "FINAL_UNSUCCESS_FIELD": lost, "FINAL_SORT": 30},
    }  # fmt: skip
    assert "PARENT_ID" not in types["DEAL_STAGE"]
    assert types["DEAL_STAGE"]["CATEGORY_ID"] == pipeline.pk
    assert types["STATUS"]["SEMANTIC_INFO"]["FINAL_SUCCESS_FIELD"] == "converted"
    assert types["SOURCE"] == {"ID": "SOURCE", "NAME": "Sources"}


def test_a_pipeline_closed_to_the_manager_s_role_is_not_shown_to_the_manager(
    client, url_of, staff, pipeline
):
    closed = sales_pipeline("Service")
    manager_role = staff["responsible"].roles.get()
    RoleStageRule.objects.bulk_create(
        RoleStageRule(role=manager_role, stage=stage, can_view=False)
        for stage in closed.stages.all()
    )
    won = pipeline.stages.get(semantics="won")
    RoleStageRule.objects.create(role=manager_role, stage=won, can_view=False)
    manager, head = url_of(staff["responsible"]), url_of(staff["head"])

    seen = {row["ENTITY_ID"] for row in call(client, manager, "crm.status.list").json()["result"]}
    stages = call(client, manager, "crm.status.list",
                  {"filter": {"ENTITY_ID": "DEAL_STAGE"}}).json()["result"]  # fmt: skip
    categories = call(client, manager, "crm.category.list", {"entityTypeId": 2}).json()
    old_list = call(client, manager, "crm.dealcategory.list").json()["result"]
    refused = call(client, manager, "crm.dealcategory.get", {"id": closed.pk})
    head_sees = call(client, head, "crm.category.get", {"entityTypeId": 2, "id": closed.pk})

    assert f"DEAL_STAGE_{closed.pk}" not in seen and f"DEAL_STAGE_{pipeline.pk}" in seen
    assert f"C{pipeline.pk}:{won.pk}" not in [row["STATUS_ID"] for row in stages]
    assert [row["id"] for row in categories["result"]["categories"]] == [pipeline.pk]
    assert [row["ID"] for row in old_list] == [str(pipeline.pk)]
    assert (refused.status_code, refused.json()["error_description"]) == (400, "Not found")
    assert head_sees.json()["result"]["category"]["name"] == "Service"


def test_a_stage_id_from_the_status_list_is_taken_by_crm_deal_add(client, url_of, staff):
    service = sales_pipeline("Service")
    url = url_of(staff["responsible"])
    rows = call(client, url, "crm.status.list",
                {"filter": {"ENTITY_ID": f"DEAL_STAGE_{service.pk}"}}).json()["result"]  # fmt: skip
    negotiation = rows[1]

    added = call(client, url, "crm.deal.add", {"fields": {
        "TITLE": "Repair", "CATEGORY_ID": negotiation["CATEGORY_ID"],
        "STAGE_ID": negotiation["STATUS_ID"]}})  # fmt: skip

    deal = Deal.objects.get(pk=added.json()["result"])
    assert (deal.pipeline_id, str(deal.stage_id)) == (service.pk, negotiation["ID"])
    shown = call(client, url, "crm.deal.get", {"id": deal.pk}).json()["result"]
    assert shown["STAGE_ID"] == negotiation["STATUS_ID"]


def test_categories_of_deals_by_the_new_api_and_none_for_leads(client, url_of, staff, pipeline):
    service = sales_pipeline("Service")
    url = url_of(staff["head"])

    listed = call(client, url, "crm.category.list", {"entityTypeId": 2}).json()
    default = call(client, url, "crm.category.get", {"entityTypeId": 2, "id": 0}).json()
    leads = call(client, url, "crm.category.list", {"entityTypeId": 1})
    missing = call(client, url, "crm.category.get", {"entityTypeId": 2, "id": 9999})

    assert listed["total"] == 2
    assert listed["result"]["categories"] == [
        {"id": pipeline.pk, "name": "Sales", "sort": 100, "entityTypeId": 2, "isDefault": "Y",
         "originId": "", "originatorId": ""},
        {"id": service.pk, "name": "Service", "sort": 100, "entityTypeId": 2, "isDefault": "N",
         "originId": "", "originatorId": ""},
    ]  # fmt: skip
    assert default["result"] == {"category": listed["result"]["categories"][0]}
    assert (leads.status_code, leads.json()["error"]) == (400, "ENTITY_TYPE_NOT_SUPPORTED")
    assert (missing.status_code, missing.json()["error"]) == (400, "")


def test_the_deprecated_dealcategory_methods(client, url_of, staff, pipeline):
    service = sales_pipeline("Service")
    url = url_of(staff["head"])

    listed = call(client, url, "crm.dealcategory.list",
                  {"filter": {"NAME": "service"}, "order": {"ID": "DESC"}}).json()  # fmt: skip
    got = call(client, url, "crm.dealcategory.get", {"id": service.pk}).json()["result"]
    status = call(client, url, "crm.dealcategory.status", {"id": service.pk}).json()["result"]
    default_status = call(client, url, "crm.dealcategory.status", {"id": 0}).json()["result"]
    stages = call(client, url, "crm.dealcategory.stage.list", {"id": service.pk}).json()
    from_status_list = call(client, url, "crm.status.list",
                            {"filter": {"ENTITY_ID": status}}).json()["result"]  # fmt: skip
    default = call(client, url, "crm.dealcategory.default.get").json()["result"]

    assert listed["result"] == [got] and listed["total"] == 1
    assert set(got) == {"ID", "CREATED_DATE", "NAME", "IS_LOCKED", "SORT"}
    assert (got["ID"], got["NAME"], got["IS_LOCKED"], got["SORT"]) == (
        str(service.pk), "Service", "N", "100")  # fmt: skip
    assert (status, default_status) == (f"DEAL_STAGE_{service.pk}", "DEAL_STAGE")
    assert stages["result"] == from_status_list
    assert [row["STATUS_ID"] for row in stages["result"]] == stage_ids(service)
    assert default == {"ID": pipeline.pk, "NAME": "Sales"}


@pytest.mark.parametrize("pipelines", [2, 5])
def test_the_status_list_s_queries_do_not_grow_with_pipelines(
    client, url_of, staff, pipelines, django_assert_max_num_queries
):
    for number in range(1, pipelines):
        sales_pipeline(f"Extra {number}")
    url = url_of(staff["responsible"])

    # the webhook's and the transaction's own, then lead statuses, pipelines, stages, sources
    with django_assert_max_num_queries(8):
        answer = call(client, url, "crm.status.list").json()

    assert (
        len({row["ENTITY_ID"] for row in answer["result"]}) == 6 + pipelines
    )  # STATUS, DEAL_STAGE, 4 choices


def test_a_deal_added_without_a_title_is_named_by_its_number_once(
    client, url_of, staff, pipeline, record_events, django_capture_on_commit_callbacks
):
    events = record_events(DealCreated, DealUpdated)

    with django_capture_on_commit_callbacks(execute=True):
        added = call(client, url_of(staff["responsible"]), "crm.deal.add", {"fields": {}})

    deal = Deal.objects.get(pk=added.json()["result"])
    assert deal.title == f"Deal #{deal.pk}"
    assert [type(event) for event in events] == [DealCreated]  # not edited after it was made
