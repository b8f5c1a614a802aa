"""Settings → Bitrix24 webhooks, and the Django admin: a webhook is made with its scopes, its
address shown once, and revoked; nobody sees or revokes another user's."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from b24.models import InboundWebhook
from b24.services import webhook_create, webhook_update

pytestmark = pytest.mark.django_db


def test_a_user_makes_a_webhook_sees_its_address_once_and_revokes_it(client, staff):
    manager, other = staff["responsible"], staff["other"]
    client.force_login(manager)
    url = reverse("b24_settings:webhooks")

    made = client.post(url, {"name": "Shop module", "scopes": ["crm", "user"]})
    address = re.search(r"http://testserver/rest/\d+/[0-9a-z]{16}/", made.content.decode())[0]
    again = client.get(url)
    works = client.get(f"{address.removeprefix('http://testserver')}user.current.json")
    webhook = InboundWebhook.objects.get()
    client.force_login(other)
    foreign = client.post(url, {"revoke": webhook.pk})
    client.force_login(manager)
    client.post(url, {"revoke": webhook.pk})

    assert address.startswith(f"http://testserver/rest/{manager.pk}/")
    assert address not in again.content.decode() and "Shop module" in again.content.decode()
    assert works.json()["result"]["ID"] == str(manager.pk)
    assert (webhook.user, webhook.scopes) == (manager, ["crm", "user"])
    assert foreign.status_code == 404
    webhook.refresh_from_db()
    assert not webhook.is_active
    assert client.get(reverse("b24_settings:webhooks")).status_code == 200
    client.logout()
    assert client.get(url).status_code == 302


def test_an_administrator_makes_a_webhook_for_a_user_in_the_admin(admin_client, staff):
    response = admin_client.post(reverse("admin:b24_inboundwebhook_add"), {
        "user": staff["other"].pk, "name": "1C", "scopes": ["crm"], "expires_at_0": "",
        "expires_at_1": "",
    }, follow=True)  # fmt: skip

    webhook = InboundWebhook.objects.get()
    code = re.search(rf"/rest/{staff['other'].pk}/([0-9a-z]{{16}})/", response.content.decode())[1]
    assert (webhook.user, webhook.name, webhook.scopes, webhook.code_hint) == (
        staff["other"], "1C", ["crm"], code[-4:])  # fmt: skip


def test_an_administrator_changes_a_webhooks_scopes_only_to_known_ones(admin_client, staff):
    webhook, _code = webhook_create(user=staff["other"], name="1C", scopes=["crm"])
    url = reverse("admin:b24_inboundwebhook_change", args=[webhook.pk])
    form = {"user": staff["other"].pk, "name": "1C ERP", "is_active": "on",
            "expires_at_0": "", "expires_at_1": ""}  # fmt: skip

    refused = admin_client.post(url, form | {"scopes": ["crm", "telephony"]})
    changed = admin_client.post(url, form | {"scopes": ["crm", "user"]})

    assert refused.status_code == 200 and "telephony" in refused.content.decode()
    assert changed.status_code == 302
    webhook.refresh_from_db()
    assert (webhook.name, webhook.scopes) == ("1C ERP", ["crm", "user"])
    with pytest.raises(ValidationError):  # a bare string is not a list of scopes
        webhook_update(webhook=webhook, name="1C", scopes="crm", is_active=True, expires_at=None)
