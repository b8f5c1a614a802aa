"""Reads for outgoing webhooks. Subscriptions and their logs are for administrators only
(accounts.policy.can_manage_settings): everybody else gets PermissionDenied."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts.policy import can_manage_settings

from .models import WebhookDelivery, WebhookSubscription

DELIVERIES_PER_PAGE = 25


def require_administrator(actor: AbstractBaseUser) -> None:
    if not can_manage_settings(actor):
        raise PermissionDenied(_("Only administrators manage webhooks."))


def webhook_subscription_list(*, actor: AbstractBaseUser) -> QuerySet[WebhookSubscription]:
    """Every subscription with its counts of pending and failed deliveries (one query)."""
    require_administrator(actor)
    Status = WebhookDelivery.Status
    return WebhookSubscription.objects.annotate(
        pending_count=Count("deliveries", filter=Q(deliveries__status=Status.PENDING)),
        failed_count=Count(
            "deliveries", filter=Q(deliveries__status__in=[Status.FAILED, Status.GAVE_UP])
        ),
    ).order_by("name", "pk")


def webhook_subscription_get(
    *, actor: AbstractBaseUser, subscription_id: int
) -> WebhookSubscription:
    require_administrator(actor)
    return get_object_or_404(WebhookSubscription, pk=subscription_id)


def webhook_delivery_get(*, actor: AbstractBaseUser, delivery_id: int) -> WebhookDelivery:
    require_administrator(actor)
    return get_object_or_404(WebhookDelivery.objects.select_related("subscription"), pk=delivery_id)


def webhook_delivery_log(
    *, actor: AbstractBaseUser, subscription: WebhookSubscription, page: int | str = 1
) -> Page:
    """A subscription's deliveries, newest first, DELIVERIES_PER_PAGE to a page (two queries)."""
    require_administrator(actor)
    deliveries = subscription.deliveries.order_by("-created_at", "-pk")
    return Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(page)
