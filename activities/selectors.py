"""Reads of activities, always within what the actor may see (accounts.policy)."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from accounts.models import PermissionEntity
from accounts.policy import restrict

from .models import Activity


def activity_list(*, actor: AbstractBaseUser) -> QuerySet[Activity]:
    """The activities `actor` may view (by their responsible), soonest deadline first."""
    activities = Activity.objects.select_related("responsible").order_by("deadline", "id")
    return restrict(activities, user=actor, entity=PermissionEntity.ACTIVITY)
