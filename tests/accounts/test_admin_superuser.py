"""Only a superuser makes superusers or grants permissions one by one in the admin."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import PermissionAction, PermissionEntity, PermissionScope
from tests.factories import UserFactory, role

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_administrator():
    """A staff user whose role administers the CRM (settings: edit, all), not a superuser."""
    user = UserFactory(username="staff-admin", is_staff=True)
    user.roles.add(role("Administrator", PermissionScope.ALL,
                        entities=[PermissionEntity.SETTINGS], actions=[PermissionAction.EDIT]))  # fmt: skip
    return user


def _change(client, user, **fields):
    data = {
        "username": user.username, "first_name": user.first_name, "last_name": user.last_name,
        "email": user.email, "is_active": "on", "is_staff": "on",
        "date_joined_0": "2024-01-01", "date_joined_1": "10:00:00",
        "roles": list(user.roles.values_list("pk", flat=True)),
        "absences-TOTAL_FORMS": "0", "absences-INITIAL_FORMS": "0",
    } | fields  # fmt: skip
    return client.post(reverse("admin:accounts_user_change", args=[user.pk]), data)


def test_an_administrator_who_is_not_a_superuser_cannot_make_superusers(
    client, staff_administrator
):
    client.force_login(staff_administrator)
    victim = UserFactory(username="colleague")
    add_user = Permission.objects.get(codename="add_user")

    for user in (staff_administrator, victim):
        response = _change(client, user, is_superuser="on", user_permissions=[add_user.pk])
        assert response["Location"] == reverse("admin:accounts_user_changelist")

    for user in (staff_administrator, victim):
        user.refresh_from_db()
        assert user.is_superuser is False
    assert not victim.user_permissions.exists()
    assert not staff_administrator.user_permissions.exists()


def test_the_superuser_fields_are_read_only_for_an_administrator(client, staff_administrator):
    client.force_login(staff_administrator)
    victim = UserFactory(username="colleague")

    response = client.get(reverse("admin:accounts_user_change", args=[victim.pk]))
    assert response.status_code == 200, response.get("Location")
    form = response.context["adminform"].form

    assert "is_superuser" not in form.fields
    assert "user_permissions" not in form.fields
    assert "is_staff" in form.fields


def test_a_superuser_still_makes_superusers(client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    colleague = UserFactory(username="colleague")

    response = _change(client, colleague, is_superuser="on")

    assert response["Location"] == reverse("admin:accounts_user_changelist")
    colleague.refresh_from_db()
    assert colleague.is_superuser is True
