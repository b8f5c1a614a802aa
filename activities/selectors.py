"""Reads of activities, always within what the actor may see (accounts.policy)."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.db.models import BooleanField, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import PermissionEntity
from accounts.policy import restrict
from core.entities import entity_model, entity_url_of
from core.listing import Page

from .models import Activity, ActivityBinding, Notification, TimelineEvent


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
    """The newest events of an item's timeline, for its card (see timeline_event_list)."""
    return list(timeline_event_list(entity=entity)[:limit])


PLAN_GROUP_LIMIT = 50
JOURNAL_LIMIT = 50
NOTIFICATIONS_PER_PAGE = 30


@dataclass(frozen=True)
class EntityActivities:
    """An item's activities as its card shows them: planned (soonest first) and journal
    (done, newest first, the latest JOURNAL_LIMIT)."""

    planned: list[Activity]
    journal: list[Activity]


def _bound_to(entity_type: str, entity_id: int) -> QuerySet[Activity]:
    bindings = ActivityBinding.objects.filter(entity_type=entity_type, entity_id=entity_id)
    return Activity.objects.filter(pk__in=bindings.values("activity_id")).select_related(
        "responsible", "completed_by"
    )


def entity_activities(
    *, entity_type: str, entity_id: int, journal_limit: int = JOURNAL_LIMIT
) -> EntityActivities:
    """The activities block of an item (two queries). The caller has already checked that
    the item is visible to the reader: its activities are visible with it."""
    activities = _bound_to(entity_type, entity_id)
    planned = activities.filter(status=Activity.Status.PLANNED).order_by(
        F("deadline").asc(nulls_last=True), "id"
    )
    journal = activities.filter(status=Activity.Status.DONE).order_by("-completed_at", "-id")
    return EntityActivities(planned=list(planned), journal=list(journal[:journal_limit]))


def entity_activity_get(*, entity_type: str, entity_id: int, activity_id: int) -> Activity:
    """An activity bound to the item; Activity.DoesNotExist when it is not bound to it."""
    return _bound_to(entity_type, entity_id).get(pk=activity_id)


@dataclass
class PlannedActivity:
    """A row of the activities page: the activity and the item it concerns, with a link."""

    activity: Activity
    entity_type: str = ""
    entity_id: int | None = None
    url: str = ""  # the item's card; "" when the item is out of the user's sight
    item_name: str = ""


@dataclass
class ActivityPlan:
    overdue: list[PlannedActivity]
    today: list[PlannedActivity]
    upcoming: list[PlannedActivity]


def _visible_item_names(actor: AbstractBaseUser, refs: set[tuple[str, int]]) -> dict:
    """The names of the items among `refs` ((type, id) pairs) that `actor` may see, by pair:
    one query per item type. One's own activity does not open an item out of sight."""
    ids_by_type: dict[str, set[int]] = defaultdict(set)
    for entity_type, entity_id in refs:
        ids_by_type[entity_type].add(entity_id)
    names = {}
    for entity_type, ids in ids_by_type.items():
        items = entity_model(entity_type).objects.filter(pk__in=ids)
        for item in restrict(items, user=actor, entity=entity_type):
            names[(entity_type, item.pk)] = str(item)
    return names


def activity_my_plan(
    *, actor: AbstractBaseUser, now: datetime.datetime | None = None, limit: int = PLAN_GROUP_LIMIT
) -> ActivityPlan:
    """The actor's own planned activities (they are responsible for them) in three groups of at
    most `limit`: overdue, due later today (in the current time zone) and upcoming (later, or
    without a deadline). Three queries whatever the number of rows, and one per item type for
    the names; each row names and links to the first item the activity is bound to, if the
    actor may see it."""
    now = now or timezone.now()
    end_of_today = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate(now) + datetime.timedelta(days=1),
                                  datetime.time.min)
    )  # fmt: skip
    first_binding = ActivityBinding.objects.filter(activity=OuterRef("pk")).order_by("id")
    mine = (
        Activity.objects.filter(responsible=actor, status=Activity.Status.PLANNED)
        .annotate(
            entity_type=Subquery(first_binding.values("entity_type")[:1]),
            entity_id=Subquery(first_binding.values("entity_id")[:1]),
        )
        .order_by(F("deadline").asc(nulls_last=True), "id")
    )
    groups = (
        mine.filter(deadline__lt=now),
        mine.filter(deadline__gte=now, deadline__lt=end_of_today),
        mine.filter(Q(deadline__gte=end_of_today) | Q(deadline__isnull=True)),
    )
    rows = [list(group[:limit]) for group in groups]
    names = _visible_item_names(
        actor, {(a.entity_type, a.entity_id) for group in rows for a in group if a.entity_type}
    )

    def planned(activity: Activity) -> PlannedActivity:
        name = names.get((activity.entity_type, activity.entity_id), "")
        return PlannedActivity(
            activity=activity,
            entity_type=activity.entity_type or "",
            entity_id=activity.entity_id,
            url=entity_url_of(activity.entity_type, activity.entity_id) if name else "",
            item_name=name,
        )

    overdue, today, upcoming = ([planned(activity) for activity in group] for group in rows)
    return ActivityPlan(overdue=overdue, today=today, upcoming=upcoming)


def notification_list(*, actor: AbstractBaseUser) -> QuerySet[Notification]:
    """The actor's notifications: unread first, then read; newest first within each."""
    unread = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    return Notification.objects.filter(recipient=actor).order_by(
        unread.desc(), "-created_at", "-id"
    )


def notification_page(
    *, actor: AbstractBaseUser, number: int = 1, per_page: int = NOTIFICATIONS_PER_PAGE
) -> Page:
    """One page of notification_list, read as per_page + 1 rows (no count: one query)."""
    number = max(1, number)
    offset = (number - 1) * per_page
    rows = list(notification_list(actor=actor)[offset : offset + per_page + 1])
    return Page(rows=rows[:per_page], number=number, has_previous=number > 1,
                has_next=len(rows) > per_page, sort="")  # fmt: skip


def notification_get(*, actor: AbstractBaseUser, notification_id: int) -> Notification:
    """The actor's own notification; Notification.DoesNotExist for anybody else's."""
    return Notification.objects.select_related("activity").get(pk=notification_id, recipient=actor)


def notification_target_url(notification: Notification) -> str:
    """Where a notification leads: its own link, else the card of the item its activity
    concerns (a reminder, a completed task), else nowhere ("")."""
    if notification.url:
        return notification.url
    if notification.activity_id is None:
        return ""
    binding = (
        ActivityBinding.objects.filter(activity_id=notification.activity_id).order_by("id").first()
    )
    return entity_url_of(binding.entity_type, binding.entity_id) if binding else ""


def timeline_event_list(*, entity: models.Model) -> QuerySet[TimelineEvent]:
    """An item's whole timeline as a queryset (newest first, with who did each event and the
    activity it is about), for pages read a cursor at a time. The caller has already checked
    the item is visible to the reader."""
    return (
        TimelineEvent.objects.filter(entity_type=entity.ENTITY_TYPE, entity_id=entity.pk)
        .select_related("actor", "activity")
        .order_by("-created_at", "-id")
    )


def timeline_event_of(*, entity: models.Model, activity: Activity) -> TimelineEvent:
    """The (latest) event of an item's timeline about `activity`; DoesNotExist without one."""
    return timeline_event_list(entity=entity).filter(activity=activity)[:1].get()
