"""Deliveries to a real HTTP receiver on loopback, driven through the domain services."""

import datetime
import json
import socket

import pytest
from django.utils import timezone

from accounts.models import PermissionAction, PermissionEntity, PermissionScope
from activities.models import Notification
from deals.services import deal_create, deal_delete
from tests.factories import UserFactory, role
from tests.polling import wait_until
from webhooks.models import WebhookDelivery, WebhookDeliveryAttempt, WebhookSubscription
from webhooks.services import (
    webhook_deliveries_send_due,
    webhook_delivery_redeliver,
    webhook_delivery_send,
    webhook_subscription_create,
)
from webhooks.signing import signature_is_valid

transactional = pytest.mark.django_db(transaction=True)
Status = WebhookDelivery.Status


def _subscribe(url: str, events=("deal.created",)) -> WebhookSubscription:
    return webhook_subscription_create(name="ERP", target_url=url, events=list(events), actor=None)


def _later(delivery: WebhookDelivery, seconds: int = 1) -> datetime.datetime:
    delivery.refresh_from_db()
    return delivery.next_try_at + datetime.timedelta(seconds=seconds)


@transactional
def test_a_created_deal_reaches_the_receiver_signed(pipeline, receiver):
    # given
    server = receiver(200)
    subscription = _subscribe(server.url)
    manager = UserFactory(username="manager")

    # when
    deal = deal_create(title="Order 42", actor=manager, amount=1500)

    # then
    [request] = server.requests
    delivery = WebhookDelivery.objects.get()
    assert request.path == "/hooks/crm"
    assert request.headers["X-CRM-Event"] == "deal.created"
    assert request.headers["X-CRM-Delivery"] == str(delivery.pk)
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    timestamp = request.headers["X-CRM-Timestamp"]
    assert abs(int(timestamp) - timezone.now().timestamp()) < 60
    assert signature_is_valid(
        secret=subscription.secret,
        timestamp=timestamp,
        body=request.body,
        signature=request.headers["X-CRM-Signature"],
    )
    body = json.loads(request.body)
    assert body["event"] == "deal.created"
    assert body["data"] == {
        "deal_id": deal.pk,
        "actor_id": manager.pk,
        "deal": {
            "id": deal.pk,
            "title": "Order 42",
            "responsible_id": manager.pk,
            "pipeline_id": pipeline.pk,
            "stage_id": deal.stage_id,
            "amount": "1500.00",
            "currency": "RUB",
        },
    }
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == (
        Status.DELIVERED,
        1,
        200,
    )
    assert delivery.next_try_at is None and delivery.delivered_at is not None
    [attempt] = delivery.attempt_log.all()
    assert (attempt.number, attempt.response_code, attempt.error) == (1, 200, "")
    assert attempt.response_excerpt == "answer 200"


@transactional
def test_only_the_events_a_subscription_wants_are_sent(pipeline, receiver):
    server = receiver(200)
    _subscribe(server.url, events=["deal.stage_changed", "deal.deleted"])
    WebhookSubscription.objects.create(
        name="Off", target_url=server.url, events=["deal.created"], is_active=False, secret="x"
    )

    deal = deal_create(title="Order", actor=None)
    deal_id = deal.pk
    deal_delete(deal=deal, actor=None)

    assert [request.headers["X-CRM-Event"] for request in server.requests] == [
        "deal.stage_changed",
        "deal.deleted",
    ]
    deleted = json.loads(server.requests[1].body)
    assert deleted["data"] == {"deal_id": deal_id, "actor_id": None}


@transactional
def test_a_receiver_failing_twice_is_retried_until_delivered(pipeline, receiver):
    # given: 500, 500, then 200
    server = receiver(500, 500, 200)
    _subscribe(server.url)

    # when: the first try goes out on commit, the next two when the sweep finds them due
    deal_create(title="Order", actor=None)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == (
        Status.PENDING,
        1,
        500,
    )
    assert webhook_deliveries_send_due(now=_later(delivery, seconds=-2)) == 0  # not due yet
    first_retry = _later(delivery)
    assert webhook_deliveries_send_due(now=first_retry) == 1
    delivery.refresh_from_db()
    assert delivery.next_try_at == first_retry + datetime.timedelta(minutes=2)  # backoff doubles
    assert webhook_deliveries_send_due(now=_later(delivery)) == 1

    # then
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == (
        Status.DELIVERED,
        3,
        200,
    )
    assert delivery.last_error == ""
    attempts = list(delivery.attempt_log.values_list("number", "response_code", "error"))
    assert attempts == [(1, 500, "HTTP 500"), (2, 500, "HTTP 500"), (3, 200, "")]
    assert len(server.requests) == 3
    assert len({request.headers["X-CRM-Delivery"] for request in server.requests}) == 1
    assert WebhookSubscription.objects.get().failing_since is None  # the success cleared it
    # a later sweep, or the task run again (acks_late), sends nothing more
    assert webhook_deliveries_send_due(now=timezone.now() + datetime.timedelta(hours=1)) == 0
    webhook_delivery_send(delivery_id=delivery.pk)
    assert len(server.requests) == 3


@transactional
def test_a_400_fails_at_once_without_retry(pipeline, receiver):
    server = receiver(400)
    _subscribe(server.url)

    deal_create(title="Order", actor=None)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == (
        Status.FAILED,
        1,
        400,
    )
    assert delivery.next_try_at is None
    assert delivery.last_error == "HTTP 400"
    assert webhook_deliveries_send_due(now=timezone.now() + datetime.timedelta(days=1)) == 0
    assert len(server.requests) == 1
    [attempt] = WebhookDeliveryAttempt.objects.all()
    assert attempt.response_excerpt == "answer 400"


@pytest.mark.parametrize("status", [408, 429, 503])
@transactional
def test_timeouts_throttling_and_server_errors_are_retried(pipeline, receiver, status):
    server = receiver(status)
    _subscribe(server.url)

    deal_create(title="Order", actor=None)

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_response_code) == (Status.PENDING, status)


@transactional
def test_a_refused_connection_is_retried_and_given_up_after_the_last_attempt(pipeline, settings):
    # given: a port nobody listens on
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    _subscribe(f"http://127.0.0.1:{port}/")

    # when
    deal_create(title="Order", actor=None)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == Status.PENDING
    assert delivery.last_error.startswith("connection failed")
    webhook_deliveries_send_due(now=_later(delivery))

    # then
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_try_at) == (Status.GAVE_UP, 2, None)


@transactional
def test_a_row_queued_but_never_sent_goes_out_with_the_sweep(pipeline, receiver):
    # given: the process died after the commit, before the task was sent
    server = receiver(200)
    subscription = _subscribe(server.url)
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        event="deal.created",
        payload={"event": "deal.created", "data": {"deal_id": 1}},
        next_try_at=timezone.now(),
    )

    # when
    tried = webhook_deliveries_send_due()

    # then
    delivery.refresh_from_db()
    assert tried == 1
    assert delivery.status == Status.DELIVERED
    assert json.loads(server.requests[0].body) == {
        "event": "deal.created",
        "data": {"deal_id": 1},
    }


@transactional
def test_a_failed_delivery_is_sent_again_by_hand(pipeline, receiver):
    server = receiver(400, 200)
    _subscribe(server.url)
    deal_create(title="Order", actor=None)
    failed = WebhookDelivery.objects.get()

    copy = webhook_delivery_redeliver(delivery=failed, actor=None)

    copy.refresh_from_db()
    assert (copy.status, copy.redelivery_of, copy.payload) == (
        Status.DELIVERED,
        failed,
        failed.payload,
    )
    assert server.requests[0].body == server.requests[1].body
    failed.refresh_from_db()
    assert failed.status == Status.FAILED


@transactional
def test_a_day_of_failures_switches_the_subscription_off_and_tells_administrators(
    pipeline, receiver
):
    # given: a receiver that always fails, and who administers the CRM
    server = receiver(500)
    subscription = _subscribe(server.url)
    superuser = UserFactory(username="root", is_superuser=True)
    administrator = UserFactory(username="admin")
    administrator.roles.add(
        role(
            "Administrator",
            PermissionScope.ALL,
            entities=[PermissionEntity.SETTINGS],
            actions=[PermissionAction.EDIT],
        )
    )
    manager = UserFactory(username="manager")
    deal_create(title="Order", actor=None)
    delivery = WebhookDelivery.objects.get()
    subscription.refresh_from_db()
    started = subscription.failing_since
    assert started is not None

    # when: still failing just before a day has passed, then after it
    webhook_deliveries_send_due(now=started + datetime.timedelta(hours=23, minutes=59))
    subscription.refresh_from_db()
    assert subscription.is_active
    delivery.refresh_from_db()
    webhook_deliveries_send_due(now=started + datetime.timedelta(hours=24, minutes=1))

    # then
    subscription.refresh_from_db()
    delivery.refresh_from_db()
    assert not subscription.is_active
    assert subscription.disabled_at == started + datetime.timedelta(hours=24, minutes=1)
    assert delivery.status == Status.GAVE_UP
    assert delivery.attempts == 3
    notified = Notification.objects.filter(kind=Notification.Kind.MESSAGE)
    assert sorted(notified.values_list("recipient__username", flat=True)) == ["admin", "root"]
    assert notified.first().url == f"/settings/webhooks/{subscription.pk}/"
    assert not Notification.objects.filter(recipient=manager).exists()
    # and nothing more is sent
    requests_before = len(server.requests)
    deal_create(title="Another order", actor=None)
    assert WebhookDelivery.objects.count() == 1
    assert webhook_deliveries_send_due(now=started + datetime.timedelta(days=3)) == 0
    assert len(server.requests) == requests_before == 3
    assert superuser.notifications.count() == 1


@transactional
def test_switching_the_subscription_on_again_restarts_the_clock(pipeline, receiver):
    from webhooks.services import webhook_subscription_update

    server = receiver(200)
    subscription = _subscribe(server.url)
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        is_active=False, failing_since=timezone.now(), disabled_at=timezone.now()
    )

    subscription = webhook_subscription_update(
        subscription=subscription, actor=None, data={"is_active": True}
    )

    assert (subscription.is_active, subscription.failing_since, subscription.disabled_at) == (
        True,
        None,
        None,
    )


def test_the_delivery_task_goes_through_a_real_worker(pipeline, receiver, celery_worker):
    # given
    server = receiver(200)
    subscription = _subscribe(server.url)

    # when: the task is sent through Redis on commit and the worker process POSTs
    deal = deal_create(title="Order through the worker", actor=None)

    # then
    delivery = WebhookDelivery.objects.get()
    wait_until(
        lambda: WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.DELIVERED).exists(),
        message=f"not delivered; worker log:\n{celery_worker.log}",
    )
    assert "webhook_delivery_send_task" in celery_worker.log
    [request] = server.requests
    assert json.loads(request.body)["data"]["deal_id"] == deal.pk
    assert signature_is_valid(
        secret=subscription.secret,
        timestamp=request.headers["X-CRM-Timestamp"],
        body=request.body,
        signature=request.headers["X-CRM-Signature"],
    )
