"""The official Python SDK (b24pysdk) against a live server, as a shop module uses it."""

from decimal import Decimal

import pytest
from b24pysdk.errors import BitrixAPIError

from contacts.models import Communication, Contact
from deals.models import Deal
from tests.factories import DealFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_deal_added_is_read_back_in_bitrix24_s_types(sdk, staff, pipeline):
    client = sdk(staff["responsible"])
    won = pipeline.stages.get(semantics="won")

    deal_id = client.crm.deal.add(fields={
        "TITLE": "Order #1001", "CATEGORY_ID": 0, "STAGE_ID": "NEW", "OPPORTUNITY": 1990.5,
        "CURRENCY_ID": "RUB", "OPENED": "Y", "CLOSEDATE": "2026-12-01T00:00:00+03:00",
    }, params={"REGISTER_SONET_EVENT": "Y"}).result  # fmt: skip
    deal = client.crm.deal.get(bitrix_id=deal_id).result
    assert client.crm.deal.update(bitrix_id=deal_id, fields={"STAGE_ID": "WON"}).result is True

    stored = Deal.objects.get(pk=deal_id)
    first = pipeline.stages.order_by("sort").first()
    assert (deal["ID"], deal["TITLE"], deal["OPPORTUNITY"], deal["CURRENCY_ID"]) == (
        str(deal_id), "Order #1001", "1990.50", "RUB")  # fmt: skip
    assert (deal["CATEGORY_ID"], deal["STAGE_ID"], deal["STAGE_SEMANTIC_ID"]) == (
        str(pipeline.pk), f"C{pipeline.pk}:{first.pk}", "P")  # fmt: skip
    assert (deal["OPENED"], deal["CLOSED"], deal["ASSIGNED_BY_ID"]) == (
        "Y", "N", str(staff["responsible"].pk))  # fmt: skip
    assert deal["CLOSEDATE"].startswith("2026-12-01T00:00:00")
    assert (stored.amount, stored.stage, stored.responsible) == (
        Decimal("1990.50"), won, staff["responsible"])  # fmt: skip


def test_a_list_filters_pages_by_50_and_the_sdk_reads_every_page_through_batch(sdk, staff):
    manager = staff["responsible"]
    for number in range(120):
        DealFactory(title=f"Deal {number}", amount=number * 10, responsible=manager)
    client = sdk(manager)

    first = client.crm.deal.list(select=["ID", "OPPORTUNITY"], filter={">=OPPORTUNITY": 100},
                                 order={"ID": "DESC"}).response  # fmt: skip
    every = client.crm.deal.list(select=["ID"], filter={">=OPPORTUNITY": 100}).as_list().result
    fast = client.crm.deal.list(select=["ID"], filter={"<OPPORTUNITY": 1000}).as_list_fast().result

    assert (len(first.result), first.total) == (50, 110)
    assert int(first.result[0]["ID"]) > int(first.result[1]["ID"])
    assert sorted(int(row["ID"]) for row in every) == sorted(
        Deal.objects.filter(amount__gte=100).values_list("pk", flat=True))  # fmt: skip
    assert len({row["ID"] for row in fast}) == 100


def test_a_contact_s_phones_and_e_mails_are_patched_not_replaced(sdk, staff):
    client = sdk(staff["responsible"])
    contact_id = client.crm.contact.add(fields={
        "NAME": "Ann", "LAST_NAME": "Lee",
        "PHONE": [{"VALUE": "+7 916 111-11-11", "VALUE_TYPE": "WORK"},
                  {"VALUE": "+7 916 222-22-22", "VALUE_TYPE": "MOBILE"}],
    }).result  # fmt: skip
    phones = client.crm.contact.get(bitrix_id=contact_id).result["PHONE"]

    updated = client.crm.contact.update(bitrix_id=contact_id, fields={
        "PHONE": [{"ID": phones[0]["ID"], "VALUE": "+7 916 333-33-33"},
                  {"ID": phones[1]["ID"], "DELETE": "Y"}],
        "EMAIL": [{"VALUE": "ann@example.com", "VALUE_TYPE": "HOME"}],
    }).result  # fmt: skip

    assert updated is True
    kept = Communication.objects.filter(contact_id=contact_id).order_by("kind", "value")
    assert [(each.kind, each.value, each.label) for each in kept] == [
        ("email", "ann@example.com", "home"), ("phone", "+7 916 333-33-33", "work")]  # fmt: skip
    assert Contact.objects.get(pk=contact_id).first_name == "Ann"


def test_a_batch_uses_an_earlier_command_s_result(sdk, staff):
    manager = staff["responsible"]
    deal = DealFactory(title="Referenced", responsible=manager)
    client = sdk(manager)

    answer = client.get_token().call_batch({
        "first": ("crm.deal.list", {"filter": {"TITLE": "Referenced"}, "select": ["ID"]}),
        "again": ("crm.deal.get", {"id": "$result[first][0][ID]"}),
        "broken": ("crm.deal.get", {"id": 0}),
        "after": ("crm.deal.get", {"id": deal.pk}),
    }, halt=True)["result"]  # fmt: skip

    assert answer["result"]["again"]["TITLE"] == "Referenced"
    assert answer["result"]["again"]["ID"] == str(deal.pk)
    assert answer["result_total"] == {"first": 1}
    assert answer["result_error"]["broken"]["error_description"] == "ID is not defined or invalid."
    assert "after" not in answer["result"]  # halt: nothing runs after the first error


def test_errors_surface_as_the_sdk_s_exceptions(sdk, staff):
    client = sdk(staff["responsible"], scopes=("user",))
    other = DealFactory(responsible=staff["other"])

    with pytest.raises(BitrixAPIError) as no_scope:
        _ = client.crm.deal.get(bitrix_id=other.pk).result
    client = sdk(staff["responsible"])
    with pytest.raises(BitrixAPIError) as unseen:
        _ = client.crm.deal.get(bitrix_id=other.pk).result
    with pytest.raises(BitrixAPIError) as missing:
        _ = client.crm.company.add(fields={"COMMENTS": "no title"}).result

    assert (no_scope.value.status_code, no_scope.value.error) == (403, "insufficient_scope")
    assert (unseen.value.status_code, unseen.value.error, unseen.value.error_description) == (
        400, "", "Not found")  # fmt: skip
    assert "TITLE" in missing.value.error_description
