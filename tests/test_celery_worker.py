"""Tasks really run on a Celery worker process, through Redis (not eager mode)."""

import datetime

from django.utils import timezone

from activities.models import Activity, Notification
from activities.services import activity_create
from activities.tasks import activity_reminders_send_task
from tests.factories import ContactFactory, UserFactory
from tests.polling import wait_until


def test_a_task_sent_through_redis_runs_on_the_worker_process(celery_worker):
    # given a planned call whose reminder time has come, committed to the database
    manager = UserFactory(username="reminded")
    contact = ContactFactory()
    call = activity_create(
        kind=Activity.Kind.CALL,
        subject="Call about the contract",
        actor=manager,
        bound_to=[contact],
        deadline=timezone.now() + datetime.timedelta(hours=1),
        remind_at=timezone.now() - datetime.timedelta(minutes=1),
    )

    # when the reminder task is sent to the broker
    activity_reminders_send_task.delay()

    # then the worker process sends the reminder
    notification = wait_until(
        lambda: Notification.objects.filter(activity=call, recipient=manager).first(),
        message="the worker did not run the task",
    )
    assert notification.kind == Notification.Kind.REMINDER_DUE
    assert notification.title_text == "Reminder: Call about the contract"
    assert "activities.tasks.activity_reminders_send_task" in celery_worker.log
    wait_until(lambda: "succeeded" in celery_worker.log, message=celery_worker.log)


def test_tasks_are_acknowledged_late_and_retried_on_passing_failures():
    from core.tasks import RetryableError
    from crm_project.celery import app

    # a task whose worker dies is delivered again instead of being lost
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    # passing failures are retried with exponential backoff, a bounded number of times
    assert activity_reminders_send_task.autoretry_for == (RetryableError,)
    assert activity_reminders_send_task.retry_backoff is True
    assert activity_reminders_send_task.max_retries == 5
