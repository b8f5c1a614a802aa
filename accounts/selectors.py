"""Reads for access rights that the cards show."""

from dataclasses import dataclass

from django.db import models

from .models import User
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
