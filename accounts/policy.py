"""The one place that decides what a user may see and do with CRM data.

Rights come from the user's roles. Each RolePermission row gives a role a scope for an entity
and an action: none, own (responsible), own department, department and sub-departments, or
all. When a user holds several roles the widest scope wins. For deals a role's row for one
pipeline replaces that role's general deal row inside that pipeline, and RoleStageRule rows
close stages (to viewing, or to moving deals into) when every role of the user closes them.
Deals and leads marked "open to all" are visible to anybody who may view some of them, and a
deal, lead, contact or company shared with a colleague (accounts.services.object_share) is
theirs to view, or to edit too. Superusers bypass all of it.

Every answer is a Q filter applied in the database, so a scoped list costs the same few
queries however many rows, departments or roles there are. Nothing is cached: a changed role
applies to the next request.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _
from guardian.utils import get_user_obj_perms_model

from core.entities import entity_model

from .models import (
    Department,
    PermissionAction,
    PermissionEntity,
    PermissionScope,
    RolePermission,
    RoleStageRule,
    User,
)

Scope = PermissionScope
REFUSALS = {
    PermissionAction.EDIT: _("Your role does not let you change this item."),
    PermissionAction.DELETE: _("Your role does not let you delete this item."),
    PermissionAction.EXPORT: _("Your role does not let you export this item."),
}
WIDTH = {scope: width for width, scope in enumerate(Scope)}  # NONE narrowest … ALL widest
NOTHING = Q(pk__in=[])
# Not Q(): an empty Q vanishes when combined (Q() | open_to_all is just open_to_all).
EVERYTHING = Q(pk__isnull=False)


def widest(*scopes: str) -> str:
    return max(scopes, key=lambda scope: WIDTH[scope], default=Scope.NONE)


@dataclass(frozen=True)
class Grant:
    """A user's effective scopes for one entity and action: `general`, except in the pipelines
    of `per_pipeline` (deals only)."""

    general: str = Scope.NONE
    per_pipeline: dict[int, str] = field(default_factory=dict)

    @property
    def is_nothing(self) -> bool:
        return self.general == Scope.NONE and all(
            scope == Scope.NONE for scope in self.per_pipeline.values()
        )


def grant_for(user: AbstractBaseUser, entity: str, action: str) -> Grant:
    """The effective scopes of `user` for `entity` and `action`. All of the user's grants are
    read in one query, the first time one is asked for, and kept on the user object, which
    lives for one request (or one task)."""
    if user.is_superuser:
        return Grant(general=Scope.ALL)
    grants = user.__dict__.get("_crm_grants")
    if grants is None:
        grants = user.__dict__["_crm_grants"] = _grants_of(user)
    return grants.get((entity, action), Grant(general=Scope.NONE))


def forget_grants(user: AbstractBaseUser) -> None:
    """Drop the grants kept on a user object, for code (and tests) that reuse one object
    across what would be several requests."""
    user.__dict__.pop("_crm_grants", None)


def _grants_of(user: AbstractBaseUser) -> dict[tuple[str, str], Grant]:
    """Every (entity, action) grant of the user's roles: per role, a pipeline's own scope
    overrides the role's general one; across roles, the widest wins."""
    rows = RolePermission.objects.filter(role__users=user).values_list(
        "entity", "action", "role_id", "pipeline_id", "scope"
    )
    general_by_role: dict[tuple, dict[int, str]] = defaultdict(dict)
    pipeline_by_role: dict[tuple, dict[int, dict[int, str]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for entity, action, role_id, pipeline_id, scope in rows:
        if pipeline_id is None:
            general_by_role[(entity, action)][role_id] = scope
        else:
            pipeline_by_role[(entity, action)][role_id][pipeline_id] = scope
    grants = {}
    for key in set(general_by_role) | set(pipeline_by_role):
        general, overrides = general_by_role.get(key, {}), pipeline_by_role.get(key, {})
        roles = set(general) | set(overrides)
        pipelines = {pipeline for by_pipeline in overrides.values() for pipeline in by_pipeline}
        grants[key] = Grant(
            general=widest(*general.values()),
            per_pipeline={
                pipeline: widest(
                    *(overrides.get(role, {}).get(pipeline, general.get(role, Scope.NONE))
                      for role in roles)
                )
                for pipeline in pipelines
            },
        )  # fmt: skip
    return grants


def scope_condition(user: AbstractBaseUser, scope: str, *, responsible: str = "responsible") -> Q:
    """Rows whose `responsible` falls within `scope` as seen from `user`. Without a department,
    the department scopes shrink to the user's own rows."""
    if scope == Scope.ALL:
        return EVERYTHING
    if scope == Scope.NONE:
        return NOTHING
    if scope == Scope.OWN or user.department_id is None:
        return Q(**{responsible: user})
    return Q(**{f"{responsible}__in": _colleagues(user, scope).values("pk")})


def _colleagues(user: AbstractBaseUser, scope: str) -> QuerySet:
    """Users in the user's department, or in it and below (the path is read in the database,
    never from a department object that may be stale)."""
    if scope == Scope.DEPARTMENT:
        return User.objects.filter(department_id=user.department_id)
    own_path = Department.objects.filter(pk=user.department_id).values("path")[:1]
    return User.objects.filter(department__path__startswith=Subquery(own_path))


def _grant_condition(user: AbstractBaseUser, grant: Grant) -> Q:
    if not grant.per_pipeline:
        return scope_condition(user, grant.general)
    condition = scope_condition(user, grant.general) & ~Q(pipeline_id__in=list(grant.per_pipeline))
    for pipeline_id, scope in grant.per_pipeline.items():
        condition |= Q(pipeline_id=pipeline_id) & scope_condition(user, scope)
    return condition


def closed_stages(user: AbstractBaseUser, *, rule: str) -> QuerySet:
    """Ids of the stages every role of `user` closes (`rule` is "can_view" or "can_move_into"),
    as a subquery. A user without roles has no stage rules, and no rights either."""
    # the user's number of roles as a subquery too: no query of its own on every restrict()
    role_count = (
        User.roles.through.objects.filter(user_id=user.pk)
        .values("user_id")
        .annotate(count=Count("role_id"))
        .values("count")
    )
    return (
        RoleStageRule.objects.filter(role__users=user, **{rule: False})
        .values("stage_id")
        .annotate(closing_roles=Count("role_id"))
        .filter(closing_roles=Subquery(role_count))
        .values("stage_id")
    )


def stages_visible(user: AbstractBaseUser, stages: QuerySet) -> QuerySet:
    """`stages` minus those every role of `user` closes to viewing (board columns)."""
    if user.is_superuser:
        return stages
    return stages.exclude(pk__in=closed_stages(user, rule="can_view"))


# The actions a share can grant, as the Django permission each is stored under.
SHARE_PERMISSIONS = {PermissionAction.VIEW: "view", PermissionAction.EDIT: "change"}


def share_permission_model(model: type[models.Model]) -> type[models.Model] | None:
    """The direct-foreign-key guardian table that shares rows of `model`, if it has one."""
    permissions = get_user_obj_perms_model(model)
    return None if permissions is get_user_obj_perms_model() else permissions


def _shared_with(user: AbstractBaseUser, model: type[models.Model], action: str) -> Q:
    permission, shares = SHARE_PERMISSIONS.get(action), share_permission_model(model)
    if permission is None or shares is None:
        return NOTHING
    codename = f"{permission}_{model._meta.model_name}"
    shared = shares.objects.filter(user=user, permission__codename=codename)
    return Q(pk__in=shared.values("content_object_id"))


def _has_field(queryset: QuerySet, name: str) -> bool:
    return any(f.name == name for f in queryset.model._meta.get_fields())


def restrict(
    queryset: QuerySet, *, user: AbstractBaseUser, entity: str, action: str = PermissionAction.VIEW
) -> QuerySet:
    """`queryset` narrowed to the rows `user` may `action` (view, edit, delete, export…)."""
    if user.is_superuser:
        return queryset
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    grant = grant_for(user, entity, action)
    if not _has_field(queryset, "responsible"):  # the catalog: any scope means all of it
        return queryset.none() if grant.is_nothing else queryset
    condition = _shared_with(user, queryset.model, action)
    if not grant.is_nothing:
        condition |= _grant_condition(user, grant)
        if action == PermissionAction.VIEW and _has_field(queryset, "is_open_to_all"):
            condition |= Q(is_open_to_all=True)
    if entity == PermissionEntity.DEAL:
        condition &= ~Q(stage_id__in=closed_stages(user, rule="can_view"))
    return queryset.filter(condition)


def sees_everything(user: AbstractBaseUser, entity: str) -> bool:
    """Whether restrict(…, VIEW) leaves `user` every row of `entity`: a superuser, or roles
    whose view scope is "all" in every pipeline and close no stage. Reports then count from
    figures kept for the whole table (one query for the stage rules of deals)."""
    if user.is_superuser:
        return True
    if not user.is_authenticated or not user.is_active:
        return False
    grant = grant_for(user, entity, PermissionAction.VIEW)
    if grant.general != Scope.ALL or any(
        scope != Scope.ALL for scope in grant.per_pipeline.values()
    ):
        return False
    return entity != PermissionEntity.DEAL or not closed_stages(user, rule="can_view").exists()


def get_within(
    queryset: QuerySet,
    *,
    user: AbstractBaseUser,
    entity: str,
    pk: int,
    action: str = PermissionAction.VIEW,
) -> models.Model:
    """The row `pk` of `queryset` if `user` may `action` it. Raises the model's DoesNotExist
    when the user may not even see it (a row out of reach looks like one that does not exist:
    views answer 404), and PermissionDenied when they see it but may not `action` it (403)."""
    try:
        return restrict(queryset, user=user, entity=entity, action=action).get(pk=pk)
    except queryset.model.DoesNotExist:
        visible = restrict(queryset, user=user, entity=entity, action=PermissionAction.VIEW)
        if action != PermissionAction.VIEW and visible.filter(pk=pk).exists():
            raise PermissionDenied(REFUSALS.get(action, REFUSALS[PermissionAction.EDIT])) from None
        raise


def get_item(user: AbstractBaseUser, entity_type: str, pk: int, action: str) -> models.Model:
    """A CRM item named by its type and id (an activity's, a share's), if `user` may `action`
    it. Raises LookupError for a type that is not a CRM item, and what get_within raises."""
    model = entity_model(entity_type)
    return get_within(model.objects.all(), user=user, entity=entity_type, pk=pk, action=action)


def can(
    user: AbstractBaseUser, action: str, obj: models.Model, *, entity: str | None = None
) -> bool:
    """May `user` do `action` to this object? `entity` defaults to the object's ENTITY_TYPE."""
    entity = entity or obj.ENTITY_TYPE.value
    rows = type(obj)._default_manager.filter(pk=obj.pk)
    return restrict(rows, user=user, entity=entity, action=action).exists()


def card_rights(user: AbstractBaseUser, obj: models.Model) -> dict[str, bool]:
    """What an item's card offers `user` (the server checks again on every change): its
    editors and stage bar (`can_edit`; `readonly` is the opposite) and Delete."""
    can_edit = can(user, PermissionAction.EDIT, obj)
    return {"can_edit": can_edit, "readonly": not can_edit,
            "can_delete": can(user, PermissionAction.DELETE, obj)}  # fmt: skip


def can_assign(
    user: AbstractBaseUser,
    entity: str,
    *,
    responsible: AbstractBaseUser | None,
    action: str = PermissionAction.ADD,
    pipeline_id: int | None = None,
) -> bool:
    """May `user` add (or edit) an item with this responsible, in this pipeline?"""
    if user.is_superuser:
        return True
    grant = grant_for(user, entity, action)
    scope = grant.per_pipeline.get(pipeline_id, grant.general)
    if scope == Scope.ALL:
        return True
    if scope == Scope.NONE or responsible is None:
        return False
    if scope == Scope.OWN or user.department_id is None:
        return responsible.pk == user.pk
    return _colleagues(user, scope).filter(pk=responsible.pk).exists()


ASSIGN_REFUSALS = {
    PermissionEntity.DEAL: _("Your role does not let you give this deal to %(user)s."),
    PermissionEntity.LEAD: _("Your role does not let you give this lead to %(user)s."),
    PermissionEntity.ACTIVITY: _("Your role does not let you give this activity to %(user)s."),
}
ASSIGN_REFUSAL = _("Your role does not let you give this item to %(user)s.")


def require_assign(
    user: AbstractBaseUser,
    entity: str,
    responsible: AbstractBaseUser | None,
    *,
    action: str,
    pipeline_id: int | None = None,
) -> None:
    """can_assign, for interfaces: raises PermissionDenied naming who may not get the item."""
    if not can_assign(user, entity, responsible=responsible, action=action,
                      pipeline_id=pipeline_id):  # fmt: skip
        message = ASSIGN_REFUSALS.get(entity, ASSIGN_REFUSAL)
        raise PermissionDenied(message % {"user": responsible or _("nobody")})


def require_activity_assign(
    user: AbstractBaseUser, responsible: AbstractBaseUser | None, *, action: str
) -> None:
    """require_assign for activities, where one's own are always allowed (as on the card)."""
    if responsible is not None and responsible.pk == user.pk:
        return
    require_assign(user, PermissionEntity.ACTIVITY, responsible, action=action)


def can_move_into(user: AbstractBaseUser, stage_id: int) -> bool:
    """May `user` move deals into this stage (as far as stage rules go)?"""
    if user.is_superuser:
        return True
    return not closed_stages(user, rule="can_move_into").filter(stage_id=stage_id).exists()


def can_manage_settings(user: AbstractBaseUser) -> bool:
    """Pipelines, roles, robots and shops: superusers, and roles that may edit all settings."""
    if not (user.is_authenticated and user.is_active):
        return False
    return grant_for(user, PermissionEntity.SETTINGS, PermissionAction.EDIT).general == Scope.ALL


def administrators() -> QuerySet[User]:
    """Active users who may manage settings: superusers, and holders of a role that may edit
    all settings (the same answer as can_manage_settings, in one query)."""
    settings_editors = Q(
        roles__permissions__entity=PermissionEntity.SETTINGS,
        roles__permissions__action=PermissionAction.EDIT,
        roles__permissions__scope=PermissionScope.ALL,
        roles__permissions__pipeline__isnull=True,
    )
    return (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | settings_editors)
        .distinct()
        .order_by("pk")
    )
