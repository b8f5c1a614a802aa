"""Writes for currencies, the catalog and product rows."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from core.services import FieldChange, model_update

from . import pricing
from .models import Currency, CurrencyRate, Origin, Product, ProductRow, Section


def currency_base() -> Currency:
    """The base currency; raises ApplicationError while none is configured."""
    base = Currency.objects.filter(is_base=True).first()
    if base is None:
        raise ApplicationError(_("No base currency is configured."), code="no_base_currency")
    return base


@transaction.atomic
def currency_set_rate(
    *, currency: Currency, rate: Decimal, at: datetime.datetime | None = None
) -> Currency:
    """Set a currency's current rate to the base currency and keep it in the rate history."""
    if rate <= 0:
        raise ValidationError({"rate": _("A rate must be greater than zero.")})
    if currency.is_base and rate != 1:
        raise ApplicationError(_("The base currency's rate is always 1."), code="base_rate")
    at = at or timezone.now()
    currency.rate = rate
    currency.rate_updated_at = at
    currency.save(update_fields=["rate", "rate_updated_at", "updated_at"])
    CurrencyRate.objects.create(currency=currency, rate=rate, set_at=at)
    return currency


def currency_convert(amount: Decimal, *, source: Currency, target: Currency) -> Decimal:
    """Convert at the current rates."""
    return pricing.convert(amount, rate_from=source.rate, rate_to=target.rate)


def section_create(*, name: str, parent: Section | None = None, **fields) -> Section:
    """A catalog section at the top level or under `parent`."""
    if parent is None:
        return Section.objects.add_root({"name": name, **fields})
    return Section.objects.add_child(parent, {"name": name, **fields})


SECTION_FIELDS = ["name", "is_active"]


@transaction.atomic
def section_update(*, section: Section, data: dict) -> list[FieldChange]:
    """Rename a section or (de)activate it (`data`: name, is_active). Deactivating a section
    hides it from pickers; its sub-sections and products stay as they are."""
    return model_update(instance=section, fields=SECTION_FIELDS, data=data)


@transaction.atomic
def section_move(*, section: Section, parent: Section | None) -> Section:
    """Make `section` the last child of `parent` (or the last top-level section), with all its
    sub-sections. Raises ApplicationError for a move into itself or one of its sub-sections."""
    section = Section.objects.get(pk=section.pk)  # treebeard moves by the stored path
    if parent is not None:
        parent = Section.objects.get(pk=parent.pk)
        if parent.path.startswith(section.path):
            raise ApplicationError(
                _("A section cannot move into itself or one of its sub-sections."),
                code="section_into_itself",
            )
        if Section.objects.get_parent(section) != parent:
            Section.objects.move(section, parent, pos="last-child")
    elif section.depth > 1:
        Section.objects.move(section, Section.objects.get_last_root_node(), pos="last-sibling")
    return Section.objects.get(pk=section.pk)


PRODUCT_FIELDS = [
    "name", "description", "section", "sku", "price", "currency", "measure",
    "vat_rate", "is_vat_included", "is_active", "sort",
]  # fmt: skip


@transaction.atomic
def product_create(*, name: str, price: Decimal, currency: Currency, **fields) -> Product:
    """A catalog product; shop products need `origin=shop` and an `external_id`."""
    product = Product(name=name, price=price, currency=currency, **fields)
    if product.origin == Origin.SHOP and not product.external_id:
        raise ValidationError({"external_id": _("A product from a shop needs its external id.")})
    product.full_clean()
    product.save()
    return product


@transaction.atomic
def product_update(*, product: Product, data: dict) -> list[FieldChange]:
    """Change a product's own fields (PRODUCT_FIELDS); ValidationError for a wrong value."""
    return model_update(instance=product, fields=PRODUCT_FIELDS, data=data)


@transaction.atomic
def product_delete(*, product: Product) -> None:
    """Remove a product from the catalog. Deal and lead rows keep their copy of its name,
    price and taxes (their link to it is cleared)."""
    product.delete()


@dataclass(frozen=True)
class ProductRowInput:
    """A product row as a caller describes it. Without `price` the product's own price is
    used; `price_currency` (default: the product's, else the owner's) is what `price` and
    `discount_amount` are in. They are converted into the owner's currency at current rates."""

    quantity: Decimal
    product: Product | None = None
    product_name: str = ""
    price: Decimal | None = None
    price_currency: Currency | None = None
    discount_type: str = ProductRow.DiscountType.PERCENT
    discount_rate: Decimal = Decimal(0)
    discount_amount: Decimal = Decimal(0)
    tax_rate: Decimal | None = None
    is_tax_included: bool = True
    measure: str = ""


@dataclass(frozen=True)
class OwnerTotals:
    amount: Decimal
    tax_amount: Decimal


def product_row_build(
    row: ProductRowInput, *, currency: Currency, sort: int, owner: dict
) -> ProductRow:
    """A priced product row of `owner` ({"deal": deal} or {"lead": lead}), checked field by
    field, not saved."""
    built = ProductRow(**owner, **product_row_values(row, currency=currency, sort=sort))
    built.full_clean(exclude=["deal", "lead"])
    return built


def product_row_values(row: ProductRowInput, *, currency: Currency, sort: int) -> dict:
    """The fields of a priced product row (field name -> value), without its owner and not
    checked: for a bulk writer whose database constraints hold the rows anyway (each check
    costs queries) and which repeats a refused batch row by row to find the bad one."""
    product = row.product
    if product is None and not row.product_name:
        raise ValidationError({"product_name": _("A row needs a product or a name.")})
    price = row.price if row.price is not None else (product.price if product else None)
    if price is None:
        raise ValidationError({"price": _("A row without a catalog product needs a price.")})
    source_currency = row.price_currency or (
        product.currency if product and row.price is None else currency
    )
    price = currency_convert(price, source=source_currency, target=currency)
    discount_amount = currency_convert(row.discount_amount, source=source_currency, target=currency)
    if row.tax_rate is None and product is not None:
        tax_rate, is_tax_included = product.vat_rate, product.is_vat_included
    else:
        tax_rate, is_tax_included = row.tax_rate, row.is_tax_included
    totals = pricing.row_totals(
        price=price,
        quantity=row.quantity,
        discount_type=row.discount_type,
        discount_rate=row.discount_rate,
        discount_amount=discount_amount,
        tax_rate=tax_rate,
        is_tax_included=is_tax_included,
    )
    return {
        "product": product,
        "product_name": row.product_name or product.name,
        "price": price,
        "quantity": row.quantity,
        "measure": row.measure or (product.measure if product else Product.Measure.PIECE),
        "discount_type": row.discount_type,
        "discount_rate": row.discount_rate,
        "discount_amount": discount_amount,
        "tax_rate": tax_rate,
        "is_tax_included": is_tax_included,
        "tax_total": totals.tax_total,
        "line_total": totals.line_total,
        "sort": sort,
    }


@transaction.atomic
def product_rows_replace(
    *, owner: models.Model, currency: Currency, rows: list[ProductRowInput]
) -> OwnerTotals:
    """Replace all product rows of a deal or lead (`owner`) and return the new totals, which
    the owner's own service stores. Raises ValidationError naming the row that is wrong."""
    owner_field = {owner.ENTITY_TYPE.value: owner}
    built = []
    for index, row in enumerate(rows):
        try:
            built.append(
                product_row_build(row, currency=currency, sort=(index + 1) * 10, owner=owner_field)
            )
        except ValidationError as error:
            raise ValidationError({f"rows[{index}]": error.messages}) from error
    ProductRow.objects.filter(**owner_field).delete()
    ProductRow.objects.bulk_create(built)
    return OwnerTotals(
        amount=sum((r.line_total for r in built), Decimal(0)),
        tax_amount=sum((r.tax_total for r in built), Decimal(0)),
    )


def product_rows_as_input(*, owner: models.Model) -> list[ProductRowInput]:
    """The owner's current rows, as input for product_rows_replace (a copy or a re-pricing)."""
    return [
        ProductRowInput(
            quantity=row.quantity,
            product=row.product,
            product_name=row.product_name,
            price=row.price,
            price_currency=owner.currency,
            discount_type=row.discount_type,
            discount_rate=row.discount_rate,
            discount_amount=row.discount_amount,
            tax_rate=row.tax_rate,
            is_tax_included=row.is_tax_included,
            measure=row.measure,
        )
        for row in owner.product_rows.select_related("product")
    ]
