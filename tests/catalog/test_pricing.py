from decimal import Decimal

import pytest

from catalog.pricing import RowTotals, convert, round_money, row_totals


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("10.005"), Decimal("10.01")),
        (Decimal("10.004"), Decimal("10.00")),
        (Decimal("-10.005"), Decimal("-10.01")),
        (Decimal("7"), Decimal("7.00")),
    ],
)
def test_round_money_rounds_half_up_to_cents(value, expected):
    assert round_money(value) == expected
    assert str(round_money(value)) == str(expected)


def test_convert_into_the_base_currency_multiplies_by_the_rate():
    assert convert(Decimal("10"), rate_from=Decimal(90), rate_to=Decimal(1)) == Decimal("900.00")


def test_convert_from_the_base_currency_divides_by_the_rate():
    assert convert(Decimal("9000"), rate_from=Decimal(1), rate_to=Decimal(90)) == Decimal("100.00")


def test_convert_between_two_foreign_currencies_goes_through_their_rates():
    # 10 USD at 90 = 900 RUB = 9 EUR at 100
    assert convert(Decimal("10"), rate_from=Decimal(90), rate_to=Decimal(100)) == Decimal("9.00")


def test_convert_rounds_to_cents():
    # 100 RUB at 1 / 90 = 1.1111… USD
    assert convert(Decimal("100"), rate_from=Decimal(1), rate_to=Decimal(90)) == Decimal("1.11")


def test_convert_at_equal_rates_keeps_the_amount():
    assert convert(Decimal("123.45"), rate_from=Decimal(90), rate_to=Decimal(90)) == Decimal(
        "123.45"
    )


def test_row_without_discount_or_tax():
    totals = row_totals(price=Decimal("250.00"), quantity=Decimal("4"), discount_type="percent")

    assert totals == RowTotals(
        unit_price=Decimal("250.00"), tax_total=Decimal("0.00"), line_total=Decimal("1000.00")
    )


def test_row_with_a_percent_discount():
    totals = row_totals(
        price=Decimal("1000.00"),
        quantity=Decimal("2"),
        discount_type="percent",
        discount_rate=Decimal("10"),
    )

    assert totals == RowTotals(
        unit_price=Decimal("900.00"), tax_total=Decimal("0.00"), line_total=Decimal("1800.00")
    )


def test_row_with_a_discount_per_unit():
    totals = row_totals(
        price=Decimal("100.00"),
        quantity=Decimal("3"),
        discount_type="amount",
        discount_amount=Decimal("15.00"),
    )

    assert totals == RowTotals(
        unit_price=Decimal("85.00"), tax_total=Decimal("0.00"), line_total=Decimal("255.00")
    )


def test_a_percent_row_ignores_the_per_unit_amount():
    totals = row_totals(
        price=Decimal("100.00"),
        quantity=Decimal("1"),
        discount_type="percent",
        discount_rate=Decimal("5"),
        discount_amount=Decimal("50.00"),
    )

    assert totals.line_total == Decimal("95.00")


def test_tax_included_in_the_price_is_carved_out_of_the_total():
    # 1800 with 20 % VAT inside: 1800 × 20 / 120 = 300
    totals = row_totals(
        price=Decimal("1000.00"),
        quantity=Decimal("2"),
        discount_type="percent",
        discount_rate=Decimal("10"),
        tax_rate=Decimal("20"),
        is_tax_included=True,
    )

    assert totals == RowTotals(
        unit_price=Decimal("900.00"), tax_total=Decimal("300.00"), line_total=Decimal("1800.00")
    )


def test_tax_on_top_of_the_price_is_added_to_the_total():
    # 1800 + 20 % = 1800 + 360
    totals = row_totals(
        price=Decimal("1000.00"),
        quantity=Decimal("2"),
        discount_type="percent",
        discount_rate=Decimal("10"),
        tax_rate=Decimal("20"),
        is_tax_included=False,
    )

    assert totals == RowTotals(
        unit_price=Decimal("900.00"), tax_total=Decimal("360.00"), line_total=Decimal("2160.00")
    )


def test_tax_on_top_after_a_per_unit_discount():
    # (120 - 20) × 3 = 300; 10 % on top = 30
    totals = row_totals(
        price=Decimal("120.00"),
        quantity=Decimal("3"),
        discount_type="amount",
        discount_amount=Decimal("20.00"),
        tax_rate=Decimal("10"),
        is_tax_included=False,
    )

    assert totals == RowTotals(
        unit_price=Decimal("100.00"), tax_total=Decimal("30.00"), line_total=Decimal("330.00")
    )


def test_included_tax_is_rounded_half_up():
    # 100 with 18 % inside: 100 × 18 / 118 = 15.2542…
    totals = row_totals(
        price=Decimal("100.00"),
        quantity=Decimal("1"),
        discount_type="percent",
        tax_rate=Decimal("18"),
    )

    assert totals == RowTotals(
        unit_price=Decimal("100.00"), tax_total=Decimal("15.25"), line_total=Decimal("100.00")
    )


def test_the_line_total_is_rounded_once_not_per_unit():
    # 33.33 - 10 % = 29.997 a unit (shown as 30.00); × 3 = 89.991 → 89.99
    totals = row_totals(
        price=Decimal("33.33"),
        quantity=Decimal("3"),
        discount_type="percent",
        discount_rate=Decimal("10"),
    )

    assert totals == RowTotals(
        unit_price=Decimal("30.00"), tax_total=Decimal("0.00"), line_total=Decimal("89.99")
    )


def test_a_fractional_quantity():
    totals = row_totals(price=Decimal("80.00"), quantity=Decimal("2.5000"), discount_type="percent")

    assert totals.line_total == Decimal("200.00")


def test_a_full_percent_discount_makes_the_row_free():
    totals = row_totals(
        price=Decimal("80.00"),
        quantity=Decimal("2"),
        discount_type="percent",
        discount_rate=Decimal("100"),
        tax_rate=Decimal("20"),
        is_tax_included=False,
    )

    assert totals == RowTotals(
        unit_price=Decimal("0.00"), tax_total=Decimal("0.00"), line_total=Decimal("0.00")
    )
