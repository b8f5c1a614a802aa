"""Order statuses back to the shop. A deal of a shop order that moves in the CRM gets a push
in the outbox (OrderPush), in the move's own transaction; the sender builds the CommerceML
document when it sends — the order's basket echoed exactly as received, the status the
shop's map gives the deal's stage, the cancel flag for a lost deal — and uploads it. A shop
that is down gets the push later (backoff); nothing is lost. Moves made by the intake itself
(the shop's own changes coming in) are never pushed back."""

import contextlib
import contextvars
import datetime
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from activities.services import notification_send_to_administrators
from core.events import subscribe_in_transaction
from core.urls import entity_url
from deals.events import DealStageChanged
from deals.models import Stage

from .commerceml.client import ExchangeClient, ExchangeError
from .commerceml.writer import StatusUpdate, status_document
from .models import OrderPush, ShopOrder, ShopStatusStage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 12  # about a day of retries with the backoff below
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


def order_push_enqueue(*, deal_id: int) -> OrderPush | None:
    """Queue a status push for the deal's shop order (one waiting push per order), unless
    the change came from the shop or the deal is not a shop order's."""
    if _intake_running.get():
        return None
    shop_order = ShopOrder.objects.filter(deal_id=deal_id).select_related("shop").first()
    # only an order that came in a CommerceML document can be echoed back to its shop
    if shop_order is None or not shop_order.document or not shop_order.shop.exchange_url:
        return None
    push, _created = OrderPush.objects.get_or_create(
        shop_order=shop_order, status=OrderPush.Status.PENDING,
        defaults={"next_attempt_at": timezone.now()},
    )  # fmt: skip
    transaction.on_commit(_queue_sending)
    return push


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


def order_push_send(*, push_id: int) -> bool:
    """Send one push (locked, so two workers never send the same one); True when the shop
    took it."""
    with transaction.atomic():
        push = (
            OrderPush.objects.select_for_update(skip_locked=True)
            .filter(pk=push_id, status=OrderPush.Status.PENDING)
            .select_related("shop_order__shop", "shop_order__deal__stage")
            .first()
        )
        if push is None:
            return False
        shop_order = push.shop_order
        update = _status_update(shop_order)
        shop = shop_order.shop
        try:
            client = ExchangeClient(url=shop.exchange_url, login=shop.login,
                                    password=shop.password, version=shop.commerceml_version)  # fmt: skip
            client.open()
            client.upload(
                f"status-{shop_order.crm_id}.xml",
                status_document([update], version=shop.commerceml_version,
                                encoding=shop.push_encoding),
            )  # fmt: skip
        except ExchangeError as error:
            _record_failure(push, error)
            return False
        push.status, push.sent_at = OrderPush.Status.SENT, timezone.now()
        push.status_code, push.is_cancelled = update.status_code, update.is_cancelled
        push.attempts += 1
        push.save()
        return True


def _status_update(shop_order: ShopOrder) -> StatusUpdate:
    deal = shop_order.deal
    mapped = (
        ShopStatusStage.objects.filter(shop=shop_order.shop_id, stage=deal.stage_id)
        .order_by("pk")
        .values_list("status_code", flat=True)
        .first()
    )
    return StatusUpdate(
        order_xml=bytes(shop_order.document),
        crm_id=str(shop_order.crm_id),
        version=str(int(timezone.now().timestamp() * 1000)),
        status_code=mapped or "",
        is_cancelled=deal.stage.semantics == Stage.Semantics.LOST,
        paid_at=None,
        payment_number="",
        shipped_at=None,
        shipment_number="",
    )


def _record_failure(push: OrderPush, error: ExchangeError) -> None:
    push.attempts += 1
    push.last_error = str(error)
    if error.retryable and push.attempts < MAX_ATTEMPTS:
        push.next_attempt_at = timezone.now() + datetime.timedelta(
            seconds=min(60 * 2 ** (push.attempts - 1), 3600)
        )
        push.save()
        return
    push.status = OrderPush.Status.FAILED
    push.save()
    notification_send_to_administrators(
        title=gettext_noop("The status of order %(order)s could not be sent to the shop"),
        message="%(reason)s",
        params={"order": str(push.shop_order), "reason": str(error)},
        url=entity_url(push.shop_order.deal),
    )
