"""Reads of activities, always within what the actor may see (accounts.policy)."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.db.models import F, QuerySet

from accounts.models import PermissionEntity
from accounts.policy import restrict

from .models import Activity, TimelineEvent


def activity_list(*, actor: AbstractBaseUser) -> QuerySet[Activity]:
    """The activities `actor` may view (by their responsible), soonest deadline first."""
    activities = Activity.objects.select_related("responsible").order_by("deadline", "id")
    return restrict(activities, user=actor, entity=PermissionEntity.ACTIVITY)


def activity_next_planned(*, entity_type: str, entity_ids: list[int]) -> dict[int, Activity]:
    """For each item, its planned activity with the earliest deadline (one query for a whole
    board of cards; the rows read are bounded by the cards shown, not by the data size)."""
    planned = (
        Activity.objects.filter(
            status=Activity.Status.PLANNED,
            bindings__entity_type=entity_type,
            bindings__entity_id__in=entity_ids,
        )
        .annotate(entity_id=F("bindings__entity_id"))
        .order_by(F("deadline").asc(nulls_last=True), "id")
    )
    first: dict[int, Activity] = {}
    for activity in planned:
        first.setdefault(activity.entity_id, activity)
    return first


TIMELINE_LIMIT = 200


def timeline_list(*, entity: models.Model, limit: int = TIMELINE_LIMIT) -> list[TimelineEvent]:
    """The newest events of an item's timeline, with who did them and the activity they are
    about. The caller has already checked the item is visible to the reader."""
    events = TimelineEvent.objects.filter(
        entity_type=entity.ENTITY_TYPE, entity_id=entity.pk
    ).select_related("actor", "activity")
    return list(events.order_by("-created_at", "-id")[:limit])
