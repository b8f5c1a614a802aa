from .models import Notification


def unread_notifications(request) -> dict:
    """The number on the notifications bell: one indexed count, made only when a template
    asks for it (a page's header does; htmx fragments do not)."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    unread = Notification.objects.filter(recipient=user, read_at=None)
    return {"unread_notifications": unread.count}
