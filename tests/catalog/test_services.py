import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from catalog.models import Currency, CurrencyRate, Origin, Product, ProductRow, Section
from catalog.services import (
    OwnerTotals,
    ProductRowInput,
    currency_base,
    currency_convert,
    currency_set_rate,
    product_create,
    product_rows_as_input,
    product_rows_replace,
    product_update,
    section_create,
)
from core.errors import ApplicationError
from core.services import FieldChange
from tests.factories import DealFactory, LeadFactory, ProductFactory

pytestmark = pytest.mark.django_db

AT = datetime.datetime(2024, 3, 1, 12, 0, tzinfo=datetime.UTC)


# currencies


def test_currency_base_is_the_currency_marked_base(money):
    assert currency_base() == money["RUB"]


def test_currency_base_refuses_when_none_is_configured():
    Currency.objects.create(code="USD", name="US dollar", rate=Decimal(90))

    with pytest.raises(ApplicationError) as error:
        currency_base()

    assert error.value.code == "no_base_currency"
    assert error.value.message == "No base currency is configured."


def test_currency_set_rate_sets_the_rate_and_keeps_the_history(money):
    # given
    usd = money["USD"]
    later = AT + datetime.timedelta(days=1)

    # when
    currency_set_rate(currency=usd, rate=Decimal("91.5"), at=AT)
    currency_set_rate(currency=usd, rate=Decimal("92.25"), at=later)

    # then
    usd.refresh_from_db()
    assert (usd.rate, usd.rate_updated_at) == (Decimal("92.25"), later)
    assert list(CurrencyRate.objects.filter(currency=usd).values_list("rate", "set_at")) == [
        (Decimal("92.25"), later),
        (Decimal("91.5"), AT),
    ]


def test_currency_set_rate_refuses_a_base_rate_other_than_one(money):
    rub = money["RUB"]

    with pytest.raises(ApplicationError) as error:
        currency_set_rate(currency=rub, rate=Decimal(2), at=AT)

    assert error.value.code == "base_rate"
    assert error.value.message == "The base currency's rate is always 1."
    rub.refresh_from_db()
    assert (rub.rate, rub.rate_updated_at) == (Decimal(1), None)
    assert CurrencyRate.objects.count() == 0


def test_currency_set_rate_accepts_one_for_the_base_currency(money):
    currency_set_rate(currency=money["RUB"], rate=Decimal(1), at=AT)

    assert list(CurrencyRate.objects.values_list("currency", "rate")) == [("RUB", Decimal(1))]


@pytest.mark.parametrize("rate", [Decimal(0), Decimal(-5)])
def test_currency_set_rate_refuses_a_rate_that_is_not_positive(money, rate):
    usd = money["USD"]

    with pytest.raises(ValidationError) as error:
        currency_set_rate(currency=usd, rate=rate, at=AT)

    assert error.value.message_dict == {"rate": ["A rate must be greater than zero."]}
    usd.refresh_from_db()
    assert usd.rate == Decimal(90)
    assert CurrencyRate.objects.count() == 0


def test_currency_convert_uses_the_current_rates(money):
    assert currency_convert(Decimal(10), source=money["USD"], target=money["RUB"]) == Decimal(
        "900.00"
    )
    assert currency_convert(Decimal(10), source=money["USD"], target=money["EUR"]) == Decimal(
        "9.00"
    )


# sections and products


def test_section_create_nests_sections():
    hardware = section_create(name="Hardware")
    printers = section_create(name="Printers", parent=hardware)

    assert hardware.is_root()
    assert list(Section.objects.get_children(hardware)) == [printers]
    assert Section.objects.count() == 2


def test_product_create(money):
    product = product_create(
        name="Printer", price=Decimal("15000.00"), currency=money["RUB"], sku="PR-1"
    )

    product.refresh_from_db()
    assert (product.name, product.price, product.currency_id, product.sku, product.origin) == (
        "Printer",
        Decimal("15000.00"),
        "RUB",
        "PR-1",
        Origin.MANUAL,
    )


def test_product_create_refuses_a_shop_product_without_its_external_id(money):
    with pytest.raises(ValidationError) as error:
        product_create(name="Printer", price=Decimal(1), currency=money["RUB"], origin=Origin.SHOP)

    assert error.value.message_dict == {
        "external_id": ["A product from a shop needs its external id."]
    }
    assert Product.objects.count() == 0


def test_product_create_refuses_a_negative_price(money):
    with pytest.raises(ValidationError):
        product_create(name="Printer", price=Decimal("-1.00"), currency=money["RUB"])

    assert Product.objects.count() == 0


def test_product_update_saves_and_returns_the_changes(money):
    product = ProductFactory(name="Printer", price=Decimal("100.00"))

    changes = product_update(product=product, data={"price": Decimal("120.00"), "name": "Printer"})

    assert changes == [FieldChange("price", "100.00", "120.00")]
    product.refresh_from_db()
    assert product.price == Decimal("120.00")


# product rows


def _rows(owner):
    return list(
        ProductRow.objects.filter(**{owner.ENTITY_TYPE.value: owner}).values_list(
            "product_name", "price", "quantity", "tax_total", "line_total", "sort"
        )
    )


def test_a_product_in_another_currency_is_converted_at_the_current_rate(money):
    # given: USD at 90
    deal = DealFactory(currency=money["RUB"])
    product = ProductFactory(name="Licence", price=Decimal("10.00"), currency=money["USD"])

    # when
    totals = product_rows_replace(
        owner=deal,
        currency=money["RUB"],
        rows=[ProductRowInput(quantity=Decimal(1), product=product)],
    )

    # then
    assert totals == OwnerTotals(amount=Decimal("900.00"), tax_amount=Decimal("0.00"))
    assert _rows(deal) == [
        ("Licence", Decimal("900.00"), Decimal("1.0000"), Decimal("0.00"), Decimal("900.00"), 10)
    ]


def test_a_given_price_is_in_the_owners_currency_unless_told_otherwise(money):
    deal = DealFactory(currency=money["RUB"])
    product = ProductFactory(name="Licence", price=Decimal("10.00"), currency=money["USD"])

    totals = product_rows_replace(
        owner=deal,
        currency=money["RUB"],
        rows=[
            ProductRowInput(quantity=Decimal(1), product=product, price=Decimal("500.00")),
            ProductRowInput(
                quantity=Decimal(2),
                product_name="Support",
                price=Decimal("3.00"),
                price_currency=money["EUR"],
            ),
        ],
    )

    assert totals.amount == Decimal("1100.00")
    assert _rows(deal) == [
        ("Licence", Decimal("500.00"), Decimal("1.0000"), Decimal("0.00"), Decimal("500.00"), 10),
        ("Support", Decimal("300.00"), Decimal("2.0000"), Decimal("0.00"), Decimal("600.00"), 20),
    ]


def test_product_rows_with_discounts_and_taxes(money):
    # given
    deal = DealFactory(currency=money["RUB"])
    rows = [
        # 1000 - 10 % = 900 × 2 = 1800, VAT 20 % inside = 300
        ProductRowInput(
            quantity=Decimal(2),
            product_name="Desk",
            price=Decimal("1000.00"),
            discount_rate=Decimal(10),
            tax_rate=Decimal(20),
        ),
        # 120 - 20 = 100 × 3 = 300, 10 % on top = 30
        ProductRowInput(
            quantity=Decimal(3),
            product_name="Chair",
            price=Decimal("120.00"),
            discount_type=ProductRow.DiscountType.AMOUNT,
            discount_amount=Decimal("20.00"),
            tax_rate=Decimal(10),
            is_tax_included=False,
        ),
    ]

    # when
    totals = product_rows_replace(owner=deal, currency=money["RUB"], rows=rows)

    # then
    assert totals == OwnerTotals(amount=Decimal("2130.00"), tax_amount=Decimal("330.00"))
    assert _rows(deal) == [
        ("Desk", Decimal("1000.00"), Decimal("2.0000"), Decimal("300.00"), Decimal("1800.00"), 10),
        ("Chair", Decimal("120.00"), Decimal("3.0000"), Decimal("30.00"), Decimal("330.00"), 20),
    ]


def test_a_per_unit_discount_is_converted_with_the_price(money):
    deal = DealFactory(currency=money["RUB"])
    product = ProductFactory(name="Licence", price=Decimal("10.00"), currency=money["USD"])

    totals = product_rows_replace(
        owner=deal,
        currency=money["RUB"],
        rows=[
            ProductRowInput(
                quantity=Decimal(1),
                product=product,
                discount_type=ProductRow.DiscountType.AMOUNT,
                discount_amount=Decimal("1.00"),
            )
        ],
    )

    assert totals.amount == Decimal("810.00")
    assert ProductRow.objects.get().discount_amount == Decimal("90.00")


def test_a_rows_tax_defaults_to_the_products_vat(money):
    deal = DealFactory(currency=money["RUB"])
    product = ProductFactory(price=Decimal("100.00"), vat_rate=Decimal(20), is_vat_included=False)

    totals = product_rows_replace(
        owner=deal,
        currency=money["RUB"],
        rows=[ProductRowInput(quantity=Decimal(1), product=product)],
    )

    assert totals == OwnerTotals(amount=Decimal("120.00"), tax_amount=Decimal("20.00"))
    row = ProductRow.objects.get()
    assert (row.tax_rate, row.is_tax_included) == (Decimal(20), False)


def test_product_rows_replace_replaces_the_previous_rows(money):
    deal = DealFactory(currency=money["RUB"])
    other_deal = DealFactory(currency=money["RUB"])
    first = [ProductRowInput(quantity=Decimal(1), product_name="Old", price=Decimal(5))]
    product_rows_replace(owner=deal, currency=money["RUB"], rows=first)
    product_rows_replace(owner=other_deal, currency=money["RUB"], rows=first)

    product_rows_replace(
        owner=deal,
        currency=money["RUB"],
        rows=[ProductRowInput(quantity=Decimal(1), product_name="New", price=Decimal(7))],
    )

    assert [name for name, *_ in _rows(deal)] == ["New"]
    assert [name for name, *_ in _rows(other_deal)] == ["Old"]


def test_product_rows_of_a_lead(money):
    lead = LeadFactory(currency=money["USD"])

    totals = product_rows_replace(
        owner=lead,
        currency=money["USD"],
        rows=[ProductRowInput(quantity=Decimal(3), product_name="Hour", price=Decimal("50.00"))],
    )

    assert totals.amount == Decimal("150.00")
    assert ProductRow.objects.get().lead == lead


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        (
            ProductRowInput(quantity=Decimal(1), price=Decimal(5)),
            "A row needs a product or a name.",
        ),
        (
            ProductRowInput(quantity=Decimal(1), product_name="Hour"),
            "A row without a catalog product needs a price.",
        ),
    ],
)
def test_a_wrong_row_is_named_and_nothing_is_replaced(money, bad_row, message):
    # given
    deal = DealFactory(currency=money["RUB"])
    kept = [ProductRowInput(quantity=Decimal(1), product_name="Kept", price=Decimal(5))]
    product_rows_replace(owner=deal, currency=money["RUB"], rows=kept)

    # when
    with pytest.raises(ValidationError) as error:
        product_rows_replace(owner=deal, currency=money["RUB"], rows=[*kept, bad_row])

    # then
    assert error.value.message_dict == {"rows[1]": [message]}
    assert [name for name, *_ in _rows(deal)] == ["Kept"]


@pytest.mark.parametrize(
    "bad_row",
    [
        ProductRowInput(quantity=Decimal(0), product_name="Hour", price=Decimal(5)),
        ProductRowInput(quantity=Decimal(1), product_name="Hour", price=Decimal(-5)),
        ProductRowInput(
            quantity=Decimal(1), product_name="Hour", price=Decimal(5), discount_rate=Decimal(101)
        ),
        ProductRowInput(
            quantity=Decimal(1),
            product_name="Hour",
            price=Decimal(5),
            discount_type=ProductRow.DiscountType.AMOUNT,
            discount_amount=Decimal(6),
        ),
    ],
    ids=["zero quantity", "negative price", "discount over 100 %", "discount over the price"],
)
def test_a_row_the_constraints_forbid_is_refused_before_writing(money, bad_row):
    deal = DealFactory(currency=money["RUB"])

    with pytest.raises(ValidationError) as error:
        product_rows_replace(owner=deal, currency=money["RUB"], rows=[bad_row])

    assert list(error.value.message_dict) == ["rows[0]"]
    assert ProductRow.objects.count() == 0


def test_product_rows_as_input_copies_the_rows_in_the_owners_currency(money):
    # given
    deal = DealFactory(currency=money["RUB"])
    product = ProductFactory(name="Licence", price=Decimal("10.00"), currency=money["USD"])
    product_rows_replace(
        owner=deal,
        currency=money["RUB"],
        rows=[
            ProductRowInput(quantity=Decimal(2), product=product, discount_rate=Decimal(5)),
        ],
    )

    # when
    rows = product_rows_as_input(owner=deal)

    # then
    assert rows == [
        ProductRowInput(
            quantity=Decimal("2.0000"),
            product=product,
            product_name="Licence",
            price=Decimal("900.00"),
            price_currency=money["RUB"],
            discount_type=ProductRow.DiscountType.PERCENT,
            discount_rate=Decimal("5.00"),
            discount_amount=Decimal("0.00"),
            tax_rate=None,
            is_tax_included=True,
            measure=Product.Measure.PIECE,
        )
    ]
