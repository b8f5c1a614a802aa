"""The deal card's client block shows only the contacts and company the user may see."""

import pytest
from django.urls import reverse

from contacts.models import Communication
from contacts.selectors import deal_client_contacts
from contacts.services import CommunicationInput, contact_create
from deals.models import DealContact
from tests.factories import CompanyFactory, DealFactory, sales_pipeline, sales_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_deal_of_retail(money):
    users = sales_staff()
    other = users["other"]
    secret = contact_create(
        actor=other,
        first_name="Ivan",
        last_name="Secretov",
        communications=[
            CommunicationInput(kind=Communication.Kind.PHONE, value="+7 916 555-12-34"),
            CommunicationInput(kind=Communication.Kind.EMAIL, value="ivan@secret.example"),
        ],
    )
    company = CompanyFactory(title="Hidden Co Ltd", responsible=other)
    deal = DealFactory(
        responsible=other, pipeline=sales_pipeline(), is_open_to_all=True, company=company
    )
    DealContact.objects.create(deal=deal, contact=secret, is_primary=True, sort=10)
    return users, deal, secret


def test_the_client_block_hides_the_contacts_and_company_out_of_sight(client, open_deal_of_retail):
    users, deal, secret = open_deal_of_retail
    client.force_login(users["responsible"])

    response = client.get(reverse("deals:detail", args=[deal.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    # the client block's list (the deal's own company field belongs to the deal card's fields)
    start = page.index('data-testid="client-block"')
    text = page[start : page.index("</ul>", start)]
    assert "No client yet." in text
    assert "Secretov" not in page
    assert "555-12-34" not in page
    assert "ivan@secret.example" not in page
    assert "Hidden Co Ltd" not in text
    assert reverse("contacts:detail", args=[secret.pk]) not in page


def test_the_client_block_shows_them_to_whoever_may_see_them(client, open_deal_of_retail):
    users, deal, _secret = open_deal_of_retail
    client.force_login(users["other"])

    text = client.get(reverse("deals:detail", args=[deal.pk])).content.decode()

    assert "Secretov" in text
    assert "555-12-34" in text
    assert "Hidden Co Ltd" in text


def test_deal_client_contacts_keeps_the_visible_ones_in_one_query(
    django_assert_num_queries, open_deal_of_retail
):
    users, deal, secret = open_deal_of_retail
    with django_assert_num_queries(2):  # the grant, then the contacts (visibility: subquery)
        assert list(deal_client_contacts(actor=users["responsible"], deal=deal)) == []
    assert list(deal_client_contacts(actor=users["other"], deal=deal)) == [secret]
