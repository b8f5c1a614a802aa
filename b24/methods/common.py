"""What clients call first, as a ping and an auth check: `user.current`, `profile`, `scope`,
`methods`."""

from ..params import as_flag
from ..registry import METHODS, Call, b24_method
from ..values import b24_user


@b24_method("user.current", scope="user")
def user_current(call: Call) -> dict:
    return b24_user(call.user)


@b24_method("profile", scope=None)
def profile(call: Call) -> dict:
    user = call.user
    return {"ID": str(user.pk), "ADMIN": user.is_superuser, "NAME": user.first_name,
            "LAST_NAME": user.last_name, "PERSONAL_GENDER": "", "TIME_ZONE": "",
            "TIME_ZONE_OFFSET": 0}  # fmt: skip


@b24_method("scope", scope=None)
def scope(call: Call) -> list[str]:
    """The webhook's scopes, or with `full=true` every scope there is."""
    if as_flag(call.param("full")):
        return sorted({method.scope for method in METHODS.values() if method.scope})
    return sorted(call.scopes)


@b24_method("methods", scope=None)
def methods(call: Call) -> list[str]:
    """The methods this webhook may call (with `full=true` all of them), or those of `scope`."""
    wanted = call.param("scope")
    return sorted(
        name for name, method in METHODS.items()
        if (as_flag(call.param("full")) or method.scope is None
            or method.scope in call.scopes)
        and (not wanted or method.scope == wanted)
    )  # fmt: skip
