from .models import Notification


def unread_notifications(request) -> dict:
    """The number on the notifications bell (one indexed count, only for signed-in users)."""
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    return {
        "unread_notifications": Notification.objects.filter(recipient=user, read_at=None).count()
    }
