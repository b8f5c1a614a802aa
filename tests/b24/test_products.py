"""Product rows of deals and leads and the catalog's crm.product.* methods, through the official
SDK and as a PHP shop module posts them."""

from decimal import Decimal
from urllib.parse import urlencode

import pytest
from b24pysdk.errors import BitrixAPIError

from b24.services import webhook_create
from catalog.models import Product, ProductRow
from deals.models import Deal
from leads.models import Lead
from tests.factories import DealFactory, LeadFactory, ProductFactory

live = pytest.mark.django_db(transaction=True)
TEA = {"name": "Green tea", "price": Decimal(350), "vat_rate": Decimal(20)}


@live
def test_deal_rows_set_with_a_product_and_a_delivery_are_read_back_and_make_the_amount(sdk, staff):
    manager = staff["responsible"]
    tea = ProductFactory(**TEA, is_vat_included=True)
    deal = DealFactory(responsible=manager)
    client = sdk(manager)

    written = client.crm.deal.productrows.set(bitrix_id=deal.pk, rows=[
        # 10% off 350 with VAT inside: Bitrix24's PRICE is the final 315
        {"PRODUCT_ID": tea.pk, "PRICE": 315, "QUANTITY": 2, "DISCOUNT_TYPE_ID": 2,
         "DISCOUNT_RATE": 10, "TAX_RATE": 20, "TAX_INCLUDED": "Y", "MEASURE_CODE": 796},
        # 500 net less 100, VAT on top: 480
        {"PRODUCT_ID": 0, "PRODUCT_NAME": "Delivery", "PRICE": 480, "DISCOUNT_TYPE_ID": 1,
         "DISCOUNT_SUM": 100, "TAX_RATE": 20, "TAX_INCLUDED": "N", "SORT": 20},
    ]).result  # fmt: skip
    rows = client.crm.deal.productrows.get(bitrix_id=deal.pk).result
    opportunity = client.crm.deal.get(bitrix_id=deal.pk).result["OPPORTUNITY"]

    assert written is True
    tea_row, delivery = rows
    assert tea_row | {"ID": "*"} == {
        "ID": "*", "OWNER_ID": str(deal.pk), "OWNER_TYPE": "D", "PRODUCT_ID": tea.pk,
        "PRODUCT_NAME": "Green tea", "ORIGINAL_PRODUCT_NAME": "Green tea", "PRICE": 315.0,
        "PRICE_EXCLUSIVE": 262.5, "PRICE_NETTO": 291.67, "PRICE_BRUTTO": 350.0, "QUANTITY": 2.0,
        "DISCOUNT_TYPE_ID": 2, "DISCOUNT_RATE": 10.0, "DISCOUNT_SUM": 29.17, "TAX_RATE": 20.0,
        "TAX_INCLUDED": "Y", "MEASURE_CODE": 796, "MEASURE_NAME": "pcs", "SORT": 10,
    }  # fmt: skip
    assert (delivery["PRODUCT_ID"], delivery["PRODUCT_NAME"], delivery["DISCOUNT_TYPE_ID"]) == (
        0, "Delivery", 1)  # fmt: skip
    assert [delivery[key] for key in ("PRICE", "PRICE_EXCLUSIVE", "PRICE_NETTO", "PRICE_BRUTTO",
                                      "DISCOUNT_SUM", "DISCOUNT_RATE")] == [
        480.0, 400.0, 500.0, 600.0, 100.0, 20.0]  # fmt: skip
    stored = Deal.objects.get(pk=deal.pk)
    assert (opportunity, stored.amount, stored.tax_amount) == (
        "1110.00", Decimal("1110.00"), Decimal("185.00"))  # fmt: skip

    # what get answers, set takes back unchanged
    assert client.crm.deal.productrows.set(bitrix_id=deal.pk, rows=rows).result is True
    again = client.crm.deal.productrows.get(bitrix_id=deal.pk).result
    assert [{**row, "ID": ""} for row in again] == [{**row, "ID": ""} for row in rows]
    assert Deal.objects.get(pk=deal.pk).amount == Decimal("1110.00")


@live
def test_lead_rows_take_net_and_gross_prices_and_an_empty_set_clears_them(sdk, staff):
    manager = staff["responsible"]
    lead = LeadFactory(responsible=manager)
    client = sdk(manager)

    added = client.crm.lead.productrows.set(bitrix_id=lead.pk, rows=[
        {"PRODUCT_NAME": "Setup", "PRICE_NETTO": 1000, "TAX_RATE": 20},
        {"PRODUCT_NAME": "Box", "PRICE_BRUTTO": 120, "QUANTITY": 3, "TAX_RATE": 20,
         "TAX_INCLUDED": "Y", "MEASURE_NAME": "упак"},
    ]).result  # fmt: skip
    rows = client.crm.lead.productrows.get(bitrix_id=lead.pk).result
    amount = Lead.objects.get(pk=lead.pk).amount
    cleared = client.crm.lead.productrows.set(bitrix_id=lead.pk, rows=[]).result

    assert [(row["OWNER_TYPE"], row["PRODUCT_NAME"], row["PRICE"], row["QUANTITY"])
            for row in rows] == [("L", "Setup", 1200.0, 1.0), ("L", "Box", 120.0, 3.0)]  # fmt: skip
    assert (rows[1]["MEASURE_CODE"], rows[1]["TAX_INCLUDED"]) == (778, "Y")
    assert (added, cleared, amount) == (True, True, Decimal("1560.00"))
    assert not ProductRow.objects.filter(lead=lead).exists()
    assert Lead.objects.get(pk=lead.pk).amount == 0


@live
def test_an_unknown_product_and_another_manager_s_deal_are_refused(sdk, staff):
    client = sdk(staff["responsible"])
    own = DealFactory(responsible=staff["responsible"])
    others = DealFactory(responsible=staff["other"])
    ProductRow.objects.create(deal=others, product_name="Kept", price=10, line_total=10)

    with pytest.raises(BitrixAPIError) as unseen:
        _ = client.crm.deal.productrows.set(
            bitrix_id=others.pk, rows=[{"PRODUCT_NAME": "Mine now", "PRICE": 1}]
        ).result
    with pytest.raises(BitrixAPIError) as unseen_rows:
        _ = client.crm.deal.productrows.get(bitrix_id=others.pk).result
    with pytest.raises(BitrixAPIError) as unknown:
        _ = client.crm.deal.productrows.set(bitrix_id=own.pk, rows=[{"PRODUCT_ID": 999999}]).result

    assert (unseen.value.status_code, unseen.value.error, unseen.value.error_description) == (
        400, "", "Not found")  # fmt: skip
    assert unseen_rows.value.error_description == "Not found"
    assert "999999" in unknown.value.error_description
    assert list(ProductRow.objects.filter(deal=others).values_list("product_name", flat=True)) == [
        "Kept"]  # fmt: skip


@live
def test_products_are_added_read_and_listed_by_pages_of_50(sdk, staff, money):
    token = sdk(staff["responsible"]).get_token()
    ProductFactory.create_batch(54)

    product_id = token.call_method("crm.product.add", {"fields": {
        "NAME": "Green tea", "PRICE": "350.50", "CURRENCY_ID": "USD", "DESCRIPTION": "100 g",
        "ACTIVE": "Y", "SORT": 10, "XML_ID": "GT-100", "VAT_INCLUDED": "N", "MEASURE": 4,
        "VAT_ID": 3, "PREVIEW_PICTURE": "ignored",
    }})["result"]  # fmt: skip
    product = token.call_method("crm.product.get", {"id": product_id})["result"]
    first = token.call_method(
        "crm.product.list", {"order": {"ID": "ASC"}, "select": ["ID", "NAME"]}
    )
    last = token.call_method("crm.product.list", {"start": 50, "filter": {">PRICE": 0}})
    found = token.call_method("crm.product.list", {"filter": {"%NAME": "tea", "MEASURE": 4}})
    fields = token.call_method("crm.product.fields")["result"]

    stored = Product.objects.get(pk=product_id)
    assert (stored.currency_id, stored.measure, stored.external_id, stored.origin) == (
        "USD", "kg", "GT-100", "manual")  # fmt: skip
    assert {key: product[key] for key in ("ID", "NAME", "PRICE", "CURRENCY_ID", "ACTIVE",
                                          "VAT_INCLUDED", "MEASURE", "SORT", "SECTION_ID")} == {
        "ID": str(product_id), "NAME": "Green tea", "PRICE": "350.50", "CURRENCY_ID": "USD",
        "ACTIVE": "Y", "VAT_INCLUDED": "N", "MEASURE": "4", "SORT": "10", "SECTION_ID": None,
    }  # fmt: skip
    assert (len(first["result"]), first["total"], first["next"]) == (50, 55, 50)
    assert set(first["result"][0]) == {"ID", "NAME"}
    assert (len(last["result"]), last["total"], "next" in last) == (5, 55, False)
    assert [row["ID"] for row in found["result"]] == [str(product_id)]
    assert fields["NAME"]["isRequired"] is True and fields["ID"]["isReadOnly"] is True


@pytest.mark.django_db
def test_a_php_shop_module_s_form_post_of_rows(client, staff):
    manager = staff["responsible"]
    tea = ProductFactory(**TEA, is_vat_included=True)
    deal = DealFactory(responsible=manager)
    _webhook, code = webhook_create(user=manager, name="Shop", scopes=["crm"])
    body = urlencode([
        ("id", deal.pk),
        ("rows[0][PRODUCT_ID]", tea.pk), ("rows[0][PRICE]", "350.00"), ("rows[0][QUANTITY]", "3"),
        ("rows[1][PRODUCT_ID]", "0"), ("rows[1][PRODUCT_NAME]", "Доставка"),
        ("rows[1][PRICE]", "300"), ("rows[1][TAX_INCLUDED]", "Y"),
    ])  # fmt: skip

    answer = client.post(f"/rest/{manager.pk}/{code}/crm.deal.productrows.set.json", body,
                         content_type="application/x-www-form-urlencoded").json()  # fmt: skip

    assert answer["result"] is True
    assert [(row.product_id, row.product_name, row.price, row.quantity, row.tax_rate)
            for row in ProductRow.objects.filter(deal=deal).order_by("sort")] == [
        (tea.pk, "Green tea", Decimal("350.00"), Decimal(3), Decimal(20)),
        (None, "Доставка", Decimal("300.00"), Decimal(1), None),
    ]  # fmt: skip
    assert Deal.objects.get(pk=deal.pk).amount == Decimal("1350.00")


@pytest.mark.django_db
@pytest.mark.parametrize("count", [2, 20])
def test_reading_rows_costs_the_same_queries_however_many(
    client, staff, count, django_assert_max_num_queries
):
    manager = staff["responsible"]
    deal = DealFactory(responsible=manager)
    tea = ProductFactory(**TEA)
    ProductRow.objects.bulk_create(
        ProductRow(deal=deal, product=tea if number % 2 else None, product_name=f"Row {number}",
                   price=10, line_total=10, sort=number)
        for number in range(count)
    )  # fmt: skip
    _webhook, code = webhook_create(user=manager, name="Shop", scopes=["crm"])

    with django_assert_max_num_queries(8):
        answer = client.get(f"/rest/{manager.pk}/{code}/crm.deal.productrows.get?id={deal.pk}")

    rows = answer.json()["result"]
    assert len(rows) == count
    assert rows[1]["ORIGINAL_PRODUCT_NAME"] == "Green tea"
