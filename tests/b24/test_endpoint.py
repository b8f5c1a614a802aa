"""The endpoint as a PHP shop module calls it: hand-built form-encoded requests with PHP's
nested keys, Bitrix24's envelope, errors and limits, and the caller's permission scope."""

import json
from urllib.parse import quote

import pytest

from b24.services import webhook_create
from contacts.models import Communication
from deals.models import Deal
from leads.models import Lead
from tests.factories import ContactFactory, DealFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_url(staff):
    _webhook, code = webhook_create(user=staff["responsible"], name="Shop", scopes=["crm", "user"])
    return f"/rest/{staff['responsible'].pk}/{code}"


def test_a_lead_from_a_php_shop_s_form_post_in_windows_1251(client, manager_url, staff):
    body = "&".join(f"{quote(key, encoding='cp1251')}={quote(value, encoding='cp1251')}" for key, value in (
        ("fields[TITLE]", "Заказ №15"), ("fields[NAME]", "Анна"),
        ("fields[PHONE][0][VALUE]", "+7 916 123-45-67"), ("fields[PHONE][0][VALUE_TYPE]", "WORK"),
        ("fields[EMAIL][0][VALUE]", "anna@example.com"), ("fields[SOURCE_ID]", ""),
        ("fields[UTM_SOURCE]", "google"), ("params[REGISTER_SONET_EVENT]", "Y"),
    ))  # fmt: skip

    response = client.post(f"{manager_url}/CRM.Lead.Add.json", body,
                           content_type="application/x-www-form-urlencoded")  # fmt: skip

    assert response.status_code == 200
    lead = Lead.objects.get(pk=response.json()["result"])
    assert (lead.title, lead.first_name, lead.utm_source, lead.responsible) == (
        "Заказ №15", "Анна", "google", staff["responsible"])  # fmt: skip
    assert {(each.kind, each.value) for each in lead.communications.all()} == {
        ("phone", "+7 916 123-45-67"), ("email", "anna@example.com")}  # fmt: skip
    assert set(response.json()["time"]) >= {"start", "finish", "duration", "operating",
                                            "operating_reset_at", "date_start"}  # fmt: skip


def test_query_string_arrays_and_the_ar_prefix_list_what_the_manager_sees(
    client, manager_url, staff
):
    own = [DealFactory(title=f"Own {n}", amount=100 * n, responsible=staff["responsible"])
           for n in range(1, 4)]  # fmt: skip
    DealFactory(title="Other's", amount=500, responsible=staff["other"])

    response = client.get(f"{manager_url}/crm.deal.list?select[]=ID&select[]=TITLE"
                          "&arFilter[>OPPORTUNITY]=150&order[ID]=DESC")  # fmt: skip
    unseen = client.get(
        f"{manager_url}/crm.deal.get?ID={DealFactory(responsible=staff['other']).pk}"
    )

    assert response.json()["result"] == [{"ID": str(deal.pk), "TITLE": deal.title}
                                         for deal in reversed(own[1:])]  # fmt: skip
    assert (response.json()["total"], "next" in response.json()) == (2, False)
    assert (unseen.status_code, unseen.json()) == (
        400,
        {"error": "", "error_description": "Not found"},
    )


def test_a_head_sees_the_department_tree_and_start_minus_one_skips_the_count(client, staff):
    DealFactory(responsible=staff["responsible"])
    DealFactory(responsible=staff["other"])
    _webhook, code = webhook_create(user=staff["head"], name="Head", scopes=["crm"])

    answer = client.post(f"/rest/{staff['head'].pk}/{code}/crm.deal.list/",
                         {"start": -1, "select": ["ID", "ASSIGNED_BY_ID"]},
                         content_type="application/json").json()  # fmt: skip

    assert [row["ASSIGNED_BY_ID"] for row in answer["result"]] == [str(staff["responsible"].pk)]
    assert (answer["total"], "next" in answer) == (0, False)


def test_wrong_codes_unknown_methods_and_bad_bodies_get_bitrix24_s_errors(
    client, manager_url, staff
):
    wrong = client.get(f"/rest/{staff['responsible'].pk}/wrongcode123/crm.deal.list")
    unknown = client.get(f"{manager_url}/crm.nothing.here")
    broken = client.post(
        f"{manager_url}/crm.deal.add", "{not json", content_type="application/json"
    )
    no_fields = client.post(f"{manager_url}/crm.deal.add", {"fields": "x"},
                            content_type="application/json")  # fmt: skip
    bad_stage = client.post(f"{manager_url}/crm.deal.add",
                            {"fields": {"TITLE": "x", "STAGE_ID": "C999:NOPE"}},
                            content_type="application/json")  # fmt: skip

    assert (wrong.status_code, wrong.json()["error"]) == (401, "NO_AUTH_FOUND")
    assert (unknown.status_code, unknown.json()["error"]) == (404, "ERROR_METHOD_NOT_FOUND")
    assert (broken.status_code, broken.json()["error"]) == (400, "INVALID_REQUEST")
    assert no_fields.json() == {
        "error": "",
        "error_description": "Parameter 'fields' must be array.",
    }
    assert (bad_stage.status_code, bad_stage.json()["error_description"]) == (
        400, "Stage 'C999:NOPE' not found.")  # fmt: skip


def test_the_leaky_bucket_answers_503_query_limit_exceeded(client, manager_url, settings):
    settings.B24_RATE_LIMIT_BURST, settings.B24_RATE_LIMIT_PER_SECOND = 3, 0.001

    statuses = [client.get(f"{manager_url}/profile").status_code for _ in range(4)]
    refused = client.get(f"{manager_url}/profile")

    assert statuses == [200, 200, 200, 503]
    assert refused.json()["error"] == "QUERY_LIMIT_EXCEEDED"


def test_an_xml_answer_and_a_revoked_webhook(client, staff):
    webhook, code = webhook_create(user=staff["responsible"], name="X", scopes=["user"])
    url = f"/rest/{staff['responsible'].pk}/{code}"

    xml = client.get(f"{url}/user.current.xml")
    webhook.is_active = False
    webhook.save()
    revoked = client.get(f"{url}/user.current.json")

    assert xml["Content-Type"].startswith("text/xml")
    assert f"<ID>{staff['responsible'].pk}</ID>" in xml.content.decode()
    assert revoked.status_code == 401


def test_a_batch_past_50_commands_and_a_nested_batch_are_refused_per_command(client, manager_url):
    commands = {f"c{n}": "profile" for n in range(51)} | {"nested": "batch?cmd[a]=profile"}

    answer = client.post(f"{manager_url}/batch", json.dumps({"cmd": commands}),
                         content_type="application/json").json()["result"]  # fmt: skip

    assert len(answer["result"]) == 50
    assert answer["result_error"]["c50"]["error"] == "ERROR_BATCH_LENGTH_EXCEEDED"
    assert answer["result_error"]["nested"]["error"] == "ERROR_BATCH_LENGTH_EXCEEDED"
    nested = client.post(f"{manager_url}/batch",
                         json.dumps({"cmd": {"nested": "batch?cmd[a]=profile"}}),
                         content_type="application/json").json()["result"]  # fmt: skip
    assert nested["result_error"]["nested"]["error"] == "ERROR_BATCH_METHOD_NOT_ALLOWED"


@pytest.mark.parametrize("count", [3, 30])
def test_a_list_page_costs_the_same_queries_however_many_rows(
    client, manager_url, staff, count, django_assert_max_num_queries
):
    for number in range(count):
        contact = ContactFactory(responsible=staff["responsible"])
        Communication.objects.create(contact=contact, kind="phone", value=f"+7916000{number:04d}",
                                     normalized_value=f"+7916000{number:04d}")  # fmt: skip

    with django_assert_max_num_queries(12):
        answer = client.get(f"{manager_url}/crm.contact.list?select[]=*&select[]=PHONE").json()

    assert answer["total"] == count
    assert all(row["PHONE"][0]["TYPE_ID"] == "PHONE" for row in answer["result"])


def test_in_no_leads_mode_a_lead_added_is_converted_at_once_as_bitrix24_s_simple_mode(
    client, manager_url, settings
):
    settings.CRM_NO_LEADS_MODE = True

    added = client.post(f"{manager_url}/crm.lead.add", {"fields": {
        "TITLE": "Site order", "NAME": "Anna", "PHONE": [{"VALUE": "+7 916 555-44-33"}]}},
        content_type="application/json").json()  # fmt: skip
    lead = client.get(f"{manager_url}/crm.lead.get?id={added['result']}").json()["result"]

    assert lead["STATUS_SEMANTIC_ID"] == "S"
    deal = Deal.objects.get(lead_id=added["result"])
    assert [contact.first_name for contact in deal.contacts.all()] == ["Anna"]


def test_scope_and_methods_list_what_the_webhook_may_call(client, staff):
    _webhook, code = webhook_create(user=staff["responsible"], name="Ping", scopes=["user"])
    url = f"/rest/{staff['responsible'].pk}/{code}"

    scopes = client.get(f"{url}/scope").json()["result"]
    every_scope = client.get(f"{url}/scope?full=true").json()["result"]
    callable_methods = client.get(f"{url}/methods").json()["result"]

    assert scopes == ["user"]
    assert every_scope == ["crm", "user"]
    assert "user.current" in callable_methods and "batch" in callable_methods
    assert "crm.deal.add" not in callable_methods
