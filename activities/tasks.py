from core.tasks import crm_task

from . import services


@crm_task
def activity_reminders_send_task() -> int:
    """Every minute (beat): send due reminders. Safe to run twice or concurrently."""
    return services.activity_reminders_send()


@crm_task
def notifications_purge_task() -> int:
    """Nightly (beat): delete old read notifications."""
    return services.notifications_purge()
