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
    assert notification.title == "Reminder: Call about the contract"
    assert "activities.tasks.activity_reminders_send_task" in celery_worker.log
    wait_until(lambda: "succeeded" in celery_worker.log, message=celery_worker.log)
