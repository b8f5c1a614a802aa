"""Bitrix24's outgoing events (ONCRMDEALADD …) through the outgoing-webhook outbox: a
subscription in the "bitrix24" format gets Bitrix24's form-encoded event callbacks on a real
loopback receiver, with the subscription's secret as auth[application_token]."""

import json
import urllib.parse

import pytest
from b24pysdk.credentials import OAuthEventData
from django.core.exceptions import ValidationError
from django.urls import reverse

from contacts.services import company_create, contact_create, contact_delete
from deals.services import deal_create, deal_move_to_pipeline, deal_move_to_stage
from leads.services import lead_create, lead_update
from tests.factories import UserFactory, sales_pipeline
from tests.webhooks.receiver import Receiver
from webhooks.formats import member_id, php_flatten
from webhooks.models import PayloadFormat, WebhookDelivery, WebhookSubscription
from webhooks.services import (
    webhook_delivery_redeliver,
    webhook_subscription_create,
    webhook_subscription_update,
)
from webhooks.signing import signature_is_valid

transactional = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def private_targets_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.ALLOWED_HOSTS = ["crm.example.com", "localhost", "testserver"]


@pytest.fixture
def receiver():
    servers = []

    def start(*statuses):
        servers.append(Receiver(statuses or (200,)).__enter__())
        return servers[-1]

    yield start
    for server in servers:
        server.__exit__(None, None, None)


def _subscribe(url, events, name="Bitrix app") -> WebhookSubscription:
    return webhook_subscription_create(
        name=name, target_url=url, events=list(events), payload_format="bitrix24", actor=None
    )


def _form(request) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(request.body.decode(), strict_parsing=True))


@transactional
def test_a_created_deal_is_posted_form_encoded_in_bitrix24s_shape(pipeline, receiver):
    # given
    server = receiver(200)
    subscription = _subscribe(server.url, ["ONCRMDEALADD"])

    # when
    deal = deal_create(title="Order 42", actor=UserFactory(username="manager"))

    # then
    [request] = server.requests
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.headers["X-CRM-Event"] == "ONCRMDEALADD"
    form = _form(request)
    assert form == {
        "event": "ONCRMDEALADD",
        "event_handler_id": str(subscription.pk),
        "data[FIELDS][ID]": str(deal.pk),
        "ts": form["ts"],
        "auth[domain]": "crm.example.com",
        "auth[client_endpoint]": "https://crm.example.com/rest/",
        "auth[server_endpoint]": "https://crm.example.com/rest/",
        "auth[member_id]": member_id(),
        "auth[application_token]": subscription.secret,
    }
    assert form["ts"].isdigit()
    assert len(member_id()) == 32 and member_id() == member_id()
    # the HMAC signature is there too, over the exact bytes
    assert signature_is_valid(
        secret=subscription.secret,
        timestamp=request.headers["X-CRM-Timestamp"],
        body=request.body,
        signature=request.headers["X-CRM-Signature"],
    )
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.payload_format) == ("delivered", PayloadFormat.BITRIX24)
    assert "auth" not in delivery.payload  # the secret is added when sent, not logged


@transactional
def test_the_official_sdk_parses_the_event(pipeline, receiver):
    server = receiver(200)
    subscription = _subscribe(server.url, ["ONCRMDEALADD"])

    deal = deal_create(title="Order", actor=None)

    [request] = server.requests
    event = OAuthEventData.from_dict(urllib.parse.parse_qs(request.body.decode()))
    assert (event.event, event.event_handler_id) == ("ONCRMDEALADD", subscription.pk)
    assert event.data == {"FIELDS": {"ID": str(deal.pk)}}
    assert event.auth.application_token == subscription.secret
    assert event.auth.domain == "crm.example.com" and event.is_system


@transactional
def test_lead_contact_and_company_events_carry_only_the_id(pipeline, statuses, receiver):
    # given
    server = receiver(200)
    _subscribe(
        server.url, ["ONCRMLEADUPDATE", "ONCRMCONTACTDELETE", "ONCRMCOMPANYADD", "ONCRMDEALDELETE"]
    )

    # when
    lead = lead_create(title="Website lead", actor=None)  # ONCRMLEADADD: not wanted
    lead_update(lead=lead, actor=None, data={"title": "Website lead, called"})
    contact = contact_create(first_name="Ann", last_name="Lee", actor=None)
    contact_id = contact.pk
    contact_delete(contact=contact, actor=None)
    company = company_create(title="Acme", actor=None)

    # then
    sent = [(_form(r)["event"], _form(r)["data[FIELDS][ID]"]) for r in server.requests]
    assert sent == [
        ("ONCRMLEADUPDATE", str(lead.pk)),
        ("ONCRMCONTACTDELETE", str(contact_id)),
        ("ONCRMCOMPANYADD", str(company.pk)),
    ]
    assert all(
        not key.startswith("data[") or key == "data[FIELDS][ID]"
        for request in server.requests
        for key in _form(request)
    )


@transactional
def test_a_stage_move_is_a_deal_update_and_a_json_subscriber_is_unchanged(pipeline, receiver):
    # given: one subscriber of each format on the same events
    bitrix, plain = receiver(200), receiver(200)
    _subscribe(bitrix.url, ["ONCRMDEALADD", "ONCRMDEALUPDATE", "ONCRMDEALMOVETOCATEGORY"])
    webhook_subscription_create(
        name="ERP", target_url=plain.url, events=["deal.created"], actor=None
    )

    # when
    deal = deal_create(title="Order", actor=None)
    deal_move_to_stage(deal=deal, stage=pipeline.stages.get(name="Negotiation"), actor=None)

    # then: no update for the first stage of the new deal, no move to another pipeline
    assert [_form(r)["event"] for r in bitrix.requests] == ["ONCRMDEALADD", "ONCRMDEALUPDATE"]
    [request] = plain.requests
    assert request.headers["Content-Type"] == "application/json; charset=utf-8"
    body = json.loads(request.body)
    assert body["event"] == "deal.created" and body["data"]["deal"]["id"] == deal.pk


@transactional
def test_a_move_to_a_stage_of_another_pipeline_is_a_move_to_category(pipeline, receiver):
    # given
    server = receiver(200)
    _subscribe(server.url, ["ONCRMDEALMOVETOCATEGORY"])
    deal = deal_create(title="Order", actor=None)
    other = sales_pipeline("Wholesale")
    new_stage = other.stages.get(name="New")

    # when
    deal_move_to_pipeline(deal=deal, stage=new_stage, actor=None)

    # then
    [request] = server.requests
    form = _form(request)
    assert (form["event"], form["data[FIELDS][ID]"]) == ("ONCRMDEALMOVETOCATEGORY", str(deal.pk))
    assert form["data[FIELDS][CATEGORY_ID]"] == str(other.pk)
    assert form["data[FIELDS][STAGE_ID]"] == f"C{other.pk}:{new_stage.pk}"


@transactional
def test_a_redelivery_keeps_the_format_and_uses_the_current_secret(pipeline, receiver):
    server = receiver(400, 200)
    subscription = _subscribe(server.url, ["ONCRMDEALADD"])
    deal_create(title="Order", actor=None)
    failed = WebhookDelivery.objects.get()
    assert failed.status == "failed"

    webhook_delivery_redeliver(delivery=failed, actor=None)

    first, second = (_form(request) for request in server.requests)
    assert first == second
    assert second["auth[application_token]"] == subscription.secret
    copy = WebhookDelivery.objects.get(redelivery_of=failed)
    assert (copy.status, copy.payload_format, copy.payload) == (
        "delivered",
        "bitrix24",
        failed.payload,
    )


@pytest.mark.django_db
def test_the_events_must_be_of_the_subscriptions_format():
    with pytest.raises(ValidationError) as refused:
        _subscribe("https://app.example.com/", ["deal.created"])
    assert refused.value.message_dict == {"events": ["Unknown events: deal.created"]}
    with pytest.raises(ValidationError):
        webhook_subscription_create(
            name="ERP", target_url="https://erp.example.com/", events=["ONCRMDEALADD"], actor=None
        )

    subscription = _subscribe("https://app.example.com/", ["ONCRMDEALDELETE", "ONCRMDEALADD"])
    assert subscription.events == ["ONCRMDEALADD", "ONCRMDEALDELETE"]  # catalogue order
    with pytest.raises(ValidationError):  # the JSON catalogue has no ONCRM… events
        webhook_subscription_update(
            subscription=subscription, actor=None, data={"payload_format": "json"}
        )
    subscription = webhook_subscription_update(
        subscription=subscription,
        actor=None,
        data={"payload_format": "json", "events": ["deal.created"]},
    )
    assert (subscription.payload_format, subscription.events) == ("json", ["deal.created"])


@pytest.mark.django_db
def test_the_settings_page_and_the_admin_pick_the_format(client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))

    refused = client.post(
        reverse("webhooks:create"),
        {"name": "App", "target_url": "https://app.example.com/", "payload_format": "bitrix24",
         "events": ["deal.created", "ONCRMDEALADD"]},
    )  # fmt: skip
    created = client.post(
        reverse("webhooks:create"),
        {"name": "App", "target_url": "https://app.example.com/", "payload_format": "bitrix24",
         "events": ["ONCRMDEALADD", "ONCRMLEADDELETE"], "is_active": "on"},
    )  # fmt: skip
    admin = client.post(
        reverse("admin:webhooks_webhooksubscription_add"),
        {"name": "Other app", "target_url": "https://other.example.com/",
         "payload_format": "bitrix24", "events": ["ONCRMCOMPANYADD"], "is_active": "on"},
    )  # fmt: skip

    assert refused.context["form"].errors["events"] == [
        "These events are not of the chosen format: deal.created"
    ]
    assert created.status_code == 302 and admin.status_code == 302
    app = WebhookSubscription.objects.get(name="App")
    assert (app.payload_format, app.events) == ("bitrix24", ["ONCRMLEADDELETE", "ONCRMDEALADD"])
    other = WebhookSubscription.objects.get(name="Other app")
    assert (other.payload_format, other.events) == ("bitrix24", ["ONCRMCOMPANYADD"])
    page = client.get(reverse("webhooks:detail", args=[app.pk])).content.decode()
    assert "Bitrix24 events (form-encoded)" in page and "ONCRMDEALADD" in page


def test_php_flattening_writes_nested_keys_as_bitrix24_does():
    assert php_flatten({"data": {"FIELDS": {"ID": 7}}, "list": [True, None], "ts": 1}) == [
        ("data[FIELDS][ID]", "7"),
        ("list[0]", "1"),
        ("list[1]", ""),
        ("ts", "1"),
    ]
