"""The shop integration end to end, over real HTTP against the demo CommerceML shop: pulls,
repeats, changes and payments coming in; statuses going back, through a shop that is down;
a worker killed in the middle of a pull."""

import datetime
import signal
import time

import pytest
from django.utils import timezone

from deals.models import Deal
from deals.services import deal_move_to_stage
from shopsync.commerceml.parser import parse_orders
from shopsync.documents import BATCH_SIZE
from shopsync.models import OrderPush, Shop, ShopOrder, SyncRun
from shopsync.pull import shop_pull
from shopsync.push import order_pushes_send_due
from tests.shopsync.conftest import LOGIN, PASSWORD


def totals(runs: list[SyncRun]) -> tuple[int, int, int, int]:
    return (sum(run.created for run in runs), sum(run.updated for run in runs),
            sum(run.unchanged for run in runs), sum(run.failed for run in runs))  # fmt: skip


def deal_of(peer) -> tuple[dict, Deal]:
    """A new order of the shop (accepted, not paid) and its deal."""
    order = next(
        order for order in peer.control("GET", "/demo/orders")["orders"]
        if order["status"] == "N" and not order["is_paid"] and not order["is_cancelled"]
    )  # fmt: skip
    return order, ShopOrder.objects.get(external_id=str(order["id"])).deal


def test_the_first_import_makes_a_deal_per_order_and_a_repeat_makes_none(connected):
    peer, shop = connected

    first = shop_pull(shop_id=shop.pk)
    again = shop_pull(shop_id=shop.pk)

    assert totals(first) == (8, 0, 0, 0)
    assert totals(again) == (0, 0, 0, 0)  # `success` was said: the shop sends nothing again
    assert Deal.objects.count() == ShopOrder.objects.count() == 8
    order, deal = deal_of(peer)
    assert deal.title.endswith("from Demo shop")
    assert deal.product_rows.count() == len(order["items"]) + (
        1 if order["delivery_price"] != "0" else 0
    )


def test_the_first_import_takes_the_orders_placed_within_the_shops_range(connected):
    peer, shop = connected
    days = sorted(
        order["created_at"][:10] for order in peer.control("GET", "/demo/orders")["orders"]
    )
    shop.import_from = datetime.date.fromisoformat(days[3])  # the shop's own days
    shop.save()

    runs = shop_pull(shop_id=shop.pk)

    taken = sum(day >= days[3] for day in days)
    assert (sum(run.created for run in runs), sum(run.skipped for run in runs)) == (
        taken, len(days) - taken)  # fmt: skip
    assert Deal.objects.count() == taken


def test_an_order_changed_in_the_shop_updates_its_deal(connected):
    peer, shop = connected
    shop_pull(shop_id=shop.pk)
    order, deal = deal_of(peer)

    peer.control("POST", f"/demo/orders/{order['id']}",
                 {"items": [{"name": "Подарочная упаковка", "price": "150", "quantity": "2",
                             "product_id": "gift-wrap"}], "delivery_price": "0"})  # fmt: skip
    runs = shop_pull(shop_id=shop.pk)

    assert totals(runs) == (0, 1, 0, 0)
    deal.refresh_from_db()
    assert deal.amount == 300
    assert list(deal.product_rows.values_list("product_name", flat=True)) == ["Подарочная упаковка"]


def test_a_payment_in_the_shop_moves_the_deal(connected, stages):
    peer, shop = connected
    shop_pull(shop_id=shop.pk)
    order, deal = deal_of(peer)
    assert deal.stage == stages["New"]

    peer.control("POST", f"/demo/orders/{order['id']}", {"is_paid": True, "status": "P"})
    shop_pull(shop_id=shop.pk)

    deal.refresh_from_db()
    assert deal.stage == stages["Negotiation"]
    assert ShopOrder.objects.get(deal=deal).is_paid
    assert not OrderPush.objects.exists()  # the shop's own change is not pushed back to it


def test_a_deal_won_in_the_crm_sends_its_status_to_the_shop(
    connected, stages, django_capture_on_commit_callbacks
):
    peer, shop = connected
    shop_pull(shop_id=shop.pk)
    order, deal = deal_of(peer)

    with django_capture_on_commit_callbacks(execute=True):  # the send task runs on commit
        deal_move_to_stage(deal=deal, stage=stages["Won"], actor=None)

    push = OrderPush.objects.get()
    assert (push.status, push.status_code, push.is_cancelled) == ("sent", "F", False)
    received = peer.control("GET", "/demo/received")["documents"][-1]
    sent = list(parse_orders(received["text"].encode(received.get("encoding", "utf-8"))))
    assert [line.external_id for line in sent[0].lines] == [
        line["product_id"] for line in order["items"]] + (
        ["ORDER_DELIVERY"] if order["delivery_price"] != "0" else [])  # fmt: skip
    assert sent[0].status_code == "F"
    assert peer.control("GET", f"/demo/orders/{order['id']}")["status"] == "F"
    assert totals(shop_pull(shop_id=shop.pk)) == (0, 0, 0, 0)  # nothing echoes back


def test_a_shop_that_is_down_gets_the_status_later(
    connected, stages, django_capture_on_commit_callbacks
):
    peer, shop = connected
    shop_pull(shop_id=shop.pk)
    order, deal = deal_of(peer)
    Shop.objects.filter(pk=shop.pk).update(exchange_url="http://127.0.0.1:9/down")

    with django_capture_on_commit_callbacks(execute=True):
        deal_move_to_stage(deal=deal, stage=stages["Won"], actor=None)

    push = OrderPush.objects.get()
    assert (push.status, push.attempts) == ("pending", 1)
    assert push.next_attempt_at > timezone.now() and push.last_error
    assert order_pushes_send_due() == 0  # not due yet

    Shop.objects.filter(pk=shop.pk).update(exchange_url=peer.url)
    OrderPush.objects.update(next_attempt_at=timezone.now())
    assert order_pushes_send_due() == 1
    assert peer.control("GET", f"/demo/orders/{order['id']}")["status"] == "F"


def test_a_failed_exchange_is_a_failed_run_and_administrators_hear_of_it(connected, db):
    from activities.models import Notification
    from tests.factories import UserFactory

    administrator = UserFactory(username="root", is_superuser=True)
    _peer, shop = connected
    Shop.objects.filter(pk=shop.pk).update(password="Wr0ng-Pa55")

    runs = shop_pull(shop_id=shop.pk)

    assert [run.status for run in runs] == ["failed"]
    assert "Wr0ng-Pa55" not in runs[0].errors[0]["reason"]  # the password is never shown
    assert Notification.objects.filter(recipient=administrator).count() == 1
    assert Shop.objects.get(pk=shop.pk).sync_lease_until is None  # released


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_in_the_middle_of_a_pull_loses_and_doubles_nothing(
    demo_shop, celery_worker
):
    ORDERS = 5 * BATCH_SIZE  # noqa: N806 (a batch commits at a time: several, to cut into)
    from shopsync.tasks import shop_pull_task
    from tests.factories import currencies, sales_pipeline

    currencies()
    peer = demo_shop(orders=ORDERS)
    shop = Shop.objects.create(name="Demo shop", pipeline=sales_pipeline(), assignment="pool",
                               exchange_url=peer.url, login=LOGIN, password=PASSWORD)  # fmt: skip
    shop_pull_task.delay(shop.pk)
    deadline = time.monotonic() + 60
    while ShopOrder.objects.count() < BATCH_SIZE:  # the first batch is in
        assert time.monotonic() < deadline, celery_worker.log
        time.sleep(0.02)
    celery_worker.process.send_signal(signal.SIGKILL)  # mid-document
    celery_worker.process.wait()
    taken = ShopOrder.objects.count()
    assert BATCH_SIZE <= taken < ORDERS
    assert Shop.objects.get(pk=shop.pk).sync_lease_until > timezone.now()  # left held

    # the lease runs out; the next pull gets the whole document again (no `success`)
    Shop.objects.filter(pk=shop.pk).update(
        sync_lease_until=timezone.now() - datetime.timedelta(seconds=1)
    )
    runs = shop_pull(shop_id=shop.pk)

    assert totals(runs)[:3] == (ORDERS - taken, 0, taken)
    assert ShopOrder.objects.count() == Deal.objects.count() == ORDERS
