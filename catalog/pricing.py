"""Money arithmetic: currency conversion and product-row totals. Pure functions, no queries."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)


def round_money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def convert(amount: Decimal, *, rate_from: Decimal, rate_to: Decimal) -> Decimal:
    """Convert between two currencies given each one's rate to the base currency."""
    if rate_from == rate_to:
        return amount
    return round_money(amount * rate_from / rate_to)


@dataclass(frozen=True)
class RowTotals:
    unit_price: Decimal  # after discount
    tax_total: Decimal
    line_total: Decimal  # after discount, tax included


def row_totals(
    *,
    price: Decimal,
    quantity: Decimal,
    discount_type: str,
    discount_rate: Decimal = Decimal(0),
    discount_amount: Decimal = Decimal(0),
    tax_rate: Decimal | None = None,
    is_tax_included: bool = True,
) -> RowTotals:
    """Totals of one product row. A percentage discount or an amount per unit comes off the
    price first; tax is then either inside the price or added on top of it."""
    if discount_type == "percent":
        unit_price = price - price * discount_rate / HUNDRED
    else:
        unit_price = price - discount_amount
    net = unit_price * quantity
    rate = tax_rate or Decimal(0)
    if is_tax_included:
        line_total = round_money(net)
        tax_total = round_money(net * rate / (HUNDRED + rate))
    else:
        tax_total = round_money(net * rate / HUNDRED)
        line_total = round_money(net) + tax_total
    return RowTotals(unit_price=round_money(unit_price), tax_total=tax_total, line_total=line_total)
