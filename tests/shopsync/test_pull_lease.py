"""One pull per shop at a time, and a crashed pull never holds its shop for good."""

import datetime

import pytest
from django.utils import timezone

from shopsync.models import Shop
from shopsync.pull import (
    SHOP_LEASE,
    ShopBusy,
    shops_due_for_pull,
)


@pytest.fixture
def shop(db):
    return Shop.objects.create(name="Kettles", assignment="pool",
                               exchange_url="http://127.0.0.1:9/exchange")  # fmt: skip


def test_a_second_pull_of_a_held_shop_is_refused_until_the_first_releases_it(shop):
    owner = SHOP_LEASE.take(shop.pk)

    with pytest.raises(ShopBusy):
        SHOP_LEASE.take(shop.pk)
    assert shop.pk not in shops_due_for_pull()

    SHOP_LEASE.release(shop.pk, owner)
    assert SHOP_LEASE.take(shop.pk)


def test_the_lease_of_a_pull_killed_midway_runs_out(shop):
    SHOP_LEASE.take(shop.pk)  # and the worker dies: nobody releases it
    Shop.objects.filter(pk=shop.pk).update(sync_lease_until=timezone.now() - datetime.timedelta(1))

    owner = SHOP_LEASE.take(shop.pk)

    assert owner


def test_a_pull_whose_lease_was_taken_over_stops_renewing(shop):
    stale = SHOP_LEASE.take(shop.pk)
    Shop.objects.filter(pk=shop.pk).update(sync_lease_until=timezone.now() - datetime.timedelta(1))
    SHOP_LEASE.take(shop.pk)

    with pytest.raises(ShopBusy):
        SHOP_LEASE.renew(shop.pk, stale)


def test_shops_are_due_by_their_interval(shop):
    assert shops_due_for_pull() == [shop.pk]
    Shop.objects.filter(pk=shop.pk).update(last_pull_at=timezone.now())
    assert shops_due_for_pull() == []
    Shop.objects.filter(pk=shop.pk).update(
        last_pull_at=timezone.now() - datetime.timedelta(minutes=6)
    )
    assert shops_due_for_pull() == [shop.pk]
