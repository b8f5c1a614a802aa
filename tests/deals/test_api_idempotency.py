"""Twenty clients POST the same deal with one Idempotency-Key at the same moment, each on its
own database connection: one deal is created and every client gets its answer."""

import threading

import pytest
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from deals.models import Deal
from tests.factories import currencies, sales_pipeline, user_with_role

CLIENTS = 20


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_with_one_idempotency_key_create_one_deal():
    # given
    currencies()
    sales_pipeline()
    manager = user_with_role("ivanov")
    start = threading.Barrier(CLIENTS)
    answers, errors = [], []

    def post():
        try:
            api = APIClient()
            api.force_authenticate(manager)
            start.wait(timeout=30)
            response = api.post(reverse("api:deal-list"), {"title": "Order 9001"},
                                headers={"Idempotency-Key": "shop-order-9001"})  # fmt: skip
            answers.append((response.status_code, response.json().get("id")))
        except Exception as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=post) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # then
    assert errors == []
    assert Deal.objects.filter(title="Order 9001").count() == 1
    deal_id = Deal.objects.get(title="Order 9001").pk
    assert sorted(answers) == [(201, deal_id)] * CLIENTS
