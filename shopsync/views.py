"""Settings pages of the connected shops: administrators only (everybody else gets 403).

The list, the settings page (connection, new deals and their pipeline rules, order status
map), the statistics page
with the shop's exchanges, and its buttons: issue a REST token, test the connection, sync now,
download a run's raw document."""

import json
from pathlib import PurePath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import PermissionAction
from accounts.policy import can
from core.errors import ApplicationError, error_text
from core.http import posted_id
from core.urls import entity_url
from deals.models import Deal, Stage
from deals.selectors import deal_get

from . import selectors
from .assignment import AssignmentRuleInput
from .crm_orders import deal_bind_to_shop
from .forms import AssignmentRuleFormSet, ShopForm, ShopRouteFormSet, StatusStageFormSet
from .models import Shop, SyncRun
from .services import (
    ShopRouteInput,
    shop_configure,
    shop_connection_check,
    shop_pull_request,
    shop_token_rotate,
)

STATUS_MAP_PREFIX = "statuses"
ROUTES_PREFIX = "routes"
ROUTE_FIELDS = ["site", "region", "customer_group", "amount_min", "amount_max", "pipeline"]
ASSIGNMENT_PREFIX = "assignment"
ASSIGNMENT_FIELDS = ["amount_min", "amount_max", "section", "client_type", "responsible"]


# --- pages --------------------------------------------------------------------------------


@login_required
def shop_list(request):
    shops = selectors.shop_list(actor=request.user)
    context = {"shops": shops, "section": "settings"}
    return render(request, "shopsync/shop_list.html", context)


@login_required
def shop_detail(request, pk: int):
    """The shop's settings summary, its orders counted and its last exchanges."""
    shop = selectors.shop_get(actor=request.user, shop_id=pk)
    return _detail_page(request, shop)


def _detail_page(request, shop: Shop, **extra):
    is_pull_running = shop.sync_lease_until is not None and shop.sync_lease_until > timezone.now()
    context = {"shop": shop, "section": "settings", "is_pull_running": is_pull_running,
               **selectors.shop_statistics(shop), **extra}  # fmt: skip
    return render(request, "shopsync/shop_detail.html", context)


@login_required
def shop_edit(request, pk: int | None = None):
    """Create (no pk) or change a shop: its connection, its new deals and their pipeline
    rules, its status map."""
    if pk is None:
        selectors.require_shop_administrator(request.user)
        shop = Shop()
        initial_map, initial_routes, initial_rules = [], [], []
    else:
        shop = selectors.shop_get(actor=request.user, shop_id=pk)
        initial_map = [
            {"status_code": row.status_code, "stage": row.stage} for row in shop.status_stages.all()
        ]
        # one query, in their order; the pipeline by id (the rows' choices hold the pipelines)
        initial_routes = [
            {"site": route.site, "region": route.region, "customer_group": route.customer_group,
             "amount_min": route.amount_min, "amount_max": route.amount_max,
             "pipeline": route.pipeline_id}
            for route in shop.routes.all()
        ]  # fmt: skip
        initial_rules = [
            {"amount_min": rule.amount_min, "amount_max": rule.amount_max,
             "section": rule.section_id, "client_type": rule.client_type,
             "responsible": rule.responsible_id}
            for rule in shop.assignment_rules.all()
        ]  # fmt: skip
    saved_name = shop.name  # the form puts what was typed on the shop, saved or not
    data = request.POST if request.method == "POST" else None
    form = ShopForm(data, instance=shop)
    formset = StatusStageFormSet(data, initial=initial_map, prefix=STATUS_MAP_PREFIX)
    route_formset = ShopRouteFormSet(data, initial=initial_routes, prefix=ROUTES_PREFIX)
    rule_formset = AssignmentRuleFormSet(data, initial=initial_rules, prefix=ASSIGNMENT_PREFIX)
    if (
        request.method == "POST"
        and form.is_valid()
        and formset.is_valid()
        and route_formset.is_valid()
        and rule_formset.is_valid()
    ):
        rows, route_rows = _rows_kept(formset), _rows_kept(route_formset)
        rule_rows = _rows_kept(rule_formset)
        try:
            shop = shop_configure(
                shop=form.instance,
                managers=form.cleaned_data["managers"],
                routes=[
                    ShopRouteInput(**{name: row.cleaned_data[name] for name in ROUTE_FIELDS})
                    for row in route_rows
                ],
                assignment_rules=[
                    AssignmentRuleInput(
                        **{name: row.cleaned_data[name] for name in ASSIGNMENT_FIELDS}
                    )
                    for row in rule_rows
                ],
                status_stages=[
                    (row.cleaned_data["status_code"], row.cleaned_data["stage"]) for row in rows
                ],
            )
        except ValidationError as error:
            _show_errors(error, form, {"status_stages": rows, "routes": route_rows,
                                       "assignment_rules": rule_rows})  # fmt: skip
        else:
            messages.success(request, _("The shop %(name)s is saved.") % {"name": shop.name})
            return redirect("shopsync:detail", pk=shop.pk)
    context = {
        "form": form,
        "formset": formset,
        "route_formset": route_formset,
        "rule_formset": rule_formset,
        "shop": shop if pk is not None else None,
        "saved_name": saved_name,
        "section": "settings",
    }
    return render(request, "shopsync/shop_form.html", context)


def _rows_kept(formset) -> list:
    """The rows kept, in their order: filled in (a blank new row has no cleaned_data) and not
    removed."""
    return [row for row in formset.forms
            if row.cleaned_data and row not in formset.deleted_forms]  # fmt: skip


def _show_errors(error: ValidationError, form, rows_of: dict[str, list]) -> None:
    """The service's errors next to their fields; a formset's (the map's, the rules') next to
    the row at fault. `rows_of`: the rows given to the service, by its error key."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        if field in rows_of:
            rows = rows_of[field]
            for row_error in errors:
                params = row_error.params or {}
                index = params.get("index")
                if index is not None and index < len(rows):
                    rows[index].add_error(params.get("field"), row_error)
                else:
                    form.add_error(None, row_error)
        else:
            form.add_error(field if field in form.fields else None, errors)


@require_POST
@login_required
def shop_rotate_token(request, pk: int):
    """Issue a new REST token: shown on this answer only (the shop keeps only its hash)."""
    shop = selectors.shop_get(actor=request.user, shop_id=pk)
    token = shop_token_rotate(shop=shop)
    push_url = request.build_absolute_uri(reverse("api:shop-order-list"))
    example = json.dumps(
        {"id": "1042", "number": "A-1042", "currency": "RUB",
         "customer": {"last_name": "Ivanova", "email": "anna@example.com"},
         "items": [{"product_id": "SKU-1", "name": "Kettle", "quantity": "1",
                    "price": "1990.00"}]},
        ensure_ascii=False,
    )  # fmt: skip
    curl = (
        f"curl -X POST '{push_url}' \\\n"
        f"  -H 'Authorization: Bearer {token}' \\\n"
        f"  -H 'Content-Type: application/json' \\\n"
        f"  -d '{example}'"
    )
    response = _detail_page(request, shop, token=token, push_url=push_url, curl_example=curl)
    response["Cache-Control"] = "no-store"  # the token is nowhere else: keep it out of caches
    return response


@require_POST
@login_required
def shop_test_connection(request, pk: int):
    """Open an exchange with the shop (checkauth + init) and say whether it worked."""
    shop = selectors.shop_get(actor=request.user, shop_id=pk)
    try:
        shop_connection_check(shop=shop)
    except ApplicationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Connected to %(name)s.") % {"name": shop.name})
    return redirect("shopsync:detail", pk=shop.pk)


@require_POST
@login_required
def shop_pull(request, pk: int):
    """Sync now: queue a pull of the shop's waiting orders."""
    shop = selectors.shop_get(actor=request.user, shop_id=pk)
    try:
        shop_pull_request(shop=shop)
    except ApplicationError as error:
        messages.warning(request, error_text(error))
    else:
        messages.success(
            request, _("A pull is queued: the runs below show what it brings in a moment.")
        )
    return redirect("shopsync:detail", pk=shop.pk)


@login_required
def run_document(request, pk: int):
    """The raw document of a run, as the shop sent it, to download."""
    selectors.require_shop_administrator(request.user)
    run = get_object_or_404(SyncRun, pk=pk)
    if not run.document:
        raise Http404(_("This run kept no document."))
    try:
        stored = run.document.open("rb")
    except FileNotFoundError:
        raise Http404(_("The run's document is no longer stored.")) from None
    return FileResponse(
        stored,
        as_attachment=True,
        filename=PurePath(run.document.name).name,
        content_type="application/xml",
    )


# --- a deal's shop order, on the deal's card ------------------------------------------------


@login_required
def deal_order(request, deal_id: int):
    """The card's shop order panel: the order's facts the shop owns (read-only), or, for a
    deal that is no order yet and that the user may edit, the shops it can be sent to."""
    deal = _deal_or_404(request, deal_id, PermissionAction.VIEW)
    shop_order = selectors.deal_shop_order(deal_id=deal.pk)
    can_send = (
        shop_order is None
        and can(request.user, PermissionAction.EDIT, deal)
        and deal.stage.semantics == Stage.Semantics.IN_PROGRESS
    )
    context = {"deal": deal, "shop_order": shop_order,
               "shops": selectors.shops_taking_orders() if can_send else []}  # fmt: skip
    return render(request, "shopsync/deal_order.html", context)


@require_POST
@login_required
def deal_order_create(request, deal_id: int):
    """Send the deal to the chosen shop as a new order (deal_bind_to_shop)."""
    deal = _deal_or_404(request, deal_id, PermissionAction.EDIT)
    shop = get_object_or_404(Shop, pk=posted_id(request, "shop"), is_active=True)
    try:
        deal_bind_to_shop(deal=deal, shop=shop, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request, _("The order goes to %(shop)s: the deal follows it from now on.")
            % {"shop": shop.name},
        )  # fmt: skip
    return redirect(entity_url(deal))


def _deal_or_404(request, deal_id: int, action: str) -> Deal:
    try:
        return deal_get(actor=request.user, deal_id=deal_id, action=action)
    except Deal.DoesNotExist:
        raise Http404 from None
