"""Reads for access rights that the cards show, and who can be given work today."""

from dataclasses import dataclass

from django.db import models
from django.utils import timezone

from .models import Absence, User
from .policy import share_permission_model


@dataclass(frozen=True)
class Share:
    colleague: User
    can_edit: bool


def share_list(*, obj: models.Model) -> list[Share]:
    """Who `obj` is shared with, and whether they may edit it (one query)."""
    shares = share_permission_model(type(obj))
    rows = shares.objects.filter(content_object=obj).select_related("user", "permission")
    by_user: dict[int, Share] = {}
    for row in rows.order_by("user__last_name", "user__first_name", "user_id"):
        can_edit = row.permission.codename.startswith("change_")
        earlier = by_user.get(row.user_id)
        by_user[row.user_id] = Share(row.user, can_edit or bool(earlier and earlier.can_edit))
    return list(by_user.values())


def users_present_today(user_ids: list) -> dict[int, User]:
    """The users of `user_ids` who are active and not absent today, by id, in that order:
    the ones the assignment rules (robots, shops, forms) may give an item to."""
    today = timezone.localdate()
    absent = Absence.objects.filter(starts_on__lte=today, ends_on__gte=today).values("user_id")
    users = User.objects.filter(is_active=True, pk__in=[pk for pk in user_ids if pk]).exclude(
        pk__in=absent
    )
    by_id = {user.pk: user for user in users}
    return {pk: by_id[pk] for pk in user_ids if pk in by_id}


def next_in_turn(user_ids: list, available: dict[int, User], last_id: int | None) -> User:
    """Round-robin over `user_ids`: the first of `available` (users_present_today of them)
    after `last_id`, in their order, so an absent user's turn passes to the next one; from
    the first when `last_id` is none of them. `available` must not be empty."""
    start = user_ids.index(last_id) + 1 if last_id in user_ids else 0
    return next(available[pk] for pk in user_ids[start:] + user_ids[:start] if pk in available)
