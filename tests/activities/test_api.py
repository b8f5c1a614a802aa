"""Activities, timelines and notifications over the REST API: scopes, writes through the
services, the error shape, idempotent creates and bounded queries."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import PermissionAction, PermissionEntity, RolePermission
from activities.models import Activity, Notification, TimelineEvent
from activities.services import activity_complete, activity_create, notification_send
from tests.api_client import api_as
from tests.factories import DealFactory, sales_staff

# who sees which deal and activity (see tests/factories.sales_staff): the responsible manager
# their own, the other manager theirs, the head the responsible's (a sub-department's)
VISIBLE = {"responsible": {"responsible"}, "other": {"other"}, "head": {"responsible"}}


@pytest.fixture
def people(db, pipeline):
    users = sales_staff()
    deals = {
        "responsible": DealFactory(title="Responsible's order", responsible=users["responsible"]),
        "other": DealFactory(title="Other's order", responsible=users["other"]),
    }
    activities = {
        owner: activity_create(kind="call", subject=f"Call about {deal.title}",
                               actor=users[owner], bound_to=[deal],
                               deadline=timezone.now() + datetime.timedelta(days=1))
        for owner, deal in deals.items()
    }  # fmt: skip
    return users, deals, activities


def deal_item(deal) -> dict:
    return {"entity_type": "deal", "entity_id": deal.pk}


def refuse_deal_edits(user) -> None:
    RolePermission.objects.filter(role__users=user, entity=PermissionEntity.DEAL,
                                  action=PermissionAction.EDIT).update(scope="none")  # fmt: skip


@pytest.mark.parametrize("user", VISIBLE)
def test_the_activity_list_and_detail_follow_the_activity_scope(
    people, user, django_assert_max_num_queries
):
    users, _, activities = people
    api = api_as(users[user])

    with django_assert_max_num_queries(8):
        listed = api.get(reverse("api:activity-list"))

    assert listed.status_code == 200
    assert {row["subject"] for row in listed.json()["results"]} == {
        activities[owner].subject for owner in VISIBLE[user]
    }
    for owner, activity in activities.items():
        expected = 200 if owner in VISIBLE[user] else 404
        assert api.get(reverse("api:activity-detail", args=[activity.pk])).status_code == expected


@pytest.mark.parametrize("user", VISIBLE)
@pytest.mark.parametrize("owner", ["responsible", "other"])
def test_activity_changes_completion_and_deletion_follow_the_activity_scope(people, user, owner):
    users, _, activities = people
    activity, api = activities[owner], api_as(users[user])
    allowed = owner in VISIBLE[user]
    detail = reverse("api:activity-detail", args=[activity.pk])

    patched = api.patch(detail, {"subject": "Call again", "priority": "high"})
    completed = api.post(reverse("api:activity-complete", args=[activity.pk]),
                         {"result": "Reached"})  # fmt: skip

    assert (patched.status_code, completed.status_code) == ((200, 200) if allowed else (404, 404))
    activity.refresh_from_db()
    assert (activity.subject == "Call again", activity.status == "done") == (allowed, allowed)
    if allowed:
        assert completed.json()["result"] == "Reached"
        assert completed.json()["bound_to"] == [{"entity_type": "deal",
                                                  "entity_id": activities[owner].bindings.get()
                                                  .entity_id}]  # fmt: skip
    deleted = api.delete(detail)
    # a done activity stays in the journal; an unseen one does not exist
    assert deleted.status_code == (409 if allowed else 404)
    assert Activity.objects.filter(pk=activity.pk).exists()


@pytest.mark.parametrize("user", VISIBLE)
@pytest.mark.parametrize("owner", ["responsible", "other"])
def test_a_planned_activity_is_deleted_within_the_delete_scope(people, user, owner):
    users, _, activities = people
    activity = activities[owner]

    deleted = api_as(users[user]).delete(reverse("api:activity-detail", args=[activity.pk]))

    allowed = owner in VISIBLE[user]
    assert deleted.status_code == (204 if allowed else 404)
    assert Activity.objects.filter(pk=activity.pk).exists() is not allowed


@pytest.mark.parametrize("user", VISIBLE)
def test_an_activity_is_bound_only_to_items_the_user_may_edit(people, user):
    users, deals, _ = people
    api = api_as(users[user])
    before = Activity.objects.count()

    answers = {
        owner: api.post(reverse("api:activity-list"), {
            "kind": "task", "subject": f"Task on {owner}'s deal", "priority": "high",
            "bound_to": [deal_item(deal)],
        }).status_code
        for owner, deal in deals.items()
    }  # fmt: skip

    assert answers == {owner: 201 if owner in VISIBLE[user] else 404 for owner in deals}
    assert Activity.objects.count() == before + len(VISIBLE[user])


def test_an_item_seen_but_not_editable_refuses_activities_and_comments_with_403(people):
    users, deals, _ = people
    manager, deal = users["responsible"], deals["responsible"]
    refuse_deal_edits(manager)
    api = api_as(manager)
    before = (Activity.objects.count(), TimelineEvent.objects.count())

    created = api.post(reverse("api:activity-list"), {
        "kind": "call", "subject": "Call", "bound_to": [deal_item(deal)]})  # fmt: skip
    commented = api.post(reverse("api:timeline-list"), {**deal_item(deal), "text": "Hello"})
    timeline = api.get(reverse("api:timeline-list"), deal_item(deal))

    assert created.status_code == commented.status_code == 403
    assert created.json()["error"]["code"] == "permission_denied"
    assert timeline.status_code == 200  # still seen
    assert (Activity.objects.count(), TimelineEvent.objects.count()) == before


def test_a_planned_call_on_two_items_gets_a_timeline_entry_on_each(people):
    users, deals, _ = people
    manager, deal = users["responsible"], deals["responsible"]
    second = DealFactory(title="Second order", responsible=manager)

    response = api_as(manager).post(reverse("api:activity-list"), {
        "kind": "call", "subject": "Ask about the colour", "direction": "outgoing",
        "deadline": "2030-03-01T12:00:00+03:00",
        "bound_to": [deal_item(deal), deal_item(second), deal_item(deal)],
    })  # fmt: skip

    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["status"], body["responsible"], body["created_by"]) == (
        "call", "planned", manager.pk, manager.pk)  # fmt: skip
    assert sorted(item["entity_id"] for item in body["bound_to"]) == sorted([deal.pk, second.pk])
    events = TimelineEvent.objects.filter(activity_id=body["id"], kind="activity_added")
    assert sorted(events.values_list("entity_id", flat=True)) == sorted([deal.pk, second.pk])


def test_an_email_activity_is_sent_and_logged_as_done(people, django_capture_on_commit_callbacks):
    users, deals, _ = people
    api = api_as(users["responsible"])

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(reverse("api:activity-list"), {
            "kind": "email", "subject": "Your quote", "description": "Hello, here it is.",
            "recipients": ["buyer@example.com"], "bound_to": [deal_item(deals["responsible"])],
        })  # fmt: skip

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["direction"], body["email_to"]) == (
        "done", "outgoing", "buyer@example.com")  # fmt: skip
    assert [(m.subject, m.to) for m in mail.outbox] == [("Your quote", ["buyer@example.com"])]


def test_completing_a_done_activity_answers_409_and_changes_nothing(people):
    users, _, activities = people
    activity = activities["responsible"]
    activity_complete(activity=activity, actor=users["responsible"], result="First")
    api = api_as(users["responsible"])

    again = api.post(reverse("api:activity-complete", args=[activity.pk]), {"result": "Second"})
    changed = api.patch(reverse("api:activity-detail", args=[activity.pk]), {"subject": "X"})

    assert again.status_code == 409 and again.json()["error"]["code"] == "already_done"
    assert changed.status_code == 409 and changed.json()["error"]["code"] == "not_planned"
    activity.refresh_from_db()
    assert (activity.result, activity.subject) == ("First", "Call about Responsible's order")
    assert TimelineEvent.objects.filter(activity=activity, kind="activity_done").count() == 1


def test_an_activity_is_given_only_to_someone_within_the_scope(people):
    users, _, activities = people
    activity = activities["responsible"]

    by_manager = api_as(users["responsible"]).patch(
        reverse("api:activity-detail", args=[activity.pk]), {"responsible": users["other"].pk}
    )
    by_head = api_as(users["head"]).patch(
        reverse("api:activity-detail", args=[activity.pk]), {"responsible": users["head"].pk}
    )

    assert by_manager.status_code == 403
    assert by_head.status_code == 200 and by_head.json()["responsible"] == users["head"].pk


def test_bad_input_gets_the_one_error_shape_with_field_paths(people):
    users, deals, _ = people
    api = api_as(users["responsible"])
    before = Activity.objects.count()

    invalid = api.post(reverse("api:activity-list"), {
        "kind": "call", "priority": "urgent",
        "bound_to": [deal_item(deals["responsible"]), {"entity_type": "robot", "entity_id": 0}],
    })  # fmt: skip
    comment = api.post(reverse("api:activity-list"), {
        "kind": "comment", "subject": "Hi", "bound_to": [deal_item(deals["responsible"])]})  # fmt: skip
    no_item = api.get(reverse("api:timeline-list"))
    id_without_type = api.get(reverse("api:activity-list"), {"entity_id": 5})

    assert invalid.status_code == 400
    assert invalid.json()["error"]["code"] == "invalid"
    assert set(invalid.json()["error"]["fields"]) == {
        "subject", "priority", "bound_to.1.entity_type", "bound_to.1.entity_id"}  # fmt: skip
    assert set(comment.json()["error"]["fields"]) == {"kind"}
    assert no_item.status_code == 400
    assert set(no_item.json()["error"]["fields"]) == {"entity_type", "entity_id"}
    assert set(id_without_type.json()["error"]["fields"]) == {"entity_type"}
    assert Activity.objects.count() == before


def test_filters_find_activities_by_kind_status_deadline_overdue_item_and_text(people):
    users, deals, activities = people
    manager, deal = users["responsible"], deals["responsible"]
    other_deal = DealFactory(title="Second order", responsible=manager)
    late = activity_create(kind="task", subject="Send the invoice", actor=manager,
                           bound_to=[other_deal],
                           deadline=timezone.now() - datetime.timedelta(hours=2))  # fmt: skip
    api = api_as(manager)

    def subjects(**query) -> set[str]:
        response = api.get(reverse("api:activity-list"), query)
        assert response.status_code == 200
        return {row["subject"] for row in response.json()["results"]}

    call = activities["responsible"].subject
    assert subjects(kind="task") == {late.subject}
    assert subjects(is_overdue="true") == {late.subject}
    assert subjects(is_overdue="false") == {call}
    assert subjects(entity_type="deal", entity_id=deal.pk) == {call}
    assert subjects(entity_type="deal") == {call, late.subject}
    assert subjects(q="INVOICE") == {late.subject}
    assert subjects(deadline_from=timezone.now().isoformat()) == {call}
    assert subjects(status="done") == set()
    assert subjects(responsible=manager.pk, fields="id,subject") == {call, late.subject}


@pytest.mark.parametrize("user", VISIBLE)
def test_an_item_timeline_is_read_and_commented_within_the_item_scope(people, user):
    users, deals, _ = people
    api = api_as(users[user])

    for owner, deal in deals.items():
        allowed = owner in VISIBLE[user]
        commented = api.post(reverse("api:timeline-list"), {**deal_item(deal),
                                                            "text": "Called: back Monday"})  # fmt: skip
        timeline = api.get(reverse("api:timeline-list"), deal_item(deal))

        assert (commented.status_code, timeline.status_code) == (
            (201, 200) if allowed else (404, 404))  # fmt: skip
        comments = TimelineEvent.objects.filter(entity_id=deal.pk, kind="comment")
        assert comments.count() == (1 if allowed else 0)
        if allowed:
            assert commented.json()["kind"] == "comment"
            assert commented.json()["activity"]["description"] == "Called: back Monday"
            rows = timeline.json()["results"]
            assert [row["kind"] for row in rows] == ["comment", "activity_added"]  # newest first


def test_a_timeline_is_read_in_cursor_pages_newest_first(people):
    users, deals, _ = people
    manager, deal = users["responsible"], deals["responsible"]
    api = api_as(manager)
    for number in range(3):
        api.post(reverse("api:timeline-list"), {**deal_item(deal), "text": f"Note {number}"})

    first = api.get(reverse("api:timeline-list"), {**deal_item(deal), "page_size": 2})
    second = api.get(first.json()["next"])

    rows = first.json()["results"] + second.json()["results"]
    assert [row["payload"] or row["activity"]["subject"] for row in rows] == [
        "Note 2", "Note 1", "Note 0", "Call about Responsible's order"]  # fmt: skip
    assert second.json()["next"] is None


def test_notifications_are_private(people):
    users, _, _ = people
    mine = notification_send(recipient=users["responsible"], kind="message", title="Mine")
    theirs = notification_send(recipient=users["other"], kind="message", title="Theirs")
    api = api_as(users["responsible"])

    listed = api.get(reverse("api:notification-list"))
    foreign_detail = api.get(reverse("api:notification-detail", args=[theirs.pk]))
    foreign_read = api.post(reverse("api:notification-read", args=[theirs.pk]))
    own_read = api.post(reverse("api:notification-read", args=[mine.pk]))

    assert [row["title"] for row in listed.json()["results"]] == ["Mine"]
    assert foreign_detail.status_code == foreign_read.status_code == 404
    assert own_read.status_code == 200 and own_read.json()["is_read"] is True
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_notifications_are_told_in_the_language_the_request_asks_for(people):
    users, _, _ = people
    notification_send(recipient=users["responsible"], kind="reminder_due",
                      title="Reminder: %(subject)s", params={"subject": "Call Ivanov"})  # fmt: skip
    api = api_as(users["responsible"])

    english = api.get(reverse("api:notification-list"), HTTP_ACCEPT_LANGUAGE="en")
    russian = api.get(reverse("api:notification-list"), HTTP_ACCEPT_LANGUAGE="ru")

    assert english.json()["results"][0]["title"] == "Reminder: Call Ivanov"
    assert russian.json()["results"][0]["title"] == "Напоминание: Call Ivanov"


def test_notifications_come_unread_first_and_are_all_marked_read_at_once(people):
    users, _, _ = people
    manager = users["responsible"]
    for title in ("Old", "Read", "New"):
        notification_send(recipient=manager, kind="message", title=title)
    Notification.objects.filter(title="Read").update(read_at=timezone.now())
    theirs = notification_send(recipient=users["other"], kind="message", title="Theirs")
    api = api_as(manager)

    listed = api.get(reverse("api:notification-list"))
    unread = api.get(reverse("api:notification-list"), {"is_read": "false"})
    marked = api.post(reverse("api:notification-read-all"))

    assert [row["title"] for row in listed.json()["results"]] == ["New", "Old", "Read"]
    assert [row["title"] for row in unread.json()["results"]] == ["New", "Old"]
    assert marked.json() == {"marked": 2}
    assert not Notification.objects.filter(recipient=manager, read_at=None).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_a_retried_create_with_the_same_idempotency_key_returns_the_first_activity(people):
    users, deals, _ = people
    api = api_as(users["responsible"])
    headers = {"Idempotency-Key": "call-7781"}
    data = {"kind": "call", "subject": "Call 7781", "bound_to": [deal_item(deals["responsible"])]}

    first = api.post(reverse("api:activity-list"), data, headers=headers)
    again = api.post(reverse("api:activity-list"), data, headers=headers)
    other = api.post(reverse("api:activity-list"), {**data, "subject": "Call 7782"},
                     headers=headers)  # fmt: skip

    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused"
    assert Activity.objects.filter(subject__startswith="Call 77").count() == 1


def queries_of(api, url, query=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(url, query or {})
    assert response.status_code == 200
    return len(captured)


def test_list_queries_are_bounded_whatever_the_number_of_rows(
    people, django_assert_max_num_queries
):
    users, deals, _ = people
    manager, deal = users["responsible"], deals["responsible"]
    api = api_as(manager)
    urls = [
        (reverse("api:activity-list"), None),
        (reverse("api:timeline-list"), deal_item(deal)),
        (reverse("api:notification-list"), None),
    ]
    counts = {}
    for rows in (5, 50):
        while Activity.objects.filter(responsible=manager).count() < rows:
            activity = activity_create(kind="task", subject="Task", actor=manager,
                                       bound_to=[deal])  # fmt: skip
            notification_send(recipient=manager, kind="message", title="Note",
                              activity=activity)  # fmt: skip
        counts[rows] = [queries_of(api, url, query) for url, query in urls]
        for url, query in urls:
            with django_assert_max_num_queries(8):
                api.get(url, query or {})

    assert counts[5] == counts[50]


def test_a_date_the_database_cannot_hold_is_a_400_not_a_500(db):
    """Found by the fuzzer: PostgreSQL refuses a time-zone offset of +16:54."""
    from django.db import connection

    from tests.factories import user_with_role

    api = APIClient()
    api.force_authenticate(user_with_role("fuzzed"))

    response = api.get("/api/v1/activities/", {"deadline_to": "2472-08-13T10:16:54.7+16:54"})

    if connection.vendor == "postgresql":
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid"
    else:  # SQLite compares it as text
        assert response.status_code == 200


@pytest.mark.django_db
def test_a_refused_value_rolls_back_only_its_own_request_under_atomic_requests(people):
    """A request the API answers 400 or 409 itself marks its atomic block for rollback, so a
    server with ATOMIC_REQUESTS does not try to commit an aborted transaction (found by the
    fuzzer, whose requests run in savepoints)."""
    users, *_ = people
    api = api_as(users["responsible"])
    connection.settings_dict["ATOMIC_REQUESTS"] = True
    try:
        refused = api.get("/api/v1/activities/", {"deadline_from": "6233-02-10T23:41:52-16:59"})
        after = api.get("/api/v1/activities/")
    finally:
        connection.settings_dict["ATOMIC_REQUESTS"] = False

    assert refused.status_code == (400 if connection.vendor == "postgresql" else 200)
    assert after.status_code == 200
