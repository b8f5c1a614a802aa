"""Changes made in the CRM going to the shop, over real HTTP against the demo shop: a deal
made an order of the shop ("a deal by phone"), products and payment changed in a pulled
order's deal, and a REST shop's callback; the fields the shop owns stay read-only."""

import hashlib
import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from activities.models import TimelineEvent
from catalog.models import Product
from catalog.services import ProductRowInput
from contacts.models import Contact
from contacts.services import CommunicationInput, contact_create
from core.errors import ApplicationError
from deals.models import Deal
from deals.services import deal_create, deal_move_to_stage, deal_set_product_rows, deal_update
from shopsync.crm_orders import deal_bind_to_shop
from shopsync.models import OrderPush, Shop, ShopOrder
from shopsync.pull import shop_pull
from shopsync.push import order_push_send, order_pushes_send_due
from shopsync.services import order_ingest
from tests.factories import UserFactory, role, user_with_role
from tests.shopsync.test_intake import an_order
from tests.shopsync.test_sync import deal_of, totals
from webhooks.signing import signature_is_valid

D = Decimal


@pytest.fixture
def phone_deal(pipeline, money):
    """A deal a manager made from a call: a client and two catalog products."""
    manager = user_with_role("manager", "own")
    client = contact_create(
        actor=manager, last_name="Sidorova", first_name="Olga",
        communications=[CommunicationInput(kind="email", value="olga@example.com"),
                        CommunicationInput(kind="phone", value="+7 916 000-11-22")],
    )  # fmt: skip
    kettle = Product.objects.create(name="Kettle", price=D(1990), currency_id="RUB")
    cup = Product.objects.create(name="Cup", price=D(250), currency_id="RUB")
    return deal_create(
        title="Kettle by phone", actor=manager, pipeline=pipeline, currency=money["RUB"],
        responsible=manager, contacts=[client],
        product_rows=[
            ProductRowInput(product=kettle, product_name="Kettle", quantity=D(1), price=D(1990),
                            price_currency=money["RUB"]),
            ProductRowInput(product=cup, product_name="Cup", quantity=D(4), price=D(250),
                            price_currency=money["RUB"]),
        ],
    )  # fmt: skip


def test_a_deal_made_an_order_is_created_in_the_shop_and_bound_to_it_on_the_next_pull(
    connected, phone_deal, django_capture_on_commit_callbacks
):
    peer, shop = connected
    before = {order["id"] for order in peer.control("GET", "/demo/orders")["orders"]}

    with django_capture_on_commit_callbacks(execute=True):  # the push is sent on commit
        shop_order = deal_bind_to_shop(deal=phone_deal, shop=shop, actor=phone_deal.responsible)

    assert OrderPush.objects.get().status == "sent"
    (created,) = [o for o in peer.control("GET", "/demo/orders")["orders"] if o["id"] not in before]
    assert [(item["name"], D(item["quantity"])) for item in created["items"]] == [
        ("Kettle", 1), ("Cup", 4)]  # fmt: skip
    assert created["buyer"]["email"] == "olga@example.com"

    runs = shop_pull(shop_id=shop.pk)

    assert totals(runs) == (8, 1, 0, 0)  # the shop's 8 orders, and ours named
    shop_order.refresh_from_db()
    assert shop_order.external_id == str(created["id"])
    assert ShopOrder.objects.filter(deal=phone_deal).count() == 1
    assert Deal.objects.count() == 9  # no second deal for our own order
    phone_deal.refresh_from_db()
    assert phone_deal.amount == D(2990)
    # the shop sent our products back under our ids: the same catalog products, no new ones
    assert Product.objects.filter(name__in=("Kettle", "Cup")).count() == 2
    assert set(phone_deal.product_rows.values_list("product__name", flat=True)) == {
        "Kettle", "Cup"}  # fmt: skip


def test_only_an_open_deal_with_a_client_and_products_becomes_an_order(connected, phone_deal):
    _peer, shop = connected
    deal_set_product_rows(deal=phone_deal, rows=[], actor=None)
    with pytest.raises(ApplicationError, match="products"):
        deal_bind_to_shop(deal=phone_deal, shop=shop, actor=None)
    assert not ShopOrder.objects.exists()


def test_products_changed_in_the_crm_go_to_the_shop_and_come_back_without_a_conflict(
    connected, money, django_capture_on_commit_callbacks
):
    peer, shop = connected
    shop_pull(shop_id=shop.pk)
    order, deal = deal_of(peer)
    teapot = Product.objects.create(name="Teapot", price=D(700), currency_id="RUB")

    with django_capture_on_commit_callbacks(execute=True):
        deal_set_product_rows(deal=deal, actor=deal.responsible, rows=[
            ProductRowInput(product=teapot, product_name="Teapot", quantity=D(2), price=D(700),
                            price_currency=money["RUB"]),
        ])  # fmt: skip

    in_shop = peer.control("GET", f"/demo/orders/{order['id']}")
    assert [(item["name"], D(item["quantity"])) for item in in_shop["items"]] == [("Teapot", 2)]
    peer.control("POST", f"/demo/orders/{order['id']}", {"status": "P"})
    runs = shop_pull(shop_id=shop.pk)
    assert totals(runs) == (0, 1, 0, 0)
    deal.refresh_from_db()
    assert list(deal.product_rows.values_list("product__name", "quantity")) == [("Teapot", 2)]
    assert not TimelineEvent.objects.filter(entity_type="deal", entity_id=deal.pk,
                                            payload__outcome="conflict").exists()  # fmt: skip


def test_a_deal_paid_in_the_crm_marks_the_order_paid_in_the_shop(
    connected, django_capture_on_commit_callbacks
):
    peer, shop = connected
    shop_pull(shop_id=shop.pk)
    order, deal = deal_of(peer)

    with django_capture_on_commit_callbacks(execute=True):
        deal_update(deal=deal, actor=None, data={"payment_percent": D(100)})

    assert peer.control("GET", f"/demo/orders/{order['id']}")["is_paid"] is True


def test_a_change_made_while_a_push_is_on_its_way_is_sent_after_it(connected, stages, monkeypatch):
    peer, shop = connected
    shop_pull(shop_id=shop.pk)
    order, deal = deal_of(peer)
    deal_move_to_stage(deal=deal, stage=stages["Negotiation"], actor=None)
    push = OrderPush.objects.get()
    from shopsync.commerceml import client

    real_upload = client.ExchangeClient.upload

    def upload_then_win(self, *args, **kwargs):  # the real upload, and a move meanwhile
        answer = real_upload(self, *args, **kwargs)
        deal_move_to_stage(deal=Deal.objects.get(pk=deal.pk), stage=stages["Won"], actor=None)
        return answer

    monkeypatch.setattr(client.ExchangeClient, "upload", upload_then_win)
    assert order_push_send(push_id=push.pk)
    push.refresh_from_db()
    assert push.status == "pending"  # the move to Won is still to be sent
    monkeypatch.setattr(client.ExchangeClient, "upload", real_upload)

    assert order_pushes_send_due() == 1
    assert peer.control("GET", f"/demo/orders/{order['id']}")["status"] == "F"


class CallbackReceiver(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 - the name http.server calls
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@pytest.fixture
def callback_url(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # the receiver is on loopback
    CallbackReceiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), CallbackReceiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/orders/callback"
    server.shutdown()


def test_a_rest_shop_hears_of_its_orders_changes_at_its_callback_url(
    pipeline, stages, callback_url, django_capture_on_commit_callbacks
):
    from shopsync.services import shop_token_rotate

    shop = Shop.objects.create(name="REST shop", pipeline=pipeline, assignment="pool",
                               callback_url=callback_url)  # fmt: skip
    token = shop_token_rotate(shop=shop)
    shop.refresh_from_db()
    deal = order_ingest(shop=shop, order=an_order()).deal

    with django_capture_on_commit_callbacks(execute=True):
        deal_move_to_stage(deal=deal, stage=stages["Lost"], actor=None)

    ((headers, body),) = CallbackReceiver.received
    payload = json.loads(body)
    assert (payload["order_id"], payload["is_cancelled"], payload["deal"]["id"]) == (
        "1042", True, deal.pk)  # fmt: skip
    assert [line["name"] for line in payload["lines"]] == ["Kettle", "Courier"]
    key = hashlib.sha256(token.encode()).hexdigest()  # what the shop computes from its token
    assert signature_is_valid(secret=key, timestamp=headers["X-CRM-Timestamp"], body=body,
                              signature=headers["X-CRM-Signature"])  # fmt: skip
    assert OrderPush.objects.get().status == "sent"


def test_the_fields_the_shop_owns_are_read_only_for_people(pipeline, money, client):
    shop = Shop.objects.create(name="Kettles", pipeline=pipeline, assignment="pool")
    deal = order_ingest(shop=shop, order=an_order(comment="Ring twice")).deal
    manager = UserFactory(username="boss", is_superuser=True)

    with pytest.raises(ApplicationError, match="shop order"):
        deal_update(deal=deal, actor=manager, data={"comments": "Changed"})
    deal_update(deal=deal, actor=manager, data={"title": "Renamed"})  # the rest is the CRM's

    client.force_login(manager)
    card = client.get(reverse("deals:detail", args=[deal.pk])).content.decode()
    comments = card.split('data-testid="field-comments"')[1].split("</div>")[0]
    assert "readonly" in comments and "hx-get" not in comments
    panel = client.get(reverse("shopsync:deal-order", args=[deal.pk])).content.decode()
    assert "A-1042" in panel and "Kettles" in panel


def test_a_manager_sends_a_deal_to_a_shop_from_its_card(
    connected, phone_deal, client, django_capture_on_commit_callbacks
):
    peer, shop = connected
    client.force_login(phone_deal.responsible)

    panel = client.get(reverse("shopsync:deal-order", args=[phone_deal.pk])).content.decode()
    assert "Demo shop" in panel
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(reverse("shopsync:deal-order-create", args=[phone_deal.pk]),
                             {"shop": shop.pk})  # fmt: skip

    assert answer.status_code == 302
    assert ShopOrder.objects.get(deal=phone_deal).is_created_in_crm
    assert Contact.objects.count() == 1


def test_the_shop_order_panel_and_sending_follow_the_deal_scope(connected, phone_deal, client):
    _peer, shop = connected
    outsider, viewer = user_with_role("outsider", "own"), UserFactory(username="viewer")
    viewer.roles.add(role("Viewers", "all", actions=["view"]))
    panel = reverse("shopsync:deal-order", args=[phone_deal.pk])
    send = reverse("shopsync:deal-order-create", args=[phone_deal.pk])

    client.force_login(outsider)  # may not see the deal: it does not exist for them
    assert client.get(panel).status_code == 404
    assert client.post(send, {"shop": shop.pk}).status_code == 404
    client.logout()
    assert client.get(panel).status_code == 302  # to the login page
    client.force_login(viewer)
    assert "Create the order" not in client.get(panel).content.decode()
    assert not ShopOrder.objects.exists()
