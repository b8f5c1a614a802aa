"""Reads of leads, always within what the actor may see (accounts.policy)."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from accounts.models import PermissionAction, PermissionEntity
from accounts.policy import get_within, restrict

from .models import Lead


def lead_list(*, actor: AbstractBaseUser) -> QuerySet[Lead]:
    """The leads `actor` may view, newest first, with their status, source and responsible."""
    leads = Lead.objects.select_related("status", "source", "responsible", "currency")
    return restrict(leads.order_by("-created_at", "-id"), user=actor, entity=PermissionEntity.LEAD)


def lead_get(*, actor: AbstractBaseUser, lead_id: int, action: str = PermissionAction.VIEW) -> Lead:
    """The lead, if `actor` may `action` it; Lead.DoesNotExist otherwise."""
    return get_within(
        Lead.objects.all(), user=actor, entity=PermissionEntity.LEAD, pk=lead_id, action=action
    )
