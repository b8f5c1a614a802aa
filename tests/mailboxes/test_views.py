"""The mailbox settings pages: administrators only; the password is never shown back."""

import pytest
from django.urls import reverse

from accounts.models import PermissionAction, PermissionEntity, PermissionScope
from mailboxes.models import Mailbox
from tests.factories import UserFactory, role, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def administrator():
    user = UserFactory(username="admin")
    user.roles.add(role("Administrator", PermissionScope.ALL, entities=[PermissionEntity.SETTINGS],
                        actions=[PermissionAction.EDIT]))  # fmt: skip
    return user


@pytest.fixture
def mailbox():
    return Mailbox.objects.create(name="Sales inbox", host="imap.example.com", login="sales",
                                  password="hunter2-secret")  # fmt: skip


def form_data(**fields):
    return {"name": "Sales inbox", "host": "imap.example.com", "port": 993, "security": "ssl",
            "login": "sales", "folder": "INBOX", "is_active": "on", "poll_interval_minutes": 5,
            "target": "lead", **fields}  # fmt: skip


def test_mailbox_settings_are_for_administrators_only(client, mailbox):
    pages = [reverse("mailboxes:list"), reverse("mailboxes:create"),
             reverse("mailboxes:update", args=[mailbox.pk])]  # fmt: skip
    director = UserFactory(username="director")
    director.roles.add(role("Director", PermissionScope.ALL, entities=[PermissionEntity.DEAL]))
    for user in [user_with_role("manager", "own"), director,
                 UserFactory(username="staff", is_staff=True)]:  # fmt: skip
        client.force_login(user)
        for url in pages:
            assert client.get(url).status_code == 403, (user, url)
            assert client.post(url, form_data(name="Taken over")).status_code == 403, (user, url)
    mailbox.refresh_from_db()
    assert mailbox.name == "Sales inbox"
    assert Mailbox.objects.count() == 1
    client.logout()
    assert client.get(pages[0]).status_code == 302  # to the login page


def test_an_administrator_changes_a_mailbox_without_seeing_its_password(
    client, administrator, mailbox
):
    client.force_login(administrator)
    url = reverse("mailboxes:update", args=[mailbox.pk])

    page = client.get(url).content.decode()
    response = client.post(url, form_data(name="Support", new_password=""))

    assert "hunter2-secret" not in page
    assert response.status_code == 302
    mailbox.refresh_from_db()
    assert (mailbox.name, mailbox.password) == ("Support", "hunter2-secret")
    assert "Support" in client.get(reverse("mailboxes:list")).content.decode()


def test_a_deal_mailbox_needs_a_pipeline(client, administrator):
    client.force_login(administrator)

    response = client.post(reverse("mailboxes:create"), form_data(target="deal", new_password="x"))

    assert response.status_code == 200
    assert "Choose the pipeline of the new deals." in response.content.decode()
    assert not Mailbox.objects.exists()
