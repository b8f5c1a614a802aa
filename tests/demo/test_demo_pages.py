"""Every page of the workspace renders on the demo data, for a manager and for the director,
in both languages: a template that breaks on some real item (an empty field, a row without a
product) shows up here, not in front of a user."""

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.urls import reverse

from accounts.models import User
from activities.models import Notification
from contacts.models import Company, Contact
from deals.models import Deal
from leads.models import Lead

SAMPLE = 8  # items of each kind, the most varied first


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("seed_demo", verbosity=0)
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


def pages_of(user) -> list[str]:
    deals = Deal.objects.annotate(rows=Count("product_rows"), people=Count("contact_links"))
    leads = Lead.objects.annotate(rows=Count("product_rows"))
    items = [
        *deals.order_by("-rows", "-people", "pk")[:SAMPLE],
        *deals.filter(company=None).order_by("pk")[:2],
        *leads.order_by("-rows", "status", "pk")[:SAMPLE],
        *Contact.objects.order_by("pk")[:SAMPLE],
        *Company.objects.annotate(people=Count("contact_links")).order_by("-people", "pk")[:SAMPLE],
    ]
    pages = [reverse(name) for name in (
        "home", "deals:board", "deals:list", "deals:create", "leads:board", "leads:list",
        "leads:create", "contacts:list", "contacts:create", "contacts:company-list",
        "contacts:company-create", "catalog:section-list", "catalog:product-list",
        "activities:list", "activities:notifications",
    )]  # fmt: skip
    for item in items:
        pages.append(item.get_absolute_url())
        pages.append(reverse("accounts:share", args=[item.ENTITY_TYPE.value, item.pk]))
    for deal in deals.order_by("-rows")[:SAMPLE]:
        pages.append(reverse("deals:product-rows", args=[deal.pk]))
    assert Notification.objects.exists()
    return pages


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["ivanov", "director"])
@pytest.mark.parametrize("language", ["en", "ru"])
def test_every_workspace_page_renders_on_the_demo_data(client, demo, username, language):
    user = User.objects.get(username=username)
    client.force_login(user)
    client.cookies["django_language"] = language
    # out of a manager's reach is fine; the director (scope "all") reaches every page
    allowed = (200,) if username == "director" else (200, 403, 404)
    broken = []
    for url in pages_of(user):
        status = client.get(url).status_code
        if status not in allowed:
            broken.append((url, status))
    assert broken == []
