"""The benchmarks' own users: members of staff (not superusers, so the access policy runs)
holding one role of the benchmark's."""

from collections.abc import Iterable

from accounts.models import PermissionAction, PermissionEntity, PermissionScope, Role, User

SEES_EVERY_DEAL = ((PermissionEntity.DEAL, PermissionAction.VIEW),)


def role_granting(
    name: str, grants: Iterable[tuple[str, str]], scope: str = PermissionScope.ALL
) -> Role:
    """The role `name` with `scope` for each (entity, action) of `grants`, in every pipeline."""
    role, _created = Role.objects.get_or_create(name=name)
    for entity, action in grants:
        role.permissions.update_or_create(
            entity=entity, action=action, pipeline=None, defaults={"scope": scope}
        )
    return role


def staff_holding(role: Role, *, username: str, last_name: str) -> User:
    """The user `username` (made once) holding only `role`."""
    user, _created = User.objects.get_or_create(
        username=username, defaults={"first_name": "Бенчмарк", "last_name": last_name}
    )
    user.roles.set([role])
    return user
