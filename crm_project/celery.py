"""The Celery app. Periodic work is declared here, one commented entry per schedule.

Beat runs with django-celery-beat's DatabaseScheduler: the entries below are copied into the
database on start, where administrators can change their timing or disable them in the admin.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_project.settings.development")

app = Celery("crm_project")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # every minute: notify the responsible of activities whose reminder time has come
    "activities-send-due-reminders": {
        "task": "activities.tasks.activity_reminders_send_task",
        "schedule": 60.0,
    },
    # every night at 03:30: delete read notifications older than 90 days
    "activities-purge-old-notifications": {
        "task": "activities.tasks.notifications_purge_task",
        "schedule": crontab(hour=3, minute=30),
    },
    # every night at 03:45: forget API Idempotency-Keys older than IDEMPOTENCY_KEY_DAYS
    "api-purge-old-idempotency-keys": {
        "task": "core.tasks.idempotency_records_purge_task",
        "schedule": crontab(hour=3, minute=45),
    },
    # every minute: send the webhook deliveries whose (next) try is due, retries included
    "webhooks-send-due-deliveries": {
        "task": "webhooks.tasks.webhook_deliveries_send_due_task",
        "schedule": 60.0,
    },
    # every minute: queue the robot runs that have become due, and any whose message was lost
    "automation-queue-due-robot-runs": {
        "task": "automation.tasks.robot_runs_sweep_task",
        "schedule": 60.0,
    },
    # every minute: pull orders from the active shops whose sync interval has passed
    "shopsync-pull-due-shops": {
        "task": "shopsync.tasks.shops_pull_due_task",
        "schedule": 60.0,
    },
    # every minute: send order statuses waiting for their shop (retries of a shop that was down)
    "shopsync-send-due-status-pushes": {
        "task": "shopsync.tasks.order_pushes_send_task",
        "schedule": 60.0,
    },
    # every minute: read new e-mail from the active mailboxes whose poll interval has passed
    "mailboxes-poll-due-mailboxes": {
        "task": "mailboxes.tasks.mailboxes_poll_due_task",
        "schedule": 60.0,
    },
    # every 5 minutes: run the scheduled rules (idle deals, repeat sales, shipped but unpaid)
    "automation-run-scheduled-rules": {
        "task": "automation.tasks.scheduled_rules_run_task",
        "schedule": 300.0,
    },
}
