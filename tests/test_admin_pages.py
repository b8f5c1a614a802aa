"""Every admin page an administrator can open renders: list, add form, change form."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse

from activities.models import Activity
from activities.services import activity_create
from catalog.services import ProductRowInput, section_create
from contacts.services import (
    CommunicationInput,
    company_create,
    company_requisite_create,
    contact_create,
)
from deals.services import deal_create
from leads.models import Campaign
from leads.services import lead_create
from tests.factories import (
    ProductFactory,
    UserFactory,
    currencies,
    department,
    lead_statuses,
    sales_pipeline,
)

MODELS = list(admin.site._registry)


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def one_of_everything(db):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    department("Wholesale", parent=department("Sales"))
    currencies()
    sales_pipeline()
    lead_statuses()
    section = section_create(name="Household")
    product = ProductFactory(section=section)
    company = company_create(title="Eco LLC", actor=root)
    company_requisite_create(company=company, actor=root, inn="7707083893")
    contact = contact_create(
        first_name="Anna", last_name="Ivanova", actor=root,
        communications=[CommunicationInput("phone", "+7 916 123-45-67")],
    )  # fmt: skip
    deal_create(title="First order", actor=root, company=company, contacts=[contact],
                product_rows=[ProductRowInput(quantity=Decimal(2), product=product)])  # fmt: skip
    lead_create(title="Website request", actor=root, last_name="Petrov")
    Campaign.objects.create(name="Spring", currency=currencies()["RUB"])
    activity_create(kind=Activity.Kind.CALL, subject="Call", actor=root, bound_to=[contact])
    return root


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_admin_pages_render(client, rf, one_of_everything, model):
    client.force_login(one_of_everything)
    request = rf.get("/")
    request.user = one_of_everything

    assert client.get(admin_url(model, "changelist")).status_code == 200
    if admin.site._registry[model].has_add_permission(request):
        assert client.get(admin_url(model, "add")).status_code == 200
    first = model._default_manager.first()
    if first is not None:
        assert client.get(admin_url(model, "change", first.pk)).status_code == 200
