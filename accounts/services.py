"""Writes for access rights: sharing one item with a colleague."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models, transaction
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from activities.models import TimelineEvent
from activities.services import timeline_record
from core.errors import ApplicationError
from core.services import json_value

from .policy import share_permission_model


def _codenames(obj: models.Model) -> tuple[str, str]:
    if share_permission_model(type(obj)) is None:
        raise ApplicationError(_("This kind of item cannot be shared."), code="not_shareable")
    name = obj._meta.model_name
    return f"view_{name}", f"change_{name}"


@transaction.atomic
def object_share(
    *,
    obj: models.Model,
    colleague: AbstractBaseUser,
    actor: AbstractBaseUser | None,
    can_edit: bool = False,
) -> None:
    """Let `colleague` see a deal, lead, contact or company outside their scope (and edit it
    with `can_edit`); sharing again replaces the earlier grant. Journalled on the item."""
    view, change = _codenames(obj)
    assign_perm(view, colleague, obj)
    if can_edit:
        assign_perm(change, colleague, obj)
    else:
        remove_perm(change, colleague, obj)
    timeline_record(
        entity=obj,
        kind=TimelineEvent.Kind.SHARED,
        actor=actor,
        payload={"with": json_value(colleague), "can_edit": can_edit},
    )


@transaction.atomic
def object_unshare(
    *, obj: models.Model, colleague: AbstractBaseUser, actor: AbstractBaseUser | None
) -> None:
    """Take back what object_share gave; journalled on the item."""
    for codename in _codenames(obj):
        remove_perm(codename, colleague, obj)
    timeline_record(
        entity=obj,
        kind=TimelineEvent.Kind.SHARED,
        actor=actor,
        payload={"with": json_value(colleague), "revoked": True},
    )
