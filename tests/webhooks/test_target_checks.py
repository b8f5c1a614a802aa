"""Targets on loopback, private, link-local or reserved addresses are refused (SSRF), when a
subscription is saved and again before every POST."""

import datetime
import socket

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.factories import UserFactory
from webhooks import transport
from webhooks.models import WebhookDelivery, WebhookSubscription
from webhooks.services import webhook_subscription_create, webhook_subscription_update

pytestmark = pytest.mark.django_db
REFUSED = [
    "http://127.0.0.1:8000/admin/",
    "http://localhost:6379/",
    "http://169.254.169.254/latest/",
    "http://10.0.0.5/",
    "http://192.168.1.1/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://0.0.0.0/",
    "http://224.0.0.1/",
]


@pytest.fixture(autouse=True)
def private_targets_refused(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False


@pytest.mark.parametrize("url", REFUSED)
def test_a_target_on_a_private_address_is_refused_when_saved(url):
    with pytest.raises(ValidationError) as refused:
        webhook_subscription_create(name="Local", target_url=url, events=["deal.created"],
                                    actor=None)  # fmt: skip

    [message] = refused.value.message_dict["target_url"]
    assert "must be on the public internet" in message
    assert not WebhookSubscription.objects.exists()


def test_a_target_resolving_to_a_public_address_is_accepted(monkeypatch):
    public = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443))]
    monkeypatch.setattr(transport.socket, "getaddrinfo", lambda *args, **kwargs: public)

    subscription = webhook_subscription_create(
        name="ERP", target_url="https://erp.example.com/hook", events=["deal.created"], actor=None
    )

    assert subscription.target_url == "https://erp.example.com/hook"


def test_a_name_resolving_to_a_private_address_among_others_is_refused(monkeypatch):
    answers = [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 80)),
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", 80)),
    ]
    monkeypatch.setattr(transport.socket, "getaddrinfo", lambda *args, **kwargs: answers)

    with pytest.raises(ValidationError) as refused:
        webhook_subscription_create(name="ERP", target_url="http://erp.example.com/",
                                    events=["deal.created"], actor=None)  # fmt: skip

    assert refused.value.message_dict["target_url"] == [
        "The target URL must be on the public internet: erp.example.com is 10.1.2.3, "
        "a local, private or reserved address."
    ]


def test_the_settings_page_shows_the_refusal_on_the_target_field(client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))

    response = client.post(
        reverse("webhooks:create"),
        {"name": "Metadata", "target_url": "http://169.254.169.254/", "events": ["deal.created"]},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["target_url"] == [
        "The target URL must be on the public internet: 169.254.169.254 is 169.254.169.254, "
        "a local, private or reserved address."
    ]
    assert not WebhookSubscription.objects.exists()


def test_a_delivery_to_a_target_now_on_loopback_fails_without_a_request(
    settings, receiver, monkeypatch
):
    # given: saved while allowed (or while its name resolved elsewhere), then refused
    server = receiver(200)
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    subscription = webhook_subscription_create(name="ERP", target_url=server.url,
                                               events=["deal.created"], actor=None)  # fmt: skip
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    delivery = WebhookDelivery.objects.create(
        subscription=subscription, event="deal.created", payload={"data": {}},
        next_try_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
    )  # fmt: skip

    # when
    from webhooks.services import webhook_delivery_send

    webhook_delivery_send(delivery_id=delivery.pk)

    # then
    delivery.refresh_from_db()
    assert server.requests == []
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.last_response_code is None
    assert delivery.last_error == (
        "The target URL must be on the public internet: 127.0.0.1 is 127.0.0.1, "
        "a local, private or reserved address."
    )
    assert delivery.attempt_log.get().error == delivery.last_error


def test_post_connects_to_the_checked_address_and_keeps_the_name_as_host(receiver, monkeypatch):
    server = receiver(200)
    port = int(server.url.split(":")[2].split("/")[0])
    resolved = []

    def getaddrinfo(host, *args, **kwargs):
        resolved.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(transport.socket, "getaddrinfo", getaddrinfo)

    result = transport.post(url=f"http://receiver.test:{port}/hooks/crm?x=1", body=b"{}",
                            headers={}, timeout=5, allow_private=True)  # fmt: skip

    assert (result.outcome, result.response_code, result.error) == (
        transport.Outcome.DELIVERED, 200, "")  # fmt: skip
    # the name is resolved once; the connection is opened to the checked address itself
    assert resolved == ["receiver.test", "127.0.0.1"]
    [request] = server.requests
    assert request.path == "/hooks/crm?x=1"
    assert request.headers["Host"] == f"receiver.test:{port}"


def test_an_update_to_a_private_target_is_refused(settings, monkeypatch):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    subscription = webhook_subscription_create(name="ERP", target_url="http://192.0.2.1/",
                                               events=["deal.created"], actor=None)  # fmt: skip
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False

    with pytest.raises(ValidationError) as refused:
        webhook_subscription_update(subscription=subscription, actor=None,
                                    data={"target_url": "http://127.0.0.1:5432/"})  # fmt: skip

    assert list(refused.value.message_dict) == ["target_url"]
    subscription.refresh_from_db()
    assert subscription.target_url == "http://192.0.2.1/"
