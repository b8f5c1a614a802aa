"""COPY inserts: every value as the ORM would write it, the other fields at their default."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from activities.models import TimelineEvent
from catalog.models import ProductRow
from core.copy_insert import ids_reserve, objects_copy_insert, rows_copy_insert
from shopsync.models import Shop, ShopOrder
from tests.factories import DealFactory

NOW = datetime.datetime(2026, 11, 24, 10, 30, tzinfo=datetime.UTC)


@pytest.mark.django_db
def test_rows_copy_insert_writes_each_value_and_the_defaults():
    # given: text COPY must escape, bytes, a dict, None and booleans
    shop = Shop.objects.create(name="Kettles")
    first, second = DealFactory(), DealFactory()
    document = bytes(range(256)) + "\\x\t\n\r<Ид>".encode()

    # when
    rows_copy_insert(
        ShopOrder,
        [{"shop": shop, "external_id": "1\t\\N", "deal": first, "received_at": NOW,
          "document": document, "is_paid": True, "ordered_at": None},
         {"shop": shop, "external_id": "2\r\n", "deal": second.pk, "received_at": NOW,
          "document": b"", "is_paid": False, "ordered_at": NOW}],
        now=NOW,
    )  # fmt: skip
    rows_copy_insert(
        TimelineEvent,
        [{"entity_type": "deal", "entity_id": first.pk, "kind": TimelineEvent.Kind.ORDER_SYNCED,
          "payload": {"order": "№ 1\t\\", "count": 2}, "created_at": NOW}],
        now=NOW,
    )  # fmt: skip

    # then
    one, two = ShopOrder.objects.order_by("external_id")
    assert (one.external_id, one.deal, bytes(one.document), one.is_paid, one.ordered_at) == (
        "1\t\\N", first, document, True, None)  # fmt: skip
    assert (two.external_id, two.deal, bytes(two.document), two.is_paid, two.ordered_at) == (
        "2\r\n", second, b"", False, NOW)  # fmt: skip
    assert (one.created_at, one.updated_at, one.number, one.is_created_in_crm) == (
        NOW, NOW, "", False)  # fmt: skip
    assert one.crm_id != two.crm_id  # a callable default is called per row
    event = TimelineEvent.objects.get()
    assert (event.payload, event.actor) == ({"order": "№ 1\t\\", "count": 2}, None)


@pytest.mark.django_db
def test_rows_copy_insert_refusing_a_row_inserts_none():
    deal = DealFactory()
    rows = [{"deal": deal, "product_name": "Kettle", "price": Decimal("1.00")},
            {"deal": deal, "product_name": "Cup", "price": None}]  # fmt: skip

    with pytest.raises(IntegrityError), transaction.atomic():
        rows_copy_insert(ProductRow, rows, now=NOW)

    assert not ProductRow.objects.exists()


@pytest.mark.django_db
def test_objects_copy_insert_saves_the_objects_with_new_ids():
    # given
    deal = DealFactory()
    rows = [ProductRow(deal=deal, product_name=name, price=Decimal(price))
            for name, price in (("Kettle", "10.50"), ("Cup", "2"))]  # fmt: skip

    # when
    objects_copy_insert(ProductRow, rows, now=NOW)

    # then
    assert [row.pk for row in rows] == sorted(row.pk for row in rows)
    assert not any(row._state.adding for row in rows)
    assert list(ProductRow.objects.order_by("pk").values_list(
        "pk", "product_name", "price", "quantity", "created_at")) == [
        (rows[0].pk, "Kettle", Decimal("10.50"), Decimal(1), NOW),
        (rows[1].pk, "Cup", Decimal("2.00"), Decimal(1), NOW)]  # fmt: skip
    assert rows[0].created_at == NOW


@pytest.mark.django_db
def test_ids_reserve_takes_ids_nobody_else_gets():
    reserved = ids_reserve(ProductRow, 3)

    row = ProductRow.objects.create(deal=DealFactory(), product_name="Kettle", price=1)

    assert len(set(reserved)) == 3
    assert row.pk > max(reserved)
    assert ids_reserve(ProductRow, 0) == []
