"""REST push of shop orders: the shop's token, the same idempotent intake, clear errors."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from deals.models import Deal
from shopsync.models import Shop, SyncRun
from shopsync.services import shop_token_rotate

URL = "/api/v1/shop-orders/"
ORDER = {
    "id": "1042", "number": "A-1042", "version": "1", "currency": "RUB",
    "customer": {"customer_id": "77", "last_name": "Ivanova", "email": "anna@example.com"},
    "items": [{"product_id": "SKU-1", "name": "Kettle", "quantity": "2", "price": "1990.00"}],
    "delivery_price": "300", "delivery_method": "Courier",
}  # fmt: skip


@pytest.fixture
def shop_client(pipeline):
    shop = Shop.objects.create(name="Kettles", pipeline=pipeline, assignment="pool")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {shop_token_rotate(shop=shop)}")
    return client


def test_only_a_shop_token_pushes_orders(shop_client, pipeline):
    inactive = Shop.objects.create(name="Closed", pipeline=pipeline, is_active=False)
    closed = APIClient()
    closed.credentials(HTTP_AUTHORIZATION=f"Bearer {shop_token_rotate(shop=inactive)}")
    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    assert APIClient().post(URL, ORDER, format="json").status_code in (401, 403)
    assert wrong.post(URL, ORDER, format="json").status_code == 401
    assert closed.post(URL, ORDER, format="json").status_code == 401
    assert shop_client.get(URL).status_code == 405
    assert not Deal.objects.exists()


def test_an_order_pushed_twice_makes_one_deal_and_the_answer_names_it(shop_client):
    first = shop_client.post(URL, ORDER, format="json")
    again = shop_client.post(URL, ORDER, format="json")

    deal = Deal.objects.get()
    assert first.status_code == 201
    assert first.json() == {"deal_id": deal.pk, "outcome": "created", "conflict": False,
                            "deal_url": f"http://testserver/deals/{deal.pk}/"}  # fmt: skip
    assert (again.status_code, again.json()["outcome"]) == (200, "unchanged")
    assert deal.amount == 4280  # 2 × 1990 + 300 delivery
    runs = SyncRun.objects.order_by("pk")
    assert [(run.kind, run.created, run.unchanged) for run in runs] == [
        ("rest", 1, 0), ("rest", 0, 1)]  # fmt: skip


def test_bad_orders_get_clear_errors_and_leave_nothing(shop_client):
    unknown = shop_client.post(URL, ORDER | {"colour": "red"}, format="json")
    no_items = shop_client.post(URL, ORDER | {"items": []}, format="json")
    currency = shop_client.post(URL, ORDER | {"currency": "XYZ"}, format="json")

    assert unknown.status_code == 400 and "colour" in str(unknown.json())
    assert no_items.status_code == 400 and "items" in str(no_items.json())
    assert currency.status_code == 409 and "XYZ" in str(currency.json())
    assert not Deal.objects.exists()


def test_a_shop_pushing_too_fast_is_told_to_wait(shop_client, settings):
    settings.SHOP_PUSH_THROTTLE_RATE = "2/min"
    cache.clear()

    answers = [shop_client.post(URL, ORDER | {"id": str(n)}, format="json") for n in range(3)]

    assert [answer.status_code for answer in answers] == [201, 201, 429]
