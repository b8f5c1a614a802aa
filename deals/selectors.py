"""Reads of deals, always within what the actor may see (accounts.policy)."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from accounts.models import PermissionAction, PermissionEntity
from accounts.policy import get_within, restrict

from .models import Deal


def deal_list(*, actor: AbstractBaseUser) -> QuerySet[Deal]:
    """The deals `actor` may view, newest first, with what a list row shows joined in: a page
    of it costs the same few queries at any size."""
    deals = Deal.objects.select_related("pipeline", "stage", "currency", "responsible", "company")
    return restrict(deals.order_by("-created_at", "-id"), user=actor, entity=PermissionEntity.DEAL)


def deal_get(*, actor: AbstractBaseUser, deal_id: int, action: str = PermissionAction.VIEW) -> Deal:
    """The deal, if `actor` may `action` it; Deal.DoesNotExist otherwise, so that a deal out of
    reach looks like one that does not exist (views answer 404)."""
    return get_within(
        Deal.objects.all(), user=actor, entity=PermissionEntity.DEAL, pk=deal_id, action=action
    )


def deal_export_rows(*, actor: AbstractBaseUser) -> QuerySet[Deal]:
    """The deals `actor` may export, oldest first, for a CSV file."""
    deals = Deal.objects.select_related("pipeline", "stage", "currency", "responsible", "company")
    return restrict(
        deals.order_by("id"),
        user=actor,
        entity=PermissionEntity.DEAL,
        action=PermissionAction.EXPORT,
    )
