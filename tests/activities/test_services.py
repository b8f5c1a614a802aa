import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from activities.events import ActivityCompleted
from activities.models import Activity, ActivityBinding, Notification, TimelineEvent
from activities.services import (
    activity_complete,
    activity_create,
    activity_reminders_send,
    notification_mark_read,
    notification_send,
    notifications_purge,
    timeline_record,
    timeline_record_field_changes,
)
from core.errors import ApplicationError
from core.services import FieldChange
from tests.factories import CompanyFactory, ContactFactory, DealFactory, UserFactory

pytestmark = pytest.mark.django_db

DEADLINE = datetime.datetime(2024, 3, 1, 9, 0, tzinfo=datetime.UTC)  # noon in Moscow
TASK, CALL, COMMENT = Activity.Kind.TASK, Activity.Kind.CALL, Activity.Kind.COMMENT


@pytest.fixture
def published(record_events):
    return record_events(ActivityCompleted)


@pytest.fixture
def manager():
    return UserFactory(username="manager")


@pytest.fixture
def seller():
    return UserFactory(username="seller")


@pytest.fixture
def deal():
    return DealFactory()


def _timeline(entity):
    return list(
        TimelineEvent.objects.filter(entity_type=entity.ENTITY_TYPE, entity_id=entity.pk)
        .order_by("id")
        .values_list("kind", "activity", "payload")
    )


def _bindings(activity):
    return sorted(activity.bindings.values_list("entity_type", "entity_id"))


# the timeline


def test_timeline_record_appends_an_event(deal, manager):
    event = timeline_record(entity=deal, kind="comment", actor=manager, payload={"x": 1})

    assert (event.entity_type, event.entity_id, event.kind, event.actor, event.payload) == (
        "deal",
        deal.pk,
        "comment",
        manager,
        {"x": 1},
    )


def test_timeline_record_field_changes_writes_one_event_or_none(deal, manager):
    assert timeline_record_field_changes(entity=deal, changes=[], actor=manager) is None

    timeline_record_field_changes(
        entity=deal,
        changes=[FieldChange("title", "A", "B"), FieldChange("amount", "0.00", "5.00")],
        actor=manager,
    )

    assert _timeline(deal) == [
        (
            "field_changed",
            None,
            {
                "changes": [
                    {"field": "title", "old": "A", "new": "B"},
                    {"field": "amount", "old": "0.00", "new": "5.00"},
                ]
            },
        )
    ]


# activity_create


def test_activity_create_binds_the_activity_and_journals_it_on_each_item(deal, manager, seller):
    # given
    contact = ContactFactory()

    # when
    activity = activity_create(
        kind=CALL,
        subject="Call about the offer",
        actor=manager,
        responsible=seller,
        bound_to=[deal, contact],
        deadline=DEADLINE,
    )

    # then
    activity.refresh_from_db()
    assert (activity.status, activity.responsible, activity.created_by) == (
        "planned",
        seller,
        manager,
    )
    assert (activity.completed_at, activity.completed_by) == (None, None)
    assert _bindings(activity) == [("contact", contact.pk), ("deal", deal.pk)]
    assert _timeline(deal) == [("activity_added", activity.pk, {})]
    assert _timeline(contact) == [("activity_added", activity.pk, {})]


def test_activity_create_logs_a_finished_activity(deal, manager):
    activity = activity_create(
        kind=CALL, subject="Incoming call", actor=manager, bound_to=[deal], is_done=True
    )

    activity.refresh_from_db()
    assert (activity.status, activity.completed_by, activity.responsible) == (
        "done",
        manager,
        manager,
    )
    assert activity.completed_at is not None
    assert _timeline(deal) == [("activity_done", activity.pk, {})]


def test_a_comment_goes_on_the_timeline_as_a_comment(deal, manager):
    activity = activity_create(
        kind=COMMENT,
        subject="Client asked for a call",
        actor=manager,
        bound_to=[deal],
        is_done=True,
    )

    assert _timeline(deal) == [("comment", activity.pk, {})]


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"bound_to": []}, {"bound_to": ["An activity must concern at least one item."]}),
        (
            {"repeat_every": 2, "repeat_unit": "day"},
            {"deadline": ["A repeated activity needs a deadline to count from."]},
        ),
        (
            {"repeat_every": 0, "repeat_unit": "year", "deadline": DEADLINE},
            {
                "repeat_every": ["Repeat at least every 1 day, week or month."],
                "repeat_unit": ["Choose days, weeks or months."],
            },
        ),
        (
            {"kind": COMMENT, "repeat_every": 1, "repeat_unit": "week", "deadline": DEADLINE},
            {"kind": ["Comments do not repeat."]},
        ),
        (
            {"is_done": True, "remind_at": DEADLINE},
            {"remind_at": ["A finished activity needs no reminder."]},
        ),
    ],
    ids=[
        "no items",
        "repeat without deadline",
        "bad repeat rule",
        "repeated comment",
        "done with reminder",
    ],
)
def test_activity_create_refuses_an_invalid_activity(deal, manager, fields, errors):
    arguments = {"kind": CALL, "subject": "Call", "actor": manager, "bound_to": [deal]} | fields

    with pytest.raises(ValidationError) as error:
        activity_create(**arguments)

    assert error.value.message_dict == errors
    assert Activity.objects.count() == 0
    assert TimelineEvent.objects.count() == 0


# activity_complete


def test_activity_complete_journals_on_every_bound_item(
    deal, manager, published, django_capture_on_commit_callbacks
):
    # given
    company = CompanyFactory()
    activity = activity_create(
        kind=CALL, subject="Call", actor=manager, bound_to=[deal, company], deadline=DEADLINE
    )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        done = activity_complete(activity=activity, actor=manager, result="Agreed on a demo")
        assert published == []

    # then
    activity.refresh_from_db()
    assert (activity.status, activity.completed_by, activity.result) == (
        "done",
        manager,
        "Agreed on a demo",
    )
    assert activity.completed_at is not None
    assert done.completed_at == activity.completed_at
    done_entry = ("activity_done", activity.pk, {"result": "Agreed on a demo"})
    assert _timeline(deal) == [("activity_added", activity.pk, {}), done_entry]
    assert _timeline(company) == [("activity_added", activity.pk, {}), done_entry]
    assert published == [ActivityCompleted(activity_id=activity.pk, actor_id=manager.pk)]
    assert Activity.objects.count() == 1


def test_completing_an_activity_twice_is_refused_and_changes_nothing(
    deal, manager, seller, published, django_capture_on_commit_callbacks
):
    # given
    activity = activity_create(
        kind=TASK,
        subject="Send the offer",
        actor=manager,
        bound_to=[deal],
        deadline=DEADLINE,
        repeat_every=1,
        repeat_unit="week",
    )
    activity_complete(activity=activity, actor=seller, result="Sent")
    first = Activity.objects.get(pk=activity.pk)
    counts = (Activity.objects.count(), TimelineEvent.objects.count(), Notification.objects.count())
    published.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ApplicationError) as error:
        activity_complete(activity=activity, actor=manager, result="Again")

    # then
    assert error.value.code == "already_done"
    assert error.value.message == "This activity is already done."
    again = Activity.objects.get(pk=activity.pk)
    assert (again.completed_at, again.completed_by, again.result) == (
        first.completed_at,
        seller,
        "Sent",
    )
    assert (
        Activity.objects.count(),
        TimelineEvent.objects.count(),
        Notification.objects.count(),
    ) == counts
    assert published == []


@pytest.mark.parametrize(
    ("every", "unit", "step"),
    [
        (2, "day", datetime.timedelta(days=2)),
        (1, "week", datetime.timedelta(weeks=1)),
        (1, "month", datetime.timedelta(days=30)),
    ],
)
def test_completing_a_repeated_activity_plans_the_next_one(
    deal, manager, seller, every, unit, step
):
    # given
    contact = ContactFactory()
    activity = activity_create(
        kind=CALL,
        subject="Call until reached",
        description="Ask about the offer",
        actor=manager,
        responsible=seller,
        bound_to=[deal, contact],
        starts_at=DEADLINE - datetime.timedelta(hours=1),
        deadline=DEADLINE,
        remind_at=DEADLINE - datetime.timedelta(minutes=15),
        repeat_every=every,
        repeat_unit=unit,
    )

    # when
    activity_complete(activity=activity, actor=seller, result="No answer")

    # then
    following = Activity.objects.get(previous=activity)
    assert (following.kind, following.subject, following.description, following.status) == (
        "call",
        "Call until reached",
        "Ask about the offer",
        "planned",
    )
    assert (following.starts_at, following.deadline, following.remind_at) == (
        DEADLINE - datetime.timedelta(hours=1) + step,
        DEADLINE + step,
        DEADLINE - datetime.timedelta(minutes=15) + step,
    )
    assert (following.repeat_every, following.repeat_unit, following.reminded_at) == (
        every,
        unit,
        None,
    )
    assert (following.responsible, following.created_by) == (seller, manager)
    assert _bindings(following) == [("contact", contact.pk), ("deal", deal.pk)]


def test_stop_repeating_plans_no_next_occurrence(deal, manager):
    activity = activity_create(
        kind=CALL,
        subject="Call until reached",
        actor=manager,
        bound_to=[deal],
        deadline=DEADLINE,
        repeat_every=1,
        repeat_unit="day",
    )

    activity_complete(activity=activity, actor=manager, result="Reached", stop_repeating=True)

    assert Activity.objects.count() == 1
    assert ActivityBinding.objects.count() == 1


@pytest.mark.parametrize(
    ("repeat_until", "planned"),
    [(datetime.date(2024, 3, 3), False), (datetime.date(2024, 3, 4), True)],
    ids=["past the end", "on the last day"],
)
def test_a_repeat_rule_ends_on_its_date(deal, manager, repeat_until, planned):
    # given: every 3 days from 1 March, so the next one would be on 4 March
    activity = activity_create(
        kind=CALL,
        subject="Call until reached",
        actor=manager,
        bound_to=[deal],
        deadline=DEADLINE,
        repeat_every=3,
        repeat_unit="day",
        repeat_until=repeat_until,
    )

    # when
    activity_complete(activity=activity, actor=manager)

    # then
    assert Activity.objects.filter(previous=activity).exists() is planned


def test_the_creator_of_a_task_done_by_somebody_else_is_notified(deal, manager, seller):
    task = activity_create(
        kind=TASK, subject="Send the offer", actor=manager, responsible=seller, bound_to=[deal]
    )

    activity_complete(activity=task, actor=seller)

    notification = Notification.objects.get()
    assert (
        notification.recipient,
        notification.kind,
        notification.title_text,
        notification.activity,
    ) == (manager, Notification.Kind.TASK_COMPLETED, "Task completed: Send the offer", task)


def test_nobody_is_notified_of_a_task_done_by_its_creator(deal, manager, seller):
    task = activity_create(
        kind=TASK, subject="Send the offer", actor=manager, responsible=seller, bound_to=[deal]
    )

    activity_complete(activity=task, actor=manager)

    assert Notification.objects.count() == 0


def test_only_tasks_notify_their_creator(deal, manager, seller):
    call = activity_create(
        kind=CALL, subject="Call", actor=manager, responsible=seller, bound_to=[deal]
    )

    activity_complete(activity=call, actor=seller)

    assert Notification.objects.count() == 0


# reminders


def _planned(subject, *, responsible, bound_to, remind_at, **fields):
    return activity_create(
        kind=CALL,
        subject=subject,
        actor=responsible,
        responsible=responsible,
        bound_to=[bound_to],
        remind_at=remind_at,
        **fields,
    )


def test_reminders_are_sent_once(deal, seller):
    # given
    now = timezone.now()
    due = _planned("Call", responsible=seller, bound_to=deal, remind_at=now)

    # when
    first_run = activity_reminders_send(now=now)
    second_run = activity_reminders_send(now=now + datetime.timedelta(minutes=5))

    # then
    assert (first_run, second_run) == (1, 0)
    notification = Notification.objects.get()
    assert (
        notification.recipient,
        notification.kind,
        notification.title_text,
        notification.activity,
    ) == (seller, Notification.Kind.REMINDER_DUE, "Reminder: Call", due)
    assert Activity.objects.get(pk=due.pk).reminded_at == now


def test_reminders_skip_done_future_and_unassigned_activities(deal, seller):
    # given
    now = timezone.now()
    done = _planned("Done call", responsible=seller, bound_to=deal, remind_at=now)
    activity_complete(activity=done, actor=seller)
    _planned(
        "Later", responsible=seller, bound_to=deal, remind_at=now + datetime.timedelta(hours=1)
    )
    _planned("No reminder", responsible=seller, bound_to=deal, remind_at=None)
    unassigned = _planned("Nobody's", responsible=seller, bound_to=deal, remind_at=now)
    Activity.objects.filter(pk=unassigned.pk).update(responsible=None)

    # when
    sent = activity_reminders_send(now=now)

    # then
    assert sent == 0
    assert Notification.objects.filter(kind=Notification.Kind.REMINDER_DUE).count() == 0
    assert Activity.objects.filter(reminded_at__isnull=False).count() == 0


def test_reminders_are_sent_in_batches_until_none_is_due(deal, seller):
    now = timezone.now()
    for number in range(3):
        _planned(f"Call {number}", responsible=seller, bound_to=deal, remind_at=now)

    sent = activity_reminders_send(now=now, batch_size=2)

    assert sent == 3
    assert sorted(n.title_text for n in Notification.objects.all()) == [
        "Reminder: Call 0",
        "Reminder: Call 1",
        "Reminder: Call 2",
    ]
    assert Activity.objects.filter(reminded_at=now).count() == 3


def test_a_reminder_already_sent_but_not_marked_is_not_sent_again(deal, seller):
    # given: an earlier run notified but did not get to mark the activity
    now = timezone.now()
    activity = _planned("Call", responsible=seller, bound_to=deal, remind_at=now)
    notification_send(
        recipient=seller,
        kind=Notification.Kind.REMINDER_DUE,
        title="Reminder: Call",
        activity=activity,
    )

    # when
    sent = activity_reminders_send(now=now)

    # then
    assert sent == 0
    assert Notification.objects.count() == 1
    assert Activity.objects.get(pk=activity.pk).reminded_at == now


# notifications


def test_notification_mark_read_marks_the_actors_own_notification(seller):
    notification = notification_send(recipient=seller, kind="message", title="Hello")

    notification_mark_read(notification=notification, actor=seller)
    read_at = Notification.objects.get().read_at
    notification_mark_read(notification=notification, actor=seller)

    assert read_at is not None
    assert Notification.objects.get().read_at == read_at
    assert Notification.objects.get().is_read is True


def test_notification_mark_read_refuses_somebody_elses_notification(manager, seller):
    notification = notification_send(recipient=seller, kind="message", title="Hello")

    with pytest.raises(ApplicationError) as error:
        notification_mark_read(notification=notification, actor=manager)

    assert error.value.code == "forbidden"
    assert error.value.message == "This notification is not yours."
    assert Notification.objects.get().read_at is None


def test_notification_send_cuts_a_long_title(seller):
    notification = notification_send(recipient=seller, kind="message", title="x" * 300)

    assert notification.title == "x" * 255


def test_notifications_purge_deletes_only_old_read_notifications(seller):
    # given
    now = timezone.now()
    old_read = notification_send(recipient=seller, kind="message", title="old read")
    recent_read = notification_send(recipient=seller, kind="message", title="recent read")
    notification_send(recipient=seller, kind="message", title="unread")
    Notification.objects.filter(pk=old_read.pk).update(read_at=now - datetime.timedelta(days=91))
    Notification.objects.filter(pk=recent_read.pk).update(read_at=now - datetime.timedelta(days=89))

    # when
    deleted = notifications_purge()

    # then
    assert deleted == 1
    assert sorted(Notification.objects.values_list("title", flat=True)) == [
        "recent read",
        "unread",
    ]


def test_a_notification_whose_values_do_not_fit_its_text_shows_the_text(seller):
    notification = notification_send(recipient=seller, kind="message",
                                     title="Reminder: %(subject)s", params={"other": 1})  # fmt: skip

    assert notification.title_text == "Reminder: %(subject)s"
