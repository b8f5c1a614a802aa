"""Reads of the shop settings pages: administrators only (PermissionDenied otherwise), in a
fixed number of queries."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts.policy import can_manage_settings

from .models import Shop, ShopOrder, ShopStatusStage, SyncRun

RUNS_SHOWN = 50


def require_shop_administrator(actor: AbstractBaseUser) -> None:
    if not can_manage_settings(actor):
        raise PermissionDenied(_("Only administrators manage shops."))


def shop_list(*, actor: AbstractBaseUser) -> list[Shop]:
    """Every shop with its last run on `last_run` (None before the first): two queries."""
    require_shop_administrator(actor)
    last_run = SyncRun.objects.filter(shop=OuterRef("pk")).order_by("-started_at", "-pk")
    shops = list(Shop.objects.annotate(last_run_id=Subquery(last_run.values("pk")[:1])))
    runs = SyncRun.objects.in_bulk([shop.last_run_id for shop in shops if shop.last_run_id])
    for shop in shops:
        shop.last_run = runs.get(shop.last_run_id)
    return shops


def shop_get(*, actor: AbstractBaseUser, shop_id: int) -> Shop:
    """The shop with its pipeline, manager, managers and status map (three queries)."""
    require_shop_administrator(actor)
    status_stages = ShopStatusStage.objects.select_related("stage").order_by("status_code")
    return get_object_or_404(
        Shop.objects.select_related("pipeline", "responsible").prefetch_related(
            "managers", Prefetch("status_stages", queryset=status_stages)
        ),
        pk=shop_id,
    )


def shop_statistics(shop: Shop) -> dict:
    """Its orders counted (total, paid, cancelled) and its last RUNS_SHOWN runs: two queries."""
    counts = ShopOrder.objects.filter(shop=shop).aggregate(
        total=Count("pk"),
        paid=Count("pk", filter=Q(is_paid=True)),
        cancelled=Count("pk", filter=Q(is_cancelled=True)),
    )
    runs = list(SyncRun.objects.filter(shop=shop).order_by("-started_at", "-pk")[:RUNS_SHOWN])
    return {"order_counts": counts, "runs": runs}


def deal_shop_order(*, deal_id: int) -> ShopOrder | None:
    """The shop order of a deal the caller may see, with its shop and its last push."""
    shop_order = ShopOrder.objects.filter(deal_id=deal_id).select_related("shop").first()
    if shop_order is not None:
        shop_order.last_push = shop_order.pushes.order_by("-created_at", "-pk").first()
    return shop_order


def shops_taking_orders() -> list[Shop]:
    """The shops a deal can be sent to as a new order: active, with an exchange."""
    return list(Shop.objects.filter(is_active=True).exclude(exchange_url=""))
