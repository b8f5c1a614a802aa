"""Writes for outgoing webhooks: subscriptions, the delivery outbox, sending and retries.

Delivery is at least once: a receiver may get the same `X-CRM-Delivery` id twice (a worker
that dies after the POST but before recording it) and should ignore repeats.
"""

import datetime
import logging
from collections.abc import Callable, Sequence
from functools import partial

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from activities.services import notification_send_to_administrators
from core.errors import ApplicationError

from . import formats, transport
from .event_types import event_types_for
from .models import PayloadFormat, WebhookDelivery, WebhookDeliveryAttempt, WebhookSubscription
from .signing import secret_generate, signed_headers
from .snapshots import SNAPSHOTS

logger = logging.getLogger(__name__)

# payload_format before events: the events are checked against the format's catalogue
SUBSCRIPTION_FIELDS = ["name", "target_url", "payload_format", "events", "is_active"]
RETRY_DELAY_MAX = datetime.timedelta(hours=6)


def timeout_seconds() -> float:
    return float(getattr(settings, "WEBHOOK_TIMEOUT_SECONDS", 5))


def max_attempts() -> int:
    return int(getattr(settings, "WEBHOOK_MAX_ATTEMPTS", 15))


def disable_after() -> datetime.timedelta:
    return datetime.timedelta(hours=float(getattr(settings, "WEBHOOK_DISABLE_AFTER_HOURS", 24)))


def retry_delay(attempt: int) -> datetime.timedelta:
    """After attempt n: 1, 2, 4, 8 … minutes, at most six hours."""
    return min(datetime.timedelta(minutes=2 ** (attempt - 1)), RETRY_DELAY_MAX)


# subscriptions


def _clean_events(events, payload_format: str = PayloadFormat.JSON) -> list[str]:
    """The events in their catalogue's order without repeats; ValidationError for one the
    format does not have (a JSON event for a Bitrix24 subscription and the other way)."""
    if payload_format not in PayloadFormat.values:
        raise ValidationError({"payload_format": _("Unknown format: %s") % payload_format})
    catalogue = event_types_for(payload_format)
    unknown = [event for event in events if event not in catalogue]
    if unknown:
        raise ValidationError({"events": _("Unknown events: %s") % ", ".join(unknown)})
    return [key for key in catalogue if key in set(events)]


@transaction.atomic
def webhook_subscription_create(
    *,
    name: str,
    target_url: str,
    events: list[str],
    actor: AbstractBaseUser | None,
    is_active: bool = True,
    payload_format: str = PayloadFormat.JSON,
) -> WebhookSubscription:
    """A subscription with a new secret. Raises ValidationError for a bad URL, format or
    event (the events are of the format's catalogue: event_types_for)."""
    subscription = WebhookSubscription(
        name=name.strip(),
        target_url=target_url.strip(),
        payload_format=payload_format,
        events=_clean_events(events, payload_format),
        is_active=is_active,
        secret=secret_generate(),
        created_by=actor,
    )
    subscription.full_clean()
    subscription.save()
    return subscription


@transaction.atomic
def webhook_subscription_update(
    *, subscription: WebhookSubscription, actor: AbstractBaseUser | None, data: dict
) -> WebhookSubscription:
    """Change name, URL, format, events or the active flag (a new format needs events of
    its catalogue; the deliveries already queued keep theirs). Switching it on again forgets
    the past failures, so it gets the whole WEBHOOK_DISABLE_AFTER_HOURS before it can be
    switched off again."""
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    was_active = subscription.is_active
    for field in SUBSCRIPTION_FIELDS:
        if field in data:
            value = data[field]
            if field == "events":
                value = _clean_events(value, subscription.payload_format)
            elif isinstance(value, str):
                value = value.strip()
            setattr(subscription, field, value)
    if "payload_format" in data and "events" not in data:
        subscription.events = _clean_events(subscription.events, subscription.payload_format)
    if subscription.is_active and not was_active:
        subscription.failing_since = None
        subscription.disabled_at = None
    subscription.full_clean()
    subscription.save()
    return subscription


@transaction.atomic
def webhook_subscription_rotate_secret(
    *, subscription: WebhookSubscription, actor: AbstractBaseUser | None
) -> WebhookSubscription:
    """A new secret; deliveries sent from now on are signed with it."""
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    subscription.secret = secret_generate()
    subscription.save(update_fields=["secret", "updated_at"])
    return subscription


@transaction.atomic
def webhook_subscription_delete(
    *, subscription: WebhookSubscription, actor: AbstractBaseUser | None
) -> None:
    """Delete a subscription with its delivery log."""
    subscription.delete()


# the outbox


def _send_on_commit(delivery_id: int) -> None:
    from .tasks import webhook_delivery_send_task

    transaction.on_commit(partial(webhook_delivery_send_task.delay, delivery_id))


# Bitrix24's events for one domain event: [(name, FIELDS)], e.g. [("ONCRMDEALADD", {"ID": 7})]
Bitrix24Events = Sequence[tuple[str, dict]]


def active_subscriptions() -> list[WebhookSubscription]:
    return list(WebhookSubscription.objects.filter(is_active=True).order_by("pk"))


@transaction.atomic
def webhook_deliveries_enqueue(
    *,
    event: str,
    data: dict,
    item: tuple[str, int] | None = None,
    bitrix24_events: Bitrix24Events | Callable[[], Bitrix24Events] = (),
    now: datetime.datetime | None = None,
    subscriptions: Sequence[WebhookSubscription] | None = None,
) -> list[WebhookDelivery]:
    """One pending delivery per active subscription that wants the event, sent after commit.

    A JSON subscription wanting `event` gets `data` (the domain event's fields) and, for
    `item` ("deal", 12), a snapshot of the item read now. A Bitrix24 subscription gets one
    delivery per name of `bitrix24_events` it wants (a callable is called only when such a
    subscription is active). `subscriptions`: the active ones, when the caller read them for
    a batch of events; else they are read here (one query, all it costs when nobody
    subscribed).
    """
    if subscriptions is None:
        subscriptions = active_subscriptions()
    if not subscriptions:  # the common case
        return []
    now = now or timezone.now()
    json_payload, b24_events = None, None
    rows = []
    for subscription in subscriptions:
        if subscription.payload_format == PayloadFormat.BITRIX24:
            if b24_events is None:
                b24_events = list(
                    bitrix24_events() if callable(bitrix24_events) else bitrix24_events
                )
            rows += [
                WebhookDelivery(
                    subscription=subscription,
                    event=name,
                    payload_format=PayloadFormat.BITRIX24,
                    payload=formats.bitrix24_payload(
                        event=name, handler_id=subscription.pk, fields=fields, now=now
                    ),
                    next_try_at=now,
                )
                for name, fields in b24_events
                if subscription.wants(name)
            ]
        elif subscription.wants(event):
            if json_payload is None:
                body_data = dict(data)
                if item is not None:
                    entity, item_id = item
                    body_data[entity] = SNAPSHOTS[entity](item_id)
                json_payload = formats.json_payload(event=event, data=body_data, now=now)
            rows.append(
                WebhookDelivery(
                    subscription=subscription, event=event, payload=json_payload, next_try_at=now
                )
            )
    if not rows:
        return []
    deliveries = WebhookDelivery.objects.bulk_create(rows)
    for delivery in deliveries:
        _send_on_commit(delivery.pk)
    return deliveries


def _locked_delivery(delivery_id: int) -> WebhookDelivery | None:
    return (
        WebhookDelivery.objects.select_for_update(of=("self",))
        .select_related("subscription")
        .filter(pk=delivery_id)
        .first()
    )


def webhook_delivery_send(
    *, delivery_id: int, now: datetime.datetime | None = None
) -> WebhookDelivery | None:
    """Make one attempt at a pending delivery whose time has come; anything else is left as
    it is, so running it twice (acks_late, the sweep beside the task) sends once.

    The row is claimed under a lock (attempt counted, next try pushed back) and released
    before the POST, so no lock is held during the network call; a process dying mid-request
    leaves the row for the sweep. 2xx → delivered; 4xx other than 408/429 → failed at once;
    5xx, 408, 429, timeouts, connection errors → pending again with exponential backoff, or
    gave up after WEBHOOK_MAX_ATTEMPTS. Never raises for a remote problem.
    """
    now = now or timezone.now()
    with transaction.atomic():
        delivery = _locked_delivery(delivery_id)
        if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
            return delivery
        if delivery.next_try_at > now:
            return delivery
        subscription = delivery.subscription
        if not subscription.is_active:
            _give_up(delivery, _("The subscription is switched off."))
            return delivery
        delivery.attempts += 1
        delivery.next_try_at = now + retry_delay(delivery.attempts)
        delivery.save(update_fields=["attempts", "next_try_at", "updated_at"])
        number, secret, url = delivery.attempts, subscription.secret, subscription.target_url

    body, content_type = formats.body_build(
        payload_format=delivery.payload_format, payload=delivery.payload, secret=secret
    )
    headers = signed_headers(
        secret=secret, body=body, content_type=content_type, event=delivery.event,
        user_agent="CRM-Webhooks/1",
    ) | {"X-CRM-Delivery": str(delivery.pk)}  # fmt: skip
    result = transport.post(
        url=url,
        body=body,
        headers=headers,
        timeout=timeout_seconds(),
        allow_private=transport.allow_private_targets(),
    )
    return _record_attempt(delivery_id=delivery.pk, number=number, result=result, now=now)


@transaction.atomic
def _record_attempt(
    *, delivery_id: int, number: int, result: transport.PostResult, now: datetime.datetime
) -> WebhookDelivery | None:
    delivery = _locked_delivery(delivery_id)
    if delivery is None:  # deleted with its subscription meanwhile
        return None
    WebhookDeliveryAttempt.objects.create(
        delivery=delivery,
        number=number,
        response_code=result.response_code,
        response_excerpt=result.response_excerpt,
        duration_ms=result.duration_ms,
        error=result.error,
    )
    delivery.last_response_code = result.response_code
    delivery.last_error = result.error
    Status = WebhookDelivery.Status
    if result.outcome is transport.Outcome.DELIVERED:
        delivery.status, delivery.delivered_at, delivery.next_try_at = Status.DELIVERED, now, None
    elif delivery.status != Status.PENDING:
        pass  # given up meanwhile (the subscription was switched off): keep that
    elif result.outcome is transport.Outcome.UNRECOVERABLE:
        delivery.status, delivery.next_try_at = Status.FAILED, None
    elif number >= max_attempts():
        delivery.status, delivery.next_try_at = Status.GAVE_UP, None
    else:
        delivery.next_try_at = now + retry_delay(number)
    delivery.save()
    if result.outcome is transport.Outcome.DELIVERED:
        WebhookSubscription.objects.filter(
            pk=delivery.subscription_id, failing_since__isnull=False
        ).update(failing_since=None, updated_at=timezone.now())
    else:
        logger.info("webhook delivery %s attempt %s failed: %s", delivery.pk, number, result.error)
        _subscription_record_failure(subscription_id=delivery.subscription_id, now=now)
    return delivery


def _give_up(delivery: WebhookDelivery, reason: str) -> None:
    delivery.status, delivery.next_try_at, delivery.last_error = (
        WebhookDelivery.Status.GAVE_UP,
        None,
        reason,
    )
    delivery.save(update_fields=["status", "next_try_at", "last_error", "updated_at"])


def _subscription_record_failure(*, subscription_id: int, now: datetime.datetime) -> None:
    """Start the failure clock, and switch the subscription off once it has run for a day
    (the conditional update lets exactly one concurrent failure do it and notify)."""
    subscriptions = WebhookSubscription.objects.filter(pk=subscription_id)
    subscriptions.filter(failing_since__isnull=True).update(
        failing_since=now, updated_at=timezone.now()
    )
    switched_off = subscriptions.filter(
        is_active=True, failing_since__lte=now - disable_after()
    ).update(is_active=False, disabled_at=now, updated_at=timezone.now())
    if switched_off:
        _subscription_after_switch_off(WebhookSubscription.objects.get(pk=subscription_id))


def _subscription_after_switch_off(subscription: WebhookSubscription) -> None:
    hours = disable_after().total_seconds() / 3600
    pending = subscription.deliveries.filter(status=WebhookDelivery.Status.PENDING)
    pending.update(
        status=WebhookDelivery.Status.GAVE_UP,
        next_try_at=None,
        last_error=_("The subscription was switched off after %(hours)g hours of failures.")
        % {"hours": hours},
        updated_at=timezone.now(),
    )
    url = reverse("webhooks:detail", args=[subscription.pk])
    notification_send_to_administrators(
        title=gettext_noop("Webhook %(name)s switched off"),
        message=gettext_noop(
            "Its deliveries to %(url)s have failed for %(hours)g hours; no more events are "
            "sent to it. Check the receiver, then switch the subscription on again."
        ),
        params={"name": subscription.name, "url": subscription.target_url, "hours": hours},
        url=url,
    )
    logger.warning("webhook subscription %s switched off after failures", subscription.pk)


def webhook_deliveries_send_due(
    *, now: datetime.datetime | None = None, batch_size: int = 100
) -> int:
    """The sweep (beat, every minute): try the pending deliveries whose time has come,
    oldest first, including rows queued but never sent (a process died after the commit).
    Returns how many were tried. Safe beside a concurrent sweep or task."""
    now = now or timezone.now()
    due = (
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING,
            next_try_at__lte=now,
            subscription__is_active=True,
        )
        .order_by("next_try_at", "pk")
        .values_list("pk", flat=True)[:batch_size]
    )
    tried = 0
    for delivery_id in list(due):
        delivery = webhook_delivery_send(delivery_id=delivery_id, now=now)
        tried += delivery is not None
    return tried


@transaction.atomic
def webhook_delivery_redeliver(
    *, delivery: WebhookDelivery, actor: AbstractBaseUser | None
) -> WebhookDelivery:
    """Send a delivered, failed or given-up delivery again, as a new delivery (new id) with
    the same event and body. Refused (ApplicationError) while the original is still pending
    or while its subscription is switched off."""
    delivery = _locked_delivery(delivery.pk)
    if delivery.status == WebhookDelivery.Status.PENDING:
        raise ApplicationError(
            _("This delivery is still being tried; wait for it to finish."), code="pending"
        )
    if not delivery.subscription.is_active:
        raise ApplicationError(
            _("Switch the subscription on before sending its deliveries again."),
            code="subscription_off",
        )
    copy = WebhookDelivery.objects.create(
        subscription=delivery.subscription,
        event=delivery.event,
        payload_format=delivery.payload_format,
        payload=delivery.payload,
        next_try_at=timezone.now(),
        redelivery_of=delivery,
    )
    _send_on_commit(copy.pk)
    return copy
