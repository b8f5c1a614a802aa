from .policy import can_manage_settings


def settings_right(request) -> dict:
    """Whether the top menu shows Settings, worked out only when a template asks (a page's
    header does; htmx fragments do not)."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {"can_manage_settings": False}
    return {"can_manage_settings": lambda: can_manage_settings(user)}
