"""The activity block on a deal card, the activities page and the notifications, over HTTP."""

import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import PermissionAction, PermissionEntity, RolePermission
from activities.models import Activity, Notification, TimelineEvent
from activities.services import activity_create, notification_send
from tests.factories import DealFactory, UserFactory, sales_staff, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(pipeline):
    return user_with_role("ivanov")


@pytest.fixture
def deal(manager):
    return DealFactory(title="Paint for the school", responsible=manager)


def add_url(deal, kind: str) -> str:
    return reverse("activities:create", args=["deal", deal.pk, kind])


def complete_url(deal, activity) -> str:
    return reverse("activities:complete", args=["deal", deal.pk, activity.pk])


def deal_activities(deal):
    return Activity.objects.filter(bindings__entity_type="deal", bindings__entity_id=deal.pk)


def section(content: bytes, testid: str) -> str:
    """The text of the `<ul data-testid=...>` list of the block."""
    text = html.unescape(content.decode())
    start = text.index(f'data-testid="{testid}"')
    return text[start : text.index("</ul>", start)]


def test_a_call_is_planned_on_a_deal_and_shown_under_actions(client, manager, deal):
    client.force_login(manager)

    response = client.post(add_url(deal, "call"), {
        "subject": "Ask about the colour", "direction": "outgoing",
        "deadline": "2030-03-01T12:00", "remind_at": "2030-03-01T11:30",
    })  # fmt: skip

    assert response.status_code == 200
    call = deal_activities(deal).get()
    assert (call.kind, call.status, call.responsible, call.created_by) == (
        "call",
        "planned",
        manager,
        manager,
    )
    assert timezone.localtime(call.deadline).strftime("%Y-%m-%d %H:%M") == "2030-03-01 12:00"
    assert timezone.localtime(call.remind_at).strftime("%H:%M") == "11:30"
    assert "Ask about the colour" in section(response.content, "actions")
    assert "Ask about the colour" not in section(response.content, "journal")


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("meeting", {"subject": "Visit the school", "location": "School 5",
                     "deadline": "2030-03-02T10:00"}),
        ("task", {"subject": "Send the price list", "priority": "high",
                  "deadline": "2030-03-02T10:00"}),
    ],
)  # fmt: skip
def test_a_meeting_and_a_task_are_planned(client, manager, deal, kind, data):
    client.force_login(manager)

    response = client.post(add_url(deal, kind), data)

    assert response.status_code == 200
    activity = deal_activities(deal).get()
    assert (activity.kind, activity.subject, activity.status) == (kind, data["subject"], "planned")
    assert data["subject"] in section(response.content, "actions")


def test_a_call_that_happened_is_logged_in_the_journal(client, manager, deal):
    client.force_login(manager)

    response = client.post(add_url(deal, "call"), {
        "subject": "Talked to the director", "direction": "incoming", "is_done": "on"})  # fmt: skip

    call = deal_activities(deal).get()
    assert (call.status, call.direction, call.completed_by) == ("done", "incoming", manager)
    assert "Talked to the director" in section(response.content, "journal")


def test_a_comment_is_logged_on_the_timeline(client, manager, deal):
    client.force_login(manager)

    response = client.post(add_url(deal, "comment"), {"text": "Wants it blue.\nCall on Monday."})

    comment = deal_activities(deal).get()
    assert (comment.kind, comment.status, comment.subject) == ("comment", "done", "Wants it blue.")
    assert comment.description == "Wants it blue.\nCall on Monday."
    assert TimelineEvent.objects.filter(entity_type="deal", entity_id=deal.pk,
                                        kind="comment", activity=comment).count() == 1  # fmt: skip
    assert "Call on Monday." in section(response.content, "journal")


def test_an_email_is_sent_after_commit_and_logged(
    client, manager, deal, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.DEFAULT_FROM_EMAIL = "crm@example.com"
    client.force_login(manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(add_url(deal, "email"), {
            "recipients": "director@school.example, buyer@school.example",
            "subject": "Our offer", "body": "Please find the prices below."})  # fmt: skip

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert (message.subject, message.body, message.from_email) == (
        "Our offer", "Please find the prices below.", "crm@example.com")  # fmt: skip
    assert message.to == ["director@school.example", "buyer@school.example"]
    assert message.reply_to == [manager.email]
    email = deal_activities(deal).get()
    assert (email.kind, email.status, email.direction) == ("email", "done", "outgoing")
    assert email.email_to == "director@school.example, buyer@school.example"
    assert "Our offer" in section(response.content, "journal")


def test_a_refused_form_comes_back_open_and_nothing_is_written(
    client, manager, deal, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(add_url(deal, "email"), {"recipients": "not an address",
                                                        "subject": "X", "body": "Y"})  # fmt: skip

    assert response.status_code == 200
    assert 'data-testid="dialog-email" data-open' in response.content.decode()
    assert mailoutbox == []
    assert not deal_activities(deal).exists()


def test_completing_moves_an_activity_from_actions_to_the_journal(client, manager, deal):
    task = activity_create(kind="task", subject="Send the price list", actor=manager,
                           bound_to=[deal])  # fmt: skip
    client.force_login(manager)

    response = client.post(complete_url(deal, task), {"result": "Sent by post"})

    assert response.status_code == 200
    task.refresh_from_db()
    assert (task.status, task.result, task.completed_by) == ("done", "Sent by post", manager)
    assert "Send the price list" not in section(response.content, "actions")
    assert "Sent by post" in section(response.content, "journal")
    again = client.post(complete_url(deal, task), {"result": "Twice"})
    assert again.status_code == 409
    task.refresh_from_db()
    assert task.result == "Sent by post"


def test_a_repeated_call_plans_the_next_one_until_reached(client, manager, deal):
    client.force_login(manager)
    client.post(add_url(deal, "call"), {
        "subject": "Try to reach the director", "direction": "outgoing",
        "deadline": "2030-03-01T12:00", "repeat_every": "2", "repeat_unit": "day",
        "repeat_until": "2030-03-10"})  # fmt: skip
    first = deal_activities(deal).get()
    assert (first.repeat_every, first.repeat_unit) == (2, "day")

    client.post(complete_url(deal, first), {"result": "No answer"})

    following = deal_activities(deal).get(status="planned")
    assert following.previous == first
    assert following.deadline == first.deadline + datetime.timedelta(days=2)
    client.post(complete_url(deal, following), {"result": "Reached", "stop_repeating": "on"})
    assert not deal_activities(deal).filter(status="planned").exists()


def test_an_activity_of_another_item_cannot_be_completed_through_this_one(client, manager, deal):
    elsewhere = DealFactory(responsible=manager)
    task = activity_create(kind="task", subject="Elsewhere", actor=manager, bound_to=[elsewhere])
    client.force_login(manager)

    assert client.post(complete_url(deal, task)).status_code == 404
    task.refresh_from_db()
    assert task.status == "planned"


@pytest.fixture
def people(pipeline):
    """As in tests/test_access_matrix.py: a manager ("own"), a manager of another department,
    the head of the first department ("subdepartments"); a deal of the first manager's."""
    users = sales_staff(entities=[PermissionEntity.DEAL])
    deal = DealFactory(title="Responsible's order", responsible=users["responsible"])
    return users, deal


def test_the_activity_block_follows_the_item_scopes(client, people):
    users, deal = people
    task = activity_create(kind="task", subject="Planned", actor=users["responsible"],
                           bound_to=[deal])  # fmt: skip
    block = reverse("activities:entity", args=["deal", deal.pk])
    for name, expected in (("responsible", 200), ("head", 200), ("other", 404)):
        client.force_login(users[name])
        assert client.get(block).status_code == expected, name
        response = client.post(add_url(deal, "comment"), {"text": f"By {name}"})
        assert response.status_code == expected, name
    assert client.post(complete_url(deal, task)).status_code == 404  # still "other"
    assert client.get(reverse("activities:entity", args=["nothing", deal.pk])).status_code == 404
    assert sorted(deal_activities(deal).filter(kind="comment").values_list("description",
                  flat=True)) == ["By head", "By responsible"]  # fmt: skip
    task.refresh_from_db()
    assert task.status == "planned"


def test_an_item_seen_but_not_editable_refuses_with_403(client, people):
    users, deal = people
    RolePermission.objects.filter(role__name="Manager", action=PermissionAction.EDIT).update(
        scope="none"
    )
    task = activity_create(kind="task", subject="Planned", actor=users["responsible"],
                           bound_to=[deal])  # fmt: skip
    client.force_login(users["responsible"])

    block = client.get(reverse("activities:entity", args=["deal", deal.pk]))
    assert block.status_code == 200
    assert 'data-testid="add-call"' not in block.content.decode()
    assert client.post(add_url(deal, "comment"), {"text": "No"}).status_code == 403
    assert client.post(complete_url(deal, task), {"result": "No"}).status_code == 403
    task.refresh_from_db()
    assert task.status == "planned"
    assert not deal_activities(deal).filter(kind="comment").exists()


def test_the_deal_card_includes_the_block(client, manager, deal):
    activity_create(kind="call", subject="Call back", actor=manager, bound_to=[deal])
    client.force_login(manager)

    response = client.get(reverse("deals:detail", args=[deal.pk]))

    assert response.status_code == 200
    assert "Call back" in section(response.content, "actions")
    assert 'data-testid="dialog-task"' in response.content.decode()


def plan(user, deal, count: int, *, now) -> None:
    for number in range(count):
        offset = datetime.timedelta(hours=number - count)  # overdue
        activity_create(kind="task", subject=f"{user.username} {number}", actor=user,
                        bound_to=[deal], deadline=now + offset)  # fmt: skip
        activity_create(kind="call", subject=f"{user.username} later {number}", actor=user,
                        bound_to=[deal], deadline=now + datetime.timedelta(days=3 + number))  # fmt: skip


@pytest.mark.parametrize("count", [5, 50])
def test_the_activities_page_shows_my_plan_in_bounded_queries(
    client, manager, deal, django_assert_max_num_queries, count
):
    now = timezone.now()
    plan(manager, deal, count, now=now)
    colleague = user_with_role("petrov")
    plan(colleague, DealFactory(responsible=colleague), 2, now=now)
    client.force_login(manager)

    # session, user, three groups, the bell; the deals' names through the policy (its grant,
    # roles and shares): the same for 5 and for 50 rows
    with django_assert_max_num_queries(11):
        response = client.get(reverse("activities:list"))

    text = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert text.count('data-testid="my-activity-') == 2 * count
    assert "petrov" not in text
    assert f'href="{reverse("deals:detail", args=[deal.pk])}"' in text
    assert "ivanov 0" in text[text.index('data-testid="group-overdue"'):
                              text.index('data-testid="group-today"')]  # fmt: skip
    assert text.count("Paint for the school") == 2 * count  # each row names its deal


def test_the_activities_page_does_not_name_an_item_out_of_sight(client, manager):
    hidden = DealFactory(title="Colleague's secret deal", responsible=user_with_role("petrov"))
    activity_create(kind="call", subject="Call for the colleague", actor=manager,
                    bound_to=[hidden])  # fmt: skip
    client.force_login(manager)

    text = html.unescape(client.get(reverse("activities:list")).content.decode())

    assert "Call for the colleague" in text
    assert "Colleague's secret deal" not in text
    assert reverse("deals:detail", args=[hidden.pk]) not in text


def test_the_activities_page_groups_today_and_links_nowhere_without_a_card(client, manager):
    now = timezone.now()
    lead_like = DealFactory(responsible=manager)
    activity = activity_create(kind="task", subject="Today", actor=manager, bound_to=[lead_like],
                               deadline=now + datetime.timedelta(seconds=60))  # fmt: skip
    client.force_login(manager)

    text = client.get(reverse("activities:list")).content.decode()

    today = text[
        text.index('data-testid="group-today"') : text.index('data-testid="group-upcoming"')
    ]
    if timezone.localdate(now + datetime.timedelta(seconds=60)) == timezone.localdate(now):
        assert f'data-testid="my-activity-{activity.pk}"' in today


def notify(user, count: int) -> list[Notification]:
    return [
        notification_send(recipient=user, kind=Notification.Kind.MESSAGE, title=f"{user} #{n}")
        for n in range(count)
    ]


@pytest.mark.parametrize("count", [5, 50])
def test_the_notifications_page_shows_my_rows_unread_first_in_bounded_queries(
    client, manager, django_assert_max_num_queries, count
):
    rows = notify(manager, count)
    Notification.objects.filter(pk=rows[-1].pk).update(read_at=timezone.now())  # newest, read
    stranger = UserFactory(username="stranger")
    notify(stranger, 3)
    client.force_login(manager)

    with django_assert_max_num_queries(6):
        response = client.get(reverse("activities:notifications"))

    text = response.content.decode()
    shown = [int(part.split('"')[0]) for part in text.split('data-testid="notification-')[1:]]
    expected_first = [n.pk for n in reversed(rows[:-1])][:30]
    assert shown[: len(expected_first)] == expected_first
    assert len(shown) == min(count, 30)
    assert f"{stranger} #0" not in text  # the titles name their recipient
    if count == 50:
        second = client.get(reverse("activities:notifications"), {"page": 2}).content.decode()
        assert second.count('data-testid="notification-') == 20
        assert f'data-testid="notification-{rows[-1].pk}"' in second  # read: last


def test_opening_a_notification_marks_it_read_and_goes_to_its_item(client, manager, deal):
    task = activity_create(kind="task", subject="Call the school", actor=manager, bound_to=[deal])
    reminder = notification_send(recipient=manager, kind=Notification.Kind.REMINDER_DUE,
                                 title="Reminder: Call the school", activity=task)  # fmt: skip
    client.force_login(manager)

    assert (
        client.get(reverse("activities:notification-open", args=[reminder.pk])).status_code == 405
    )
    response = client.post(reverse("activities:notification-open", args=[reminder.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("deals:detail", args=[deal.pk])
    reminder.refresh_from_db()
    assert reminder.is_read


def test_nobody_opens_or_marks_somebody_elses_notification(client, manager):
    mine = notify(manager, 2)
    client.force_login(UserFactory(username="stranger"))

    assert (
        client.post(reverse("activities:notification-open", args=[mine[0].pk])).status_code == 404
    )
    read_all = client.post(reverse("activities:notifications-read-all"))

    assert read_all.status_code == 302
    assert Notification.objects.filter(recipient=manager, read_at=None).count() == 2


def test_mark_all_read(client, manager):
    notify(manager, 3)
    client.force_login(manager)

    client.post(reverse("activities:notifications-read-all"))

    assert Notification.objects.filter(recipient=manager, read_at=None).count() == 0


def test_completing_somebody_elses_task_notifies_its_creator(client, manager, deal):
    head = user_with_role("head", scope="all")
    task = activity_create(kind="task", subject="Check the invoice", actor=head,
                           responsible=manager, bound_to=[deal])  # fmt: skip
    client.force_login(manager)

    client.post(complete_url(deal, task), {"result": "Checked"})

    notification = Notification.objects.get(recipient=head)
    assert (notification.kind, notification.activity) == ("task_completed", task)
    client.force_login(head)
    opened = client.post(reverse("activities:notification-open", args=[notification.pk]))
    assert opened["Location"] == reverse("deals:detail", args=[deal.pk])


def test_a_task_is_given_to_a_colleague_within_the_activity_scope(client, pipeline):
    users = sales_staff()
    deal = DealFactory(title="Responsible's order", responsible=users["responsible"])
    task = {"subject": "Check the invoice", "deadline": "2030-03-01T12:00", "priority": "high"}

    client.force_login(users["head"])  # the head may give work to the team below
    client.post(add_url(deal, "task"), task | {"responsible": users["responsible"].pk})
    client.force_login(users["responsible"])  # a manager ("own") may not give work to others
    refused = client.post(
        add_url(deal, "task"), task | {"subject": "Sneaky", "responsible": users["other"].pk}
    )

    given = deal_activities(deal).get()
    assert (given.subject, given.responsible, given.created_by) == (
        "Check the invoice",
        users["responsible"],
        users["head"],
    )
    assert "does not let you give this activity to" in html.unescape(refused.content.decode())
    assert "data-open" in refused.content.decode()  # the dialog comes back open

    client.post(complete_url(deal, given), {"result": "Checked"})
    notification = Notification.objects.get(recipient=users["head"])
    assert notification.title_text == "Task completed: Check the invoice"
