"""Products over Bitrix24's classic methods: the product rows of a deal or a lead
(`crm.deal|lead.productrows.get/.set`) and the catalog (`crm.product.add/get/list/fields`).

Rows are written through the owners' set-product-rows services, which price them and make the
owner's amount (OPPORTUNITY) their total. The catalog is read and written through
catalog.selectors and catalog.services under the catalog's policy: any product scope opens the
whole catalog, adding a product needs the product add right."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from accounts.models import PermissionAction, PermissionEntity
from catalog.models import Currency, Product, ProductRow
from catalog.pricing import round_money
from catalog.selectors import (
    catalog_require,
    product_list,
    product_rows_of,
    section_tree,
)
from catalog.services import ProductRowInput, currency_base, currency_convert, product_create
from deals.services import deal_set_product_rows
from leads.services import lead_set_product_rows

from .. import fields as f
from ..entities import ENTITIES, Entity, item_for
from ..errors import B24Error
from ..params import as_flag, as_list, upper_keys
from ..registry import Call, b24_method
from ..values import parse_int, parse_money, parse_text, show_flag
from .crm import OPERATIONS, bound

HUNDRED = Decimal(100)
ABSOLUTE, PERCENT = 1, 2  # Bitrix24's DISCOUNT_TYPE_ID
DISCOUNT_TYPES = {True: ProductRow.DiscountType.PERCENT, False: ProductRow.DiscountType.AMOUNT}

# This CRM's units and Bitrix24's numbers for them: the id of the unit in a portal's default
# catalog (crm.product's MEASURE) and its OKEI code (a row's MEASURE_CODE); Russian portals name
# them шт, кг, л, м, упак.
UNITS = {
    Product.Measure.PIECE: (5, 796, "шт"),
    Product.Measure.KILOGRAM: (4, 166, "кг"),
    Product.Measure.LITRE: (2, 112, "л"),
    Product.Measure.METRE: (1, 6, "м"),
    Product.Measure.PACKAGE: (None, 778, "упак"),
}


# -- product rows -------------------------------------------------------------------------
#
# Bitrix24 prices a row from PRICE_NETTO (before discount, without tax): less DISCOUNT_SUM per
# unit it is PRICE_EXCLUSIVE, plus TAX_RATE % it is PRICE, the final unit price; PRICE_BRUTTO is
# PRICE_NETTO with tax. The row's total is PRICE × QUANTITY, whatever TAX_INCLUDED says.
# This CRM keeps one price before discount, gross (Bitrix24's BRUTTO) when the tax is included
# and net (NETTO) when it is added on top, and takes the discount off that price. So a row
# written is brought to NETTO from whichever price it gives (PRICE first, as Bitrix24 takes it,
# then PRICE_EXCLUSIVE, PRICE_NETTO, PRICE_BRUTTO, else the catalog product's price) and stored
# as NETTO, or as BRUTTO with the amount discount grossed up by the tax when TAX_INCLUDED=Y:
# the total stays PRICE × QUANTITY, to the cent. Reading undoes the same arithmetic.


@dataclass(frozen=True)
class Owner:
    entity: Entity
    abbreviation: str  # Bitrix24's OWNER_TYPE
    save: Callable  # (owner, rows, actor) -> the owner, its amount recomputed


OWNERS = {
    "deal": Owner(ENTITIES["deal"], "D", lambda deal, rows, actor: deal_set_product_rows(
        deal=deal, rows=rows, actor=actor)),
    "lead": Owner(ENTITIES["lead"], "L", lambda lead, rows, actor: lead_set_product_rows(
        lead=lead, rows=rows, actor=actor)),
}  # fmt: skip


def rows_get(owner: Owner, call: Call) -> list[dict]:
    """The same queries (the owner, then its rows with their products) however many rows."""
    item = item_for(owner.entity, call, PermissionAction.VIEW)
    return [_row_shown(row, item.pk, owner.abbreviation) for row in product_rows_of(item)]


def rows_set(owner: Owner, call: Call) -> bool:
    """Replace every row. A PHP client cannot send an empty array (http_build_query drops it),
    so no `rows` at all clears them too."""
    item = item_for(owner.entity, call, PermissionAction.EDIT)
    rows = [upper_keys(row, "rows") for row in as_list(call.param("rows"))]
    # The service numbers rows 10, 20, … in the order given: give them in Bitrix24's SORT order.
    rows.sort(key=lambda row: parse_int(row.get("SORT")) or 0)
    products = _products(call, rows)
    inputs = [_row_input(row, products.get(parse_int(row.get("PRODUCT_ID"))), item) for row in rows]
    owner.save(item, inputs, call.user)
    return True


def _products(call: Call, rows: list[dict]) -> dict[int, Product]:
    """The catalog products the rows name, as the caller may see them, in one query."""
    wanted = {parse_int(row.get("PRODUCT_ID")) for row in rows} - {None, 0}
    found = product_list(actor=call.user).in_bulk(wanted) if wanted else {}
    missing = sorted(wanted - set(found))
    if missing:
        raise B24Error(f"Product {missing[0]} is not found.")
    return found


def _number(row: dict, name: str) -> Decimal | None:
    value = row.get(name)
    return None if value in (None, "") else parse_money(value)


def _row_input(row: dict, product: Product | None, owner) -> ProductRowInput:
    percent = parse_int(row.get("DISCOUNT_TYPE_ID")) != ABSOLUTE
    rate = _number(row, "DISCOUNT_RATE") or Decimal(0)
    tax_rate, included = _number(row, "TAX_RATE"), as_flag(row.get("TAX_INCLUDED", "N"))
    if tax_rate is None and product is not None:
        # a catalog product's VAT, as this CRM's own rows take it (PRICE stays the final price)
        tax_rate = product.vat_rate
        included = product.is_vat_included if "TAX_INCLUDED" not in row else included
    tax = 1 + (tax_rate or 0) / HUNDRED
    netto = _netto(row, tax, percent, rate, product, owner)
    scale = tax if included else 1
    quantity = _number(row, "QUANTITY")
    return ProductRowInput(
        quantity=Decimal(1) if quantity is None else quantity,
        product=product,
        product_name=parse_text(row.get("PRODUCT_NAME")).strip(),
        price=round_money(netto * scale),
        price_currency=owner.currency,  # a row's prices are in its owner's currency
        discount_type=DISCOUNT_TYPES[percent],
        discount_rate=rate if percent else Decimal(0),
        discount_amount=Decimal(0) if percent else round_money(_discount_sum(row) * scale),
        tax_rate=tax_rate,
        is_tax_included=included,
        measure=_unit_of(row),
    )


def _discount_sum(row: dict) -> Decimal:
    return _number(row, "DISCOUNT_SUM") or Decimal(0)


def _netto(row: dict, tax: Decimal, percent: bool, rate: Decimal, product, owner) -> Decimal:
    """The unit price before discount and without tax, from whichever price the row gives."""
    price = _number(row, "PRICE")
    exclusive = price / tax if price is not None else _number(row, "PRICE_EXCLUSIVE")
    if exclusive is not None:  # a price after the discount: add the discount back
        if percent and rate < HUNDRED:
            return exclusive / (1 - rate / HUNDRED)
        return exclusive + _discount_sum(row)
    netto = _number(row, "PRICE_NETTO")
    if netto is not None:
        return netto
    brutto = _number(row, "PRICE_BRUTTO")
    if brutto is None and product is not None:
        catalog = currency_convert(product.price, source=product.currency, target=owner.currency)
        if not product.is_vat_included:
            return catalog
        brutto = catalog
    return (brutto or Decimal(0)) / tax


def _unit_of(row: dict) -> str:
    """This CRM's unit for MEASURE_CODE (OKEI) or MEASURE_NAME; "": the product's, else pcs."""
    code, name = parse_int(row.get("MEASURE_CODE")), parse_text(row.get("MEASURE_NAME"))
    name = name.strip().rstrip(".").lower()
    for unit, (_id, okei, russian) in UNITS.items():
        if code == okei or name in (unit.value, russian):
            return unit
    return ""


def _row_shown(row: ProductRow, owner_id: int, abbreviation: str) -> dict:
    tax = 1 + (row.tax_rate or 0) / HUNDRED
    percent = row.discount_type == ProductRow.DiscountType.PERCENT
    off = row.price * row.discount_rate / HUNDRED if percent else row.discount_amount
    net = 1 / tax if row.is_tax_included else Decimal(1)  # the stored price to NETTO
    gross = Decimal(1) if row.is_tax_included else tax  # the stored price to BRUTTO
    rate = row.discount_rate if percent else (off / row.price * HUNDRED if row.price else 0)
    return {
        "ID": str(row.pk),
        "OWNER_ID": str(owner_id),
        "OWNER_TYPE": abbreviation,
        "PRODUCT_ID": row.product_id or 0,
        "PRODUCT_NAME": row.product_name,
        "ORIGINAL_PRODUCT_NAME": row.product.name if row.product else row.product_name,
        "PRICE": _float((row.price - off) * gross),
        "PRICE_EXCLUSIVE": _float((row.price - off) * net),
        "PRICE_NETTO": _float(row.price * net),
        "PRICE_BRUTTO": _float(row.price * gross),
        "QUANTITY": float(row.quantity),
        "DISCOUNT_TYPE_ID": PERCENT if percent else ABSOLUTE,
        "DISCOUNT_RATE": _float(rate),
        "DISCOUNT_SUM": _float(off * net),
        "TAX_RATE": None if row.tax_rate is None else float(row.tax_rate),
        "TAX_INCLUDED": show_flag(row.is_tax_included),
        "MEASURE_CODE": UNITS.get(row.measure, (None, None))[1],
        "MEASURE_NAME": row.measure_label,
        "SORT": row.sort,
    }


def _float(value: Decimal) -> float:
    """Row prices as Bitrix24 gives them: numbers, not strings."""
    return float(round_money(Decimal(value)))


for _name, _owner in OWNERS.items():
    b24_method(f"crm.{_name}.productrows.get", scope="crm")(bound(rows_get, _owner))
    b24_method(f"crm.{_name}.productrows.set", scope="crm")(bound(rows_set, _owner))


# -- the catalog --------------------------------------------------------------------------


def _measure_parse(value) -> str:
    """MEASURE as a default unit's id (5 = pcs), its OKEI code (796) or this CRM's code."""
    text = parse_text(value).strip().lower()
    if not text:
        return Product.Measure.PIECE  # Bitrix24's default unit
    for unit, (bitrix_id, okei, _russian) in UNITS.items():
        if text in (str(bitrix_id), str(okei), unit.value):
            return unit
    if text == Product.Measure.SERVICE:
        return text
    raise B24Error(f"MEASURE: '{value}' not found.")


def _measure_show(unit: str) -> str | None:
    bitrix_id = UNITS.get(unit, (None,))[0]
    return None if bitrix_id is None else str(bitrix_id)


def _product_create(call: Call, data: dict) -> Product:
    catalog_require(call.user, PermissionAction.ADD)
    data = dict(data)
    # XML_ID is the shop's own code; the product stays "manual": shop sync owns only its own
    currency = data.pop("currency", None) or currency_base()
    return product_create(name=data.pop("name"), price=data.pop("price", Decimal(0)),
                          currency=currency, **data)  # fmt: skip


PRODUCT = Entity(
    name="PRODUCT", permission=PermissionEntity.PRODUCT, model=Product, scoped=product_list,
    create=_product_create, has_communications=False,
    fields=(
        f.integer("ID", "ID", "id", read_only=True),
        f.text("NAME", "Name", "name", required=True),
        f.text("DESCRIPTION", "Description", "description"),
        f.flag("ACTIVE", "Active", "is_active"),
        f.link("SECTION_ID", "Section", "section_id", "section",
               f.visible(section_tree, "SECTION_ID"), type="product_section"),
        f.money("PRICE", "Price", "price"),
        f.link("CURRENCY_ID", "Currency", "currency_id", "currency",
               f.by_code(Currency, "CURRENCY_ID"), type="crm_currency", parse=f.parse_text,
               show=f.show_text),
        f.flag("VAT_INCLUDED", "VAT included in the price", "is_vat_included"),
        f.Field("MEASURE", "Unit", "integer", "measure", _measure_show, _measure_parse,
                f.written("measure", _measure_parse)),
        f.integer("SORT", "Sort", "sort"),
        f.text("XML_ID", "External code", "external_id"),
        f.moment("DATE_CREATE", "Created", "created_at"),
        f.moment("TIMESTAMP_X", "Modified", "updated_at"),
    ),
)  # fmt: skip


for _verb in ("add", "get", "list", "fields"):  # no .update or .delete (yet)
    b24_method(f"crm.product.{_verb}", scope="crm")(bound(OPERATIONS[_verb], PRODUCT))
