"""Reads of deals, always within what the actor may see (accounts.policy)."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from accounts.models import PermissionEntity
from accounts.policy import restrict

from .models import Deal


def deal_list(*, actor: AbstractBaseUser) -> QuerySet[Deal]:
    """The deals `actor` may view, newest first, with what a list row shows joined in: a page
    of it costs the same few queries at any size."""
    deals = Deal.objects.select_related("pipeline", "stage", "currency", "responsible", "company")
    return restrict(deals.order_by("-created_at", "-id"), user=actor, entity=PermissionEntity.DEAL)
