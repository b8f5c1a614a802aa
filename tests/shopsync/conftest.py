"""The demo CommerceML shop as the peer of the shop-integration tests: started on a free
port of 127.0.0.1 per test, driven through its control API."""

import http.client
import json
from urllib.parse import urlsplit

import pytest
from django.test import override_settings

from demo_shop.exchange import ExchangeSettings
from demo_shop.server import start
from demo_shop.shop import Shop as DemoShopState
from shopsync.commerceml.client import ExchangeClient
from shopsync.models import Shop, ShopStatusStage

LOGIN = "crm"
PASSWORD = "s3cret-Pa55"


@pytest.fixture(autouse=True)
def _media_in_tmp(tmp_path):
    """The raw documents the runs keep go to the test's own folder."""
    with override_settings(MEDIA_ROOT=tmp_path / "media"):
        yield


class DemoShop:
    def __init__(self, running):
        self.running = running
        self.url = running.exchange_url

    def client(self, **options) -> ExchangeClient:
        return ExchangeClient(url=self.url, login=LOGIN, password=PASSWORD, **options)

    def control(self, method: str, path: str, data: dict | None = None):
        """The demo shop's control API; returns the JSON answer."""
        address = urlsplit(self.running.url)
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=5)
        try:
            body = None if data is None else json.dumps(data).encode()
            connection.request(method, path, body=body)
            response = connection.getresponse()
            assert response.status in (200, 201), response.read()
            return json.load(response)
        finally:
            connection.close()


@pytest.fixture
def demo_shop():
    """Start a demo shop on a free port: demo_shop(orders=4, zip=True, file_limit=256, ...)."""
    started = []

    def make(*, orders: int = 4, **settings) -> DemoShop:
        shop = DemoShopState(data_path=None, initial_orders=orders, seed=7)
        running = start(shop, ExchangeSettings(login=LOGIN, password=PASSWORD, **settings))
        started.append(running)
        return DemoShop(running)

    yield make
    for running in started:
        running.stop()


@pytest.fixture
def stages(pipeline):
    return {stage.name: stage for stage in pipeline.stages.all()}


@pytest.fixture
def connected(pipeline, stages, demo_shop):
    """The demo shop with 8 orders, and the CRM's shop connected to it, statuses mapped."""
    peer = demo_shop(orders=8)
    shop = Shop.objects.create(name="Demo shop", pipeline=pipeline, assignment="pool",
                               exchange_url=peer.url, login=LOGIN, password=PASSWORD)  # fmt: skip
    for code, stage in (("N", "New"), ("P", "Negotiation"), ("F", "Won")):
        ShopStatusStage.objects.create(shop=shop, status_code=code, stage=stages[stage])
    return peer, shop
