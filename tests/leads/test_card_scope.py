"""The lead card links only to the deals, contact and company the user may see."""

import pytest
from django.urls import reverse

from leads.selectors import lead_deals
from tests.factories import (
    CompanyFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    sales_pipeline,
    sales_staff,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_lead_of_retail(money, statuses):
    users = sales_staff()
    other = users["other"]
    lead = LeadFactory(
        responsible=other,
        is_open_to_all=True,
        contact=ContactFactory(last_name="Hiddenson", responsible=other),
        company=CompanyFactory(title="Hidden Co Ltd", responsible=other),
    )
    deal = DealFactory(
        responsible=other, pipeline=sales_pipeline(), lead=lead, title="Top secret deal"
    )
    return users, lead, deal


def test_the_lead_card_hides_the_deals_contact_and_company_out_of_sight(
    client, open_lead_of_retail
):
    users, lead, deal = open_lead_of_retail
    client.force_login(users["responsible"])

    response = client.get(reverse("leads:detail", args=[lead.pk]))

    text = response.content.decode()
    assert response.status_code == 200
    assert "Top secret deal" not in text
    assert deal.get_absolute_url() not in text
    assert "Hiddenson" not in text
    assert "Hidden Co Ltd" not in text
    assert list(lead_deals(actor=users["responsible"], lead=lead)) == []


def test_the_lead_card_links_them_for_whoever_may_see_them(client, open_lead_of_retail):
    users, lead, deal = open_lead_of_retail
    client.force_login(users["other"])

    text = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()

    assert "Top secret deal" in text
    assert deal.get_absolute_url() in text
    assert "Hiddenson" in text
    assert "Hidden Co Ltd" in text
    assert list(lead_deals(actor=users["other"], lead=lead)) == [deal]


def test_cards_offer_delete_and_editors_only_to_who_may_use_them(client, statuses, pipeline):
    from django.urls import reverse

    from accounts.models import PermissionAction, RolePermission
    from tests.factories import CompanyFactory, ContactFactory, LeadFactory, user_with_role

    manager = user_with_role("viewer")
    RolePermission.objects.filter(role__users=manager,
                                  action__in=[PermissionAction.EDIT, PermissionAction.DELETE]
                                  ).update(scope="none")  # fmt: skip
    items = {
        "leads:delete": LeadFactory(responsible=manager),
        "contacts:delete": ContactFactory(responsible=manager),
        "contacts:company-delete": CompanyFactory(responsible=manager),
    }
    client.force_login(manager)

    for delete_route, item in items.items():
        card = client.get(item.get_absolute_url()).content.decode()
        assert reverse(delete_route, args=[item.pk]) not in card, delete_route
        assert "field-value readonly" in card, delete_route


def test_a_converted_leads_products_are_read_only_on_its_card(client, statuses, pipeline):
    from leads.models import Lead
    from tests.factories import LeadFactory, user_with_role

    manager = user_with_role("owner")
    lead = LeadFactory(responsible=manager)
    Lead.objects.filter(pk=lead.pk).update(status=statuses["converted"])
    client.force_login(manager)

    card = client.get(lead.get_absolute_url()).content.decode()

    assert 'data-testid="product-search"' not in card
    assert "field-value readonly" in card
