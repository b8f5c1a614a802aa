from .policy import can_manage_settings


def settings_right(request) -> dict:
    """Whether the top menu shows Settings (one query, only for signed-in users)."""
    user = getattr(request, "user", None)
    return {
        "can_manage_settings": bool(user and user.is_authenticated and can_manage_settings(user))
    }
