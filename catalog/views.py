"""The catalog pages: the section tree, the product list and form, and the product search of
the rows editor.

Reads go through catalog.selectors (the catalog has no owner: a role's product scope opens
all of it or none), writes through catalog.services; adding or changing needs a product scope
for that action (403 otherwise).
"""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import PermissionAction, SavedFilter
from core.csv_export import csv_response
from core.errors import ApplicationError, error_text
from core.listing import Column, list_page_context
from core.mass_actions import mass_action_response
from core.templatetags.crm import money

from .filters import ProductFilter
from .forms import ProductForm, ProductMassActionForm, SectionForm
from .models import Currency, Origin, Product, Section
from .selectors import (
    catalog_may,
    catalog_require,
    product_export_rows,
    product_get,
    product_list,
    product_search,
    product_within,
    section_get,
    section_tree,
)
from .services import (
    currency_base,
    currency_convert,
    product_create,
    product_delete,
    product_update,
    section_create,
    section_move,
    section_update,
)

EXPORT_BATCH = 2000
CURRENCY_CODE = re.compile(r"[A-Z]{3}")
LIST_KEY = "products"
COLUMNS = [
    Column("name", _("Product"), "name"),
    Column("sku", _("Article"), "sku"),
    Column("section", _("Section"), "section__path"),
    Column("price", _("Price"), "price"),
    Column("measure", _("Unit")),
    Column("active", _("Active"), "is_active"),
    Column("created", _("Created"), "created_at"),
]


def _section(request, pk: int) -> Section:
    try:
        return section_get(actor=request.user, section_id=pk)
    except Section.DoesNotExist:
        raise Http404 from None


def _product(request, pk: int) -> Product:
    try:
        return product_get(actor=request.user, product_id=pk)
    except Product.DoesNotExist:
        raise Http404 from None


@require_GET
@login_required
def section_list_view(request):
    """The section tree, each section indented under its parent, with its products' link."""
    context = {
        "section": "products",
        "sections": section_tree(actor=request.user),
        "can_add": catalog_may(request.user, PermissionAction.ADD),
        "can_edit": catalog_may(request.user, PermissionAction.EDIT),
    }
    return render(request, "catalog/section_list.html", context)


@login_required
def section_create_view(request):
    """A new section, at the top level or under `?parent=`."""
    catalog_require(request.user, PermissionAction.ADD)
    form = SectionForm(
        request.POST or None,
        sections=section_tree(actor=request.user),
        initial={"parent": request.GET.get("parent")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = section_create(
                name=data["name"], parent=data["parent"], is_active=data["is_active"]
            )
        except (ValidationError, ApplicationError) as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("The section %(name)s is created.") % {"name": created})
            return redirect("catalog:section-list")
    return render(request, "catalog/section_form.html", {"form": form, "section": "products"})


@login_required
def section_update_view(request, pk: int):
    """Rename, move under another parent, (de)activate a section."""
    catalog_require(request.user, PermissionAction.EDIT)
    node = _section(request, pk)
    form = SectionForm(
        request.POST or None,
        sections=section_tree(actor=request.user),
        section=node,
        initial={
            "name": node.name,
            "parent": Section.objects.get_parent(node),
            "is_active": node.is_active,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            section_update(section=node, data={"name": data["name"],
                                               "is_active": data["is_active"]})  # fmt: skip
            section_move(section=node, parent=data["parent"])
        except (ValidationError, ApplicationError) as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("The section %(name)s is saved.") % {"name": node})
            return redirect("catalog:section-list")
    context = {"form": form, "node": node, "section": "products"}
    return render(request, "catalog/section_form.html", context)


@require_GET
@login_required
def product_list_view(request):
    product_filter = ProductFilter(request.GET, queryset=product_list(actor=request.user))
    context = {
        "section": "products",
        **list_page_context(
            request.GET, item_filter=product_filter, columns=COLUMNS, default_sort="name"
        ),
        "presets": SavedFilter.objects.filter(user=request.user, list_key=LIST_KEY),
        "list_key": LIST_KEY,
        "can_add": catalog_may(request.user, PermissionAction.ADD),
        "mass_form": ProductMassActionForm(),
    }
    return render(request, "catalog/product_list.html", context)


@require_POST
@login_required
def product_mass_action_view(request):
    """Make the chosen products active or inactive, or delete them, within the product
    scopes of the user's roles."""
    return mass_action_response(
        request,
        form=ProductMassActionForm(request.POST),
        list_url=reverse("catalog:product-list"),
        within=lambda ids, action: product_within(
            actor=request.user, product_ids=ids, action=action
        ),
        apply=_apply_mass_action,
        done_message=_("Done for %(count)d product(s)."),
        skipped_message=_("%(count)d product(s) skipped: your role does not allow it."),
    )


def _apply_mass_action(product: Product, data: dict) -> None:
    if data["action"] == "delete":
        product_delete(product=product)
    else:
        product_update(product=product, data={"is_active": data["action"] == "activate"})


@require_GET
@login_required
def product_export(request):
    """The catalog under the list's filters as CSV, if the user's roles may export products."""
    products = ProductFilter(request.GET, queryset=Product.objects.all()).qs
    header = [_("ID"), _("Name"), _("Article"), _("Section"), _("Price"), _("Currency"),
              _("Unit"), _("VAT, %"), _("Active"), _("Origin"), _("External id")]  # fmt: skip
    rows = (
        [
            product.pk,
            product.name,
            product.sku,
            str(product.section or ""),
            product.price,
            product.currency_id,
            product.get_measure_display(),
            "" if product.vat_rate is None else product.vat_rate,
            int(product.is_active),
            product.origin,
            product.external_id,
        ]  # fmt: skip
        for product in product_export_rows(actor=request.user, products=products).iterator(
            chunk_size=EXPORT_BATCH
        )
    )
    return csv_response(filename="products.csv", header=header, rows=rows)


@login_required
def product_create_view(request):
    catalog_require(request.user, PermissionAction.ADD)
    initial = {"currency": Currency.objects.filter(is_base=True).first()}
    if request.GET.get("section", "").isdigit():
        initial["section"] = request.GET["section"]
    form = ProductForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            product = product_create(
                name=data.pop("name"), price=data.pop("price"), currency=data.pop("currency"),
                **data,
            )  # fmt: skip
        except (ValidationError, ApplicationError) as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("The product %(name)s is created.") % {"name": product})
            return redirect("catalog:product-list")
    return render(request, "catalog/product_form.html", {"form": form, "section": "products"})


@login_required
def product_update_view(request, pk: int):
    catalog_require(request.user, PermissionAction.EDIT)
    product = _product(request, pk)
    form = ProductForm(request.POST or None, instance=Product.objects.get(pk=product.pk))
    if request.method == "POST" and form.is_valid():
        try:
            product_update(product=product, data=form.cleaned_data)
        except (ValidationError, ApplicationError) as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("The product %(name)s is saved.") % {"name": product})
            return redirect("catalog:product-list")
    context = {"form": form, "product": product, "section": "products"}
    return render(request, "catalog/product_form.html", context)


@require_GET
@login_required
def product_search_view(request):
    """Active products whose name or article starts with `?q=` (at most 20), for the rows
    editor: JSON, or an htmx fragment. With `?currency=` each price is also given converted
    into that currency (the deal's), as the rows editor will store it."""
    products = product_search(actor=request.user, text=request.GET.get("q", ""))
    code = request.GET.get("currency", "")
    # a currency code is three capital letters; anything else (a NUL byte…) is ignored
    target = Currency.objects.filter(pk=code).first() if CURRENCY_CODE.fullmatch(code) else None
    if target is None:
        try:
            target = currency_base()
        except ApplicationError:
            target = None
    found = [_found(product, target) for product in products]
    if request.htmx:
        return render(request, "catalog/product_search.html", {"found": found})
    return JsonResponse({"products": found})


def _found(product: Product, target: Currency | None) -> dict:
    converted = (
        currency_convert(product.price, source=product.currency, target=target)
        if target
        else product.price
    )
    currency = target or product.currency
    return {
        "id": product.pk,
        "name": product.name,
        "sku": product.sku,
        "measure": product.measure,
        "measure_label": product.get_measure_display(),
        "price": str(product.price),
        "currency": product.currency_id,
        "price_display": money(product.price, product.currency),
        "converted_price": str(converted),
        "converted_display": money(converted, currency),
        "vat_rate": "" if product.vat_rate is None else str(product.vat_rate),
        "is_vat_included": product.is_vat_included,
        "is_shop": product.origin == Origin.SHOP,
    }
