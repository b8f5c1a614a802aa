"""New orders in bulk: the same deals, clients and events as one by one, and a batch the
database refuses falls back to one by one, so only the bad order fails."""

from decimal import Decimal

import pytest
from django.db import connection

from activities.models import Notification, TimelineEvent
from catalog.services import ProductRowInput
from contacts.models import Contact
from deals.events import DealCreated, DealStageChanged
from deals.models import Deal, DealStageChange
from deals.services import DealDraft, deal_create_many
from shopsync.commerceml.parser import parse_orders
from shopsync.documents import document_ingest
from shopsync.models import Shop, ShopCustomer, ShopOrder
from shopsync.services import deal_content_digests, written_deal_content_digests
from tests.factories import ProductFactory, UserFactory
from tests.shopsync import hostile


@pytest.fixture
def shop(pipeline):
    manager = UserFactory(username="manager")
    return Shop.objects.create(name="Kettles", pipeline=pipeline, assignment="fixed",
                               responsible=manager)  # fmt: skip


def ingest(shop, *documents: str):
    return document_ingest(shop=shop, document=hostile.commerceml(*documents).encode(),
                           kind="upload")  # fmt: skip


def test_a_batch_makes_what_one_by_one_makes(
    shop, record_events, django_capture_on_commit_callbacks
):
    delivered = record_events(DealCreated, DealStageChanged)

    with django_capture_on_commit_callbacks(execute=True):
        run = ingest(shop, hostile.order("1"), hostile.order("2", total="3000.00",
                     lines=hostile.line(quantity="2", amount="3000.00")))  # fmt: skip

    assert (run.created, run.failed) == (2, 0)
    deals = {order.external_id: order.deal for order in ShopOrder.objects.select_related("deal")}
    assert (deals["1"].amount, deals["2"].amount) == (Decimal("1500.00"), Decimal("3000.00"))
    first = shop.pipeline.stages.order_by("sort").first()
    assert {deal.stage_id for deal in deals.values()} == {first.pk}
    assert DealStageChange.objects.filter(from_stage=None, to_stage=first).count() == 2
    for deal in deals.values():
        kinds = TimelineEvent.objects.filter(entity_type="deal", entity_id=deal.pk)
        assert sorted(kinds.values_list("kind", flat=True)) == ["created", "order_synced"]
    assert [type(event).__name__ for event in delivered] == [
        "DealCreated", "DealStageChanged", "DealCreated", "DealStageChanged"]  # fmt: skip
    assert Notification.objects.filter(recipient=shop.responsible).count() == 2


def test_one_buyer_ordering_twice_in_a_document_is_one_contact(shop):
    ingest(shop, hostile.order("1"), hostile.order("2"))

    assert Contact.objects.count() == 1
    assert ShopCustomer.objects.get().customer_id == "7"
    assert {order.deal.contact_links.get().contact_id for order in ShopOrder.objects.all()} == {
        Contact.objects.get().pk}  # fmt: skip


def test_an_order_the_database_refuses_fails_alone(shop):
    run = ingest(shop, hostile.order("1"),
                 hostile.order("2", lines=hostile.line(quantity="0", amount="0")),
                 hostile.order("3"))  # fmt: skip

    assert (run.created, run.failed) == (2, 1)
    assert run.errors[0]["order"] == "2" and run.errors[0]["reason"]
    assert set(ShopOrder.objects.values_list("external_id", flat=True)) == {"1", "3"}
    assert Deal.objects.count() == 2


def test_an_order_twice_in_one_document_is_created_then_updated(shop):
    run = ingest(shop, hostile.order("1"),
                 hostile.order("1", total="3000.00",
                               lines=hostile.line(quantity="2", amount="3000.00")))  # fmt: skip

    assert (run.created, run.updated) == (1, 1)
    assert ShopOrder.objects.get().deal.amount == Decimal("3000.00")


def test_a_batch_keeps_each_orders_document_and_its_deals_digest(shop):
    first, second = hostile.order("1"), hostile.order("2", requisites=hostile.requisite(
        "Статуса заказа ИД", "N"))  # fmt: skip

    ingest(shop, first, second)

    orders = ShopOrder.objects.select_related("deal").order_by("external_id")
    parsed = parse_orders(hostile.commerceml(first, second).encode())
    assert [bytes(order.document) for order in orders] == [order.xml for order in parsed]
    digests = deal_content_digests([order.deal for order in orders])
    assert [order.synced_digest for order in orders] == [digests[order.deal_id] for order in orders]
    assert len({order.crm_id for order in orders}) == 2
    assert orders[1].status_code == "N"
    synced = TimelineEvent.objects.get(entity_id=orders[0].deal_id, kind="order_synced")
    assert synced.payload == {"shop": "Kettles", "outcome": "created", "order": "1"}


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="elsewhere the written digest is the one read back")  # fmt: skip
def test_the_digest_of_the_rows_written_is_the_digest_read_back(pipeline, money):
    # given: values the database pads or rounds to their column's places, and a -0
    rows = [
        ProductRowInput(quantity=Decimal("1.5"), product=ProductFactory(), price=Decimal("10.005"),
                        discount_type="amount", discount_amount=Decimal("-0"),
                        tax_rate=Decimal("20")),
        ProductRowInput(quantity=Decimal(1), product_name="Delivery", price=Decimal(300),
                        discount_type="amount", discount_amount=Decimal("0.125")),
    ]  # fmt: skip
    drafts = [DealDraft(title=f"Order {number}", pipeline=pipeline, currency=money["RUB"],
                        product_rows=rows[:number], fields={"comments": "Ring\tthe bell"})
              for number in (0, 1, 2)]  # fmt: skip

    # when
    created = deal_create_many(drafts=drafts)

    # then
    assert written_deal_content_digests(created) == deal_content_digests(
        [each.deal for each in created])  # fmt: skip
    assert len(set(written_deal_content_digests(created).values())) == 3
