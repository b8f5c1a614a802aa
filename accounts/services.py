"""Writes for access rights: roles and their rights, sharing one item with a colleague, saved
filters and API tokens."""

import secrets

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from activities.models import TimelineEvent
from activities.services import timeline_record
from core.errors import ApplicationError
from core.listing import query_without
from core.secrets import secret_digest
from core.services import json_value

from .models import ApiToken, PermissionScope, Role, RolePermission, RoleStageRule, SavedFilter
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


@transaction.atomic
def role_save(
    *,
    role: Role | None,
    name: str,
    description: str,
    scopes: dict[tuple[str, str, int | None], str],
    stage_rules: dict[int, tuple[bool, bool]],
) -> Role:
    """Create or replace a role's rights in one go.

    `scopes` maps (entity, action, pipeline id or None) to a scope; a general "none" is the
    same as no row and is not stored, while a pipeline's scope is stored whatever it is (it
    replaces the general one there). `stage_rules` maps a stage id to (can_view,
    can_move_into); an open stage needs no row. Takes effect on the users' next request.
    """
    role = role or Role()
    role.name, role.description = name.strip(), description
    role.full_clean()
    role.save()
    role.permissions.all().delete()
    RolePermission.objects.bulk_create(
        RolePermission(
            role=role, entity=entity, action=action, scope=scope, pipeline_id=pipeline_id
        )
        for (entity, action, pipeline_id), scope in scopes.items()
        if pipeline_id is not None or scope != PermissionScope.NONE
    )
    role.stage_rules.all().delete()
    RoleStageRule.objects.bulk_create(
        RoleStageRule(role=role, stage_id=stage_id, can_view=can_view, can_move_into=can_move_into)
        for stage_id, (can_view, can_move_into) in stage_rules.items()
        if not (can_view and can_move_into)
    )
    return role


@transaction.atomic
def saved_filter_save(
    *, user: AbstractBaseUser, list_key: str, name: str, query: str
) -> SavedFilter:
    """Keep the list's current filters under `name` for `user`; the same name is overwritten.
    The page and sort parameters are not part of a filter."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the filter a name.")})
    kept = query_without(QueryDict(query), "page", "sort")
    saved, _created = SavedFilter.objects.update_or_create(
        user=user, list_key=list_key, name=name[:100], defaults={"query": kept[:2000]}
    )
    return saved


def saved_filter_delete(*, saved_filter: SavedFilter) -> None:
    saved_filter.delete()


@transaction.atomic
def api_token_create(*, user: AbstractBaseUser, name: str) -> tuple[ApiToken, str]:
    """A new API token for `user`. Returns the token row and the token itself, which is not
    stored and cannot be shown again."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Name the token after the script that will use it.")})
    token = secrets.token_urlsafe(32)
    row = ApiToken.objects.create(user=user, name=name[:100], prefix=token[:8],
                                  key_hash=secret_digest(token))  # fmt: skip
    return row, token


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """The token stops working at once; the row stays, for the record."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
    return token
