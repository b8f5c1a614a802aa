"""Changes made in the CRM back to the shop. A shop order's deal that moves to another stage,
is paid or has its products changed gets a push in the outbox (OrderPush), in the change's
own transaction; the sender builds what it sends when it sends it, from the deal as it is
then:
- an order made in the CRM that the shop has not named yet: a new-order document;
- an order that came in a CommerceML document: a status document echoing its basket as
  received (or the CRM's basket, when the products changed here), the status the shop's map
  gives the deal's stage, the cancel flag for a lost deal, the payment once paid in full;
- an order pushed over REST: the same facts as JSON, posted to the shop's callback URL.
A shop that is down gets the push later (backoff); nothing is lost. Changes made by the
intake itself (the shop's own changes coming in) are never pushed back."""

import contextlib
import contextvars
import datetime
import logging
import time
import zoneinfo
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_noop

from activities.services import notification_send_to_administrators
from core.events import subscribe_in_transaction
from core.urls import entity_url
from deals.events import DealStageChanged, DealUpdated
from deals.models import Stage
from webhooks import transport
from webhooks.signing import body_encode, signed_headers

from .commerceml.client import ExchangeClient, ExchangeError
from .commerceml.writer import StatusUpdate, new_order_document, status_document
from .crm_orders import deal_basket, new_order_of
from .models import OrderPush, ShopOrder, ShopStatusStage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12  # about a day of retries with the backoff below
CALLBACK_TIMEOUT_SECONDS = 10
# the deal's fields whose change the shop hears of (besides its stage)
PUSHED_FIELDS = frozenset({"payment_percent", "product_rows", "currency"})
_intake_running = contextvars.ContextVar("shopsync_intake_running", default=False)


@contextlib.contextmanager
def changes_from_the_shop():
    """Within it, deal changes come from the shop: they are not pushed back to it."""
    token = _intake_running.set(True)
    try:
        yield
    finally:
        _intake_running.reset(token)


@subscribe_in_transaction(DealStageChanged)
def push_on_stage_change(event: DealStageChanged) -> None:
    if event.from_stage_id is not None:  # a new deal's first stage is not news to the shop
        order_push_enqueue(deal_id=event.deal_id)


@subscribe_in_transaction(DealUpdated)
def push_on_payment_or_products_change(event: DealUpdated) -> None:
    if PUSHED_FIELDS.intersection(event.fields):
        order_push_enqueue(deal_id=event.deal_id)


def order_push_enqueue(*, deal_id: int) -> OrderPush | None:
    """Queue a push for the deal's shop order (one waiting push per order), unless the
    change came from the shop, or the deal is no shop order's, or its shop cannot hear it."""
    if _intake_running.get():
        return None
    shop_order = ShopOrder.objects.filter(deal_id=deal_id).select_related("shop").first()
    if shop_order is None or _channel(shop_order) is None:
        return None
    push, created = OrderPush.objects.get_or_create(
        shop_order=shop_order, status=OrderPush.Status.PENDING,
        defaults={"next_attempt_at": timezone.now()},
    )  # fmt: skip
    if not created:
        OrderPush.objects.filter(pk=push.pk).update(revision=F("revision") + 1)
    transaction.on_commit(_queue_sending)
    return push


COMMERCEML, CALLBACK = "commerceml", "callback"


def _channel(shop_order: ShopOrder) -> str | None:
    """How the shop hears of the order: documents through its exchange (an order it sent
    in one, or one made here), else its callback URL; None when it cannot."""
    shop = shop_order.shop
    if shop.exchange_url and (shop_order.document or shop_order.is_created_in_crm):
        return COMMERCEML
    if shop.callback_url:
        return CALLBACK
    return None


def _queue_sending() -> None:
    from .tasks import order_pushes_send_task  # the tasks import this module

    order_pushes_send_task.delay()


def order_pushes_send_due(*, limit: int = 100) -> int:
    """Send the waiting pushes whose time has come, oldest first; how many were sent."""
    due = OrderPush.objects.filter(
        status=OrderPush.Status.PENDING, next_attempt_at__lte=timezone.now()
    ).order_by("next_attempt_at", "pk")
    sent = 0
    for push_id in list(due.values_list("pk", flat=True)[:limit]):
        sent += order_push_send(push_id=push_id)
    return sent


@dataclass(frozen=True)
class _Message:
    """What one attempt sends, built from the deal under the push's lock."""

    shop_order_id: int
    revision: int  # the push's revision it was built at
    channel: str
    status_code: str
    is_cancelled: bool
    is_paid: bool
    content_digest: str  # the deal's products as sent: the shop has them now
    document: bytes = b""  # CommerceML
    filename: str = ""
    callback: dict | None = None  # JSON


def order_push_send(*, push_id: int) -> bool:
    """Make one attempt at a waiting push whose time has come; True when the shop took it.

    The push is claimed under a lock (attempt counted, next try moved on) and the lock let
    go before the network call, so two workers never send one push and no lock waits on
    the shop; what the shop answered is recorded in a transaction of its own."""
    with transaction.atomic():
        push = (
            OrderPush.objects.select_for_update(skip_locked=True)
            .filter(pk=push_id, status=OrderPush.Status.PENDING,
                    next_attempt_at__lte=timezone.now())
            .select_related("shop_order__shop", "shop_order__deal__stage")
            .first()
        )  # fmt: skip
        if push is None:
            return False
        push.attempts += 1
        push.next_attempt_at = timezone.now() + _backoff(push.attempts)
        push.save(update_fields=["attempts", "next_attempt_at", "updated_at"])
        message = _message(push.shop_order, revision=push.revision)
        shop = push.shop_order.shop
    try:
        if message.channel == COMMERCEML:
            client = ExchangeClient(url=shop.exchange_url, login=shop.login,
                                    password=shop.password, version=shop.commerceml_version)  # fmt: skip
            client.open()
            client.upload(message.filename, message.document)
        else:
            _post_callback(shop, message.callback)
    except ExchangeError as error:
        _record_failure(push_id, str(error), retryable=error.retryable)
        return False
    _record_success(push_id, message)
    return True


def _backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=min(60 * 2 ** (attempts - 1), 3600))


def _message(shop_order: ShopOrder, *, revision: int) -> _Message:
    from .services import deal_content_digest  # the intake imports this module

    deal, shop = shop_order.deal, shop_order.shop
    channel = _channel(shop_order)
    status_code = (
        ShopStatusStage.objects.filter(shop=shop, stage=deal.stage_id)
        .order_by("pk")
        .values_list("status_code", flat=True)
        .first()
    ) or ""
    is_cancelled = deal.stage.semantics == Stage.Semantics.LOST
    is_paid = deal.payment_percent >= 100
    digest = deal_content_digest(deal)
    facts = {"shop_order_id": shop_order.pk, "revision": revision, "channel": channel, "status_code": status_code,
             "is_cancelled": is_cancelled, "is_paid": is_paid, "content_digest": digest}  # fmt: skip
    if channel == CALLBACK:
        return _Message(**facts, callback=_callback_body(shop_order, facts))
    if not shop_order.external_id:  # made in the CRM, not yet named by the shop
        document = new_order_document(new_order_of(shop_order), version=shop.commerceml_version,
                                      encoding=shop.push_encoding)  # fmt: skip
        return _Message(**facts, document=document, filename=f"order-{shop_order.crm_id}.xml")
    shop_now = timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(shop.time_zone))
    update = StatusUpdate(
        order_xml=bytes(shop_order.document),
        crm_id=str(shop_order.crm_id),
        version=str(int(time.time() * 1000)),
        status_code=status_code,
        is_cancelled=is_cancelled,
        paid_at=shop_now.replace(tzinfo=None) if is_paid and not shop_order.is_paid else None,
        payment_number="",
        shipped_at=None,
        shipment_number="",
        # products changed here since the shop's last word: the shop gets the CRM's basket
        lines=deal_basket(deal) if digest != shop_order.synced_digest else None,
    )
    document = status_document([update], version=shop.commerceml_version,
                               encoding=shop.push_encoding)  # fmt: skip
    return _Message(**facts, document=document, filename=f"status-{shop_order.crm_id}.xml")


def _callback_body(shop_order: ShopOrder, facts: dict) -> dict:
    deal = shop_order.deal
    return {
        "order_id": shop_order.external_id,
        "crm_id": str(shop_order.crm_id),
        "status": facts["status_code"],
        "is_cancelled": facts["is_cancelled"],
        "is_paid": facts["is_paid"],
        "deal": {
            "id": deal.pk,
            "stage": {"id": deal.stage_id, "name": deal.stage.name,
                      "semantics": deal.stage.semantics},
            "amount": str(deal.amount),
            "currency": deal.currency_id,
            "payment_percent": str(deal.payment_percent),
        },
        "lines": [
            {"product_id": line.product_id, "name": line.name, "price": str(line.price),
             "quantity": str(line.quantity)}
            for line in deal_basket(deal)
        ],
    }  # fmt: skip


def _post_callback(shop, payload: dict) -> None:
    """POST the order's state to the shop's callback URL, signed as the CRM's webhooks are,
    with the SHA-256 of the shop's REST token as the key (the shop can compute it; the CRM
    keeps nothing more). Raises ExchangeError when the shop did not take it."""
    body = body_encode(payload)
    headers = signed_headers(
        secret=shop.token_hash, body=body, content_type="application/json; charset=utf-8",
        event="shop_order.changed", user_agent="CRM-Shop-Sync/1",
    )  # fmt: skip
    result = transport.post(
        url=shop.callback_url, body=body, headers=headers, timeout=CALLBACK_TIMEOUT_SECONDS,
        allow_private=transport.allow_private_targets(),
    )  # fmt: skip
    if result.outcome is not transport.Outcome.DELIVERED:
        raise ExchangeError(
            result.error or f"HTTP {result.response_code}",
            retryable=result.outcome is transport.Outcome.RECOVERABLE,
        )


@transaction.atomic
def _record_success(push_id: int, message: _Message) -> None:
    push = OrderPush.objects.select_for_update().get(pk=push_id)
    push.status_code, push.is_cancelled = message.status_code, message.is_cancelled
    push.last_error = ""
    if push.revision == message.revision:
        push.status, push.sent_at = OrderPush.Status.SENT, timezone.now()
    else:  # the deal changed again meanwhile: that goes next, at once
        push.attempts, push.next_attempt_at = 0, timezone.now()
        transaction.on_commit(_queue_sending)
    push.save()
    # the shop has the CRM's products now: its next version of the order is no conflict
    ShopOrder.objects.filter(pk=message.shop_order_id).update(synced_digest=message.content_digest)


@transaction.atomic
def _record_failure(push_id: int, reason: str, *, retryable: bool) -> None:
    push = OrderPush.objects.select_for_update().select_related("shop_order__deal").get(pk=push_id)
    push.last_error = reason
    if retryable and push.attempts < MAX_ATTEMPTS:
        push.save(update_fields=["last_error", "updated_at"])
        return
    push.status = OrderPush.Status.FAILED
    push.save(update_fields=["status", "last_error", "updated_at"])
    notification_send_to_administrators(
        title=gettext_noop("The status of order %(order)s could not be sent to the shop"),
        message="%(reason)s",
        params={"order": str(push.shop_order), "reason": reason},
        url=entity_url(push.shop_order.deal),
    )
