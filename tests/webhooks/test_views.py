"""The webhook settings pages: administrators only."""

import pytest
from django.urls import reverse

from accounts.models import PermissionAction, PermissionEntity, PermissionScope
from tests.factories import UserFactory, role, user_with_role
from webhooks.models import WebhookDelivery, WebhookSubscription
from webhooks.services import webhook_subscription_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscription():
    return webhook_subscription_create(
        name="ERP", target_url="https://erp.example.com/hook", events=["deal.created"], actor=None
    )


@pytest.fixture
def administrator():
    user = UserFactory(username="admin")
    user.roles.add(
        role(
            "Administrator",
            PermissionScope.ALL,
            entities=[PermissionEntity.SETTINGS],
            actions=[PermissionAction.EDIT],
        )
    )
    return user


def _delivery(subscription, status=WebhookDelivery.Status.FAILED, **fields):
    from django.utils import timezone

    return WebhookDelivery.objects.create(
        subscription=subscription,
        event="deal.created",
        payload={"event": "deal.created", "data": {"deal_id": 1}},
        status=status,
        next_try_at=timezone.now() if status == "pending" else None,
        **fields,
    )


def test_webhook_settings_are_for_administrators_only(client, subscription):
    delivery = _delivery(subscription)
    pages = [
        reverse("webhooks:list"),
        reverse("webhooks:create"),
        reverse("webhooks:detail", args=[subscription.pk]),
        reverse("webhooks:update", args=[subscription.pk]),
    ]
    posts = [
        reverse("webhooks:rotate-secret", args=[subscription.pk]),
        reverse("webhooks:redeliver", args=[delivery.pk]),
        reverse("webhooks:update", args=[subscription.pk]),
    ]
    secret = subscription.secret
    director = UserFactory(username="director")
    director.roles.add(role("Director", PermissionScope.ALL, entities=[PermissionEntity.DEAL]))
    for user in [
        user_with_role("manager", "own"),
        director,
        UserFactory(username="staff", is_staff=True),
    ]:
        client.force_login(user)
        for url in pages:
            assert client.get(url).status_code == 403, (user, url)
        for url in posts:
            assert client.post(url, {"name": "Taken over"}).status_code == 403, (user, url)
    subscription.refresh_from_db()
    assert (subscription.name, subscription.secret) == ("ERP", secret)
    assert WebhookDelivery.objects.count() == 1
    client.logout()
    assert client.get(pages[0]).status_code == 302  # to the login page


def test_an_administrator_creates_a_subscription_and_sees_its_secret(client, administrator):
    client.force_login(administrator)

    response = client.post(
        reverse("webhooks:create"),
        {
            "name": "Warehouse",
            "target_url": "https://warehouse.example.com/crm",
            "events": ["deal.created", "deal.stage_changed"],
            "is_active": "on",
        },
    )

    subscription = WebhookSubscription.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("webhooks:detail", args=[subscription.pk])
    assert subscription.events == ["deal.created", "deal.stage_changed"]
    assert subscription.created_by == administrator
    assert len(subscription.secret) == 64
    page = client.get(response.url)
    assert subscription.secret in page.content.decode()


def test_a_target_that_is_not_http_is_refused(client, administrator):
    client.force_login(administrator)

    response = client.post(
        reverse("webhooks:create"),
        {"name": "FTP", "target_url": "ftp://example.com/x", "events": ["deal.created"]},
    )

    assert response.status_code == 200
    assert "target_url" in response.context["form"].errors
    assert not WebhookSubscription.objects.exists()


def test_the_secret_is_rotated(client, administrator, subscription):
    client.force_login(administrator)
    old = subscription.secret

    client.post(reverse("webhooks:rotate-secret", args=[subscription.pk]))

    subscription.refresh_from_db()
    assert subscription.secret != old and len(subscription.secret) == 64


def test_the_delivery_log_is_paged_newest_first(client, administrator, subscription):
    client.force_login(administrator)
    deliveries = [_delivery(subscription, last_response_code=500 + n) for n in range(27)]
    url = reverse("webhooks:detail", args=[subscription.pk])

    first = client.get(url)
    second = client.get(url, {"page": 2})

    assert list(first.context["page"]) == deliveries[::-1][:25]
    assert list(second.context["page"]) == deliveries[::-1][25:]
    assert "526" in first.content.decode()


def test_a_failed_delivery_is_queued_again_from_the_log(client, administrator, subscription):
    client.force_login(administrator)
    failed = _delivery(subscription, last_error="HTTP 400")

    response = client.post(reverse("webhooks:redeliver", args=[failed.pk]))

    assert response.status_code == 302
    copy = WebhookDelivery.objects.exclude(pk=failed.pk).get()
    assert (copy.redelivery_of, copy.status, copy.attempts) == (failed, "pending", 0)


def test_a_pending_delivery_is_not_queued_twice(client, administrator, subscription):
    client.force_login(administrator)
    pending = _delivery(subscription, status=WebhookDelivery.Status.PENDING)

    client.post(reverse("webhooks:redeliver", args=[pending.pk]))

    assert WebhookDelivery.objects.count() == 1


def test_the_admin_redelivers_and_edits_through_the_services(client, subscription):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    failed = _delivery(subscription)

    client.post(
        reverse("admin:webhooks_webhookdelivery_changelist"),
        {"action": "redeliver", "_selected_action": [failed.pk]},
    )
    response = client.post(
        reverse("admin:webhooks_webhooksubscription_add"),
        {
            "name": "CRM mirror",
            "target_url": "https://mirror.example.com/",
            "events": ["lead.created"],
        },
    )

    assert WebhookDelivery.objects.filter(redelivery_of=failed).count() == 1
    assert response.status_code == 302, response.context["adminform"].form.errors
    mirror = WebhookSubscription.objects.get(name="CRM mirror")
    assert len(mirror.secret) == 64 and mirror.created_by == root
