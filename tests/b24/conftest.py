"""The Bitrix24-compatible surface's tests: webhooks of the sales staff, and the official
b24pysdk pointed at this CRM on a live test server."""

import importlib

import pytest
from b24pysdk import BitrixWebhook, Client

from b24.services import webhook_create
from tests.factories import sales_staff


@pytest.fixture
def staff(pipeline, statuses):
    """ "responsible" and "other", managers who see their own items; "head" of Wholesale."""
    return sales_staff()


@pytest.fixture
def webhook_of():
    """webhook_of(user, scopes=("crm", "user")) -> "<user id>/<code>", a new webhook's token."""

    def make(user, scopes=("crm", "user")) -> str:
        _webhook, code = webhook_create(user=user, name="Shop", scopes=list(scopes))
        return f"{user.pk}/{code}"

    return make


@pytest.fixture
def sdk(live_server, monkeypatch, webhook_of):
    """sdk(user) -> a b24pysdk Client calling this CRM as `user` through a webhook. The SDK
    builds https:// URLs only; its one base-URL property is pointed at the plain-HTTP server."""
    callers = importlib.import_module("b24pysdk.api.callers.call_method")
    monkeypatch.setattr(callers._MethodCaller, "_base_url",
                        property(lambda caller: f"{live_server.url}/rest"))  # fmt: skip
    host = live_server.url.removeprefix("http://")

    def client_of(user, scopes=("crm", "user")) -> Client:
        return Client(BitrixWebhook(domain=host, webhook_token=webhook_of(user, scopes)))

    return client_of
