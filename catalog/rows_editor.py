"""The product rows editor of a deal or a lead card, shared by both owners.

The card includes `catalog/product_rows.html` with `owner`; the owner's rows endpoint (a view
of a few lines in deals or leads) authorises the owner for editing, then hands over to
`product_rows_response` with the owner's save service. The browser recalculates totals as the
user types; the server's totals, re-rendered after each save, are the ones that count.

Posted rows are parallel lists, one item per row in the table's order:
`product` (id or empty), `name`, `price` (in the owner's currency), `price_from_catalog`
("1": the price is the product's own, converted by product_rows_replace), `quantity`,
`discount_type` (percent / amount), `discount` (% or an amount per unit), `tax_rate` (empty:
the product's), `tax_included` ("1" / "0").
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import PermissionAction
from accounts.policy import can
from core.errors import ApplicationError, error_text

from .models import Currency, Product, ProductRow
from .selectors import product_list, product_rows_of
from .services import ProductRowInput, currency_convert

TEMPLATE = "catalog/product_rows.html"
FIELDS = ("product", "name", "price", "price_from_catalog", "quantity", "discount_type",
          "discount", "tax_rate", "tax_included")  # fmt: skip
MAX_ROWS = 500


@dataclass(frozen=True)
class RowsEditor:
    """What the editor template shows: the rows, their totals, and where it saves and searches
    (no `save_url` or no edit right: read-only)."""

    owner: models.Model
    rows: list[ProductRow]
    currency: Currency
    amount: Decimal
    tax_amount: Decimal
    save_url: str
    search_url: str
    can_edit: bool


def rows_url(owner: models.Model) -> str:
    """The owner's rows endpoint, `<app>:product-rows`."""
    return reverse(f"{owner._meta.app_label}:product-rows", args=[owner.pk])


def rows_editor(*, owner: models.Model, user, can_edit: bool | None = None) -> RowsEditor:
    """The editor of `owner`'s rows as `user` sees it: a query for the rows, and the policy's
    for the edit right unless the caller (the card) knows it."""
    rows = list(product_rows_of(owner))
    if can_edit is None:
        can_edit = can(user, PermissionAction.EDIT, owner)
    return RowsEditor(
        owner=owner,
        rows=rows,
        currency=owner.currency,
        amount=sum((row.line_total for row in rows), Decimal(0)),
        tax_amount=sum((row.tax_total for row in rows), Decimal(0)),
        save_url=rows_url(owner),
        search_url=reverse("catalog:product-search"),
        can_edit=can_edit,
    )


def _decimal(value: str, *, field: str, index: int, default: Decimal | None = None):
    value = (value or "").strip().replace(",", ".").replace(" ", "").replace("\xa0", "")
    if not value:
        if default is None:
            raise ValidationError(
                _("Row %(row)d: %(field)s is required.") % {"row": index + 1, "field": field}
            )
        return default
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValidationError(
            _("Row %(row)d: %(field)s is not a number.") % {"row": index + 1, "field": field}
        ) from None
    if not number.is_finite() or number < 0:
        raise ValidationError(
            _("Row %(row)d: %(field)s must be zero or more.") % {"row": index + 1, "field": field}
        )
    return number


def rows_from_post(data: QueryDict, *, owner: models.Model, user) -> list[ProductRowInput]:
    """The posted rows as input for the owner's set-product-rows service. Products are read
    through the catalog's policy (one query); raises ValidationError naming the wrong row."""
    columns = {name: data.getlist(name) for name in FIELDS}
    count = len(columns["name"])
    if any(len(values) != count for values in columns.values()) or count > MAX_ROWS:
        raise ValidationError(_("The rows could not be read; reload the page."))
    product_ids = {int(value) for value in columns["product"] if value.isdigit()}
    products = product_list(actor=user).in_bulk(product_ids) if product_ids else {}
    return [
        _row_input(
            {name: columns[name][index] for name in FIELDS},
            index=index,
            owner=owner,
            products=products,
        )  # fmt: skip
        for index in range(count)
    ]


def _row_input(
    row: dict, *, index: int, owner: models.Model, products: dict[int, Product]
) -> ProductRowInput:
    product = None
    if row["product"]:
        product = products.get(int(row["product"])) if row["product"].isdigit() else None
        if product is None:
            raise ValidationError(_("Row %(row)d: no such product.") % {"row": index + 1})
    quantity = _decimal(row["quantity"], field=_("quantity"), index=index)
    if quantity <= 0:
        raise ValidationError(
            _("Row %(row)d: the quantity must be more than zero.") % {"row": index + 1}
        )
    discount_type = row["discount_type"]
    if discount_type not in ProductRow.DiscountType.values:
        discount_type = ProductRow.DiscountType.PERCENT
    discount = _decimal(row["discount"], field=_("discount"), index=index, default=Decimal(0))
    is_percent = discount_type == ProductRow.DiscountType.PERCENT
    tax_rate = row["tax_rate"].strip()
    price, price_currency = None, None
    if product is not None and row["price_from_catalog"] == "1":
        if not is_percent and discount:
            # an amount off is in the owner's currency: so must the price be
            price = currency_convert(product.price, source=product.currency, target=owner.currency)
            price_currency = owner.currency
        # else: product_rows_replace takes the product's price and converts it
    else:
        price = _decimal(row["price"], field=_("price"), index=index)
        price_currency = owner.currency
    return ProductRowInput(
        quantity=quantity,
        product=product,
        product_name=row["name"].strip()[:255],
        price=price,
        price_currency=price_currency,
        discount_type=discount_type,
        discount_rate=discount if is_percent else Decimal(0),
        discount_amount=Decimal(0) if is_percent else discount,
        tax_rate=_decimal(tax_rate, field=_("tax"), index=index) if tax_rate else None,
        is_tax_included=row["tax_included"] != "0",
    )


def product_rows_response(
    request: HttpRequest,
    *,
    owner: models.Model,
    save: Callable[[Sequence[ProductRowInput]], models.Model],
) -> HttpResponse:
    """GET: the editor. POST: replace the rows through `save(rows)` (the owner's service, e.g.
    deal_set_product_rows) and answer with the editor re-rendered from the stored rows, or
    422 / 403 with `{"error": …}` when the rows or the service refuse. The caller has already
    checked that the user may edit `owner`."""
    if request.method == "POST":
        try:
            owner = save(rows_from_post(request.POST, owner=owner, user=request.user))
        except (ValidationError, ApplicationError) as error:
            return JsonResponse({"error": error_text(error)}, status=422)
        except PermissionDenied as error:
            return JsonResponse({"error": error_text(error)}, status=403)
    elif request.method != "GET":
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    editor = rows_editor(owner=owner, user=request.user, can_edit=True)
    return render(request, TEMPLATE, {"owner": owner, "editor": editor})
