"""The client block on the lead card: the lead's one contact and one company, attached from
search (replacing the one it had), detached, created inline; read-only once converted."""

import pytest
from django.urls import reverse

from accounts.models import PermissionAction, RolePermission
from activities.models import TimelineEvent
from contacts.models import Contact
from leads.models import LeadStatus
from tests.contacts.conftest import NAMES, TITLES
from tests.contacts.test_views import text_of
from tests.factories import LeadFactory


@pytest.fixture
def lead(people, statuses):
    users, *_ = people
    return LeadFactory(title="Paint order", responsible=users["responsible"])


def client_url(name: str, lead) -> str:
    return reverse(f"contacts:client-{name}", args=["lead", lead.pk])


def test_a_leads_contact_and_company_are_attached_replaced_and_detached(client, people, lead):
    users, contacts, companies, _ = people
    client.force_login(users["responsible"])
    newcomer = Contact.objects.create(first_name="Olga", last_name="Newcomer",
                                      responsible=users["responsible"])  # fmt: skip

    client.post(client_url("attach", lead), {"kind": "company", "id": companies["responsible"].pk})
    client.post(client_url("attach", lead), {"kind": "contact", "id": contacts["responsible"].pk})
    replaced = client.post(client_url("attach", lead), {"kind": "contact", "id": newcomer.pk})

    lead.refresh_from_db()
    assert (lead.company, lead.contact) == (companies["responsible"], newcomer)
    assert "Newcomer" in text_of(replaced) and NAMES["responsible"] not in text_of(replaced)

    client.post(client_url("detach", lead), {"kind": "contact", "id": contacts["other"].pk})
    lead.refresh_from_db()
    assert lead.contact == newcomer  # not the lead's contact: nothing to detach
    client.post(client_url("detach", lead), {"kind": "contact", "id": newcomer.pk})
    client.post(client_url("detach", lead), {"kind": "company"})
    lead.refresh_from_db()
    assert (lead.company, lead.contact) == (None, None)
    changed = [change["field"]
               for event in TimelineEvent.objects.filter(entity_type="lead", entity_id=lead.pk)
               for change in event.payload.get("changes", [])]  # fmt: skip
    assert sorted(changed) == ["company", "company", "contact", "contact", "contact"]


def test_a_company_created_in_the_block_becomes_the_leads(client, people, lead):
    users, *_ = people
    client.force_login(users["responsible"])

    block = client.post(client_url("create", lead), {"kind": "company", "title": "Green Roofs"})

    lead.refresh_from_db()
    assert lead.company.title == "Green Roofs" and lead.company.responsible == users["responsible"]
    assert "Green Roofs" in text_of(block)


def test_the_lead_card_shows_only_the_visible_client(client, people, lead):
    users, contacts, companies, _ = people
    lead.contact, lead.company = contacts["responsible"], companies["other"]
    lead.save()
    client.force_login(users["responsible"])

    text = text_of(client.get(reverse("leads:detail", args=[lead.pk])))

    assert 'data-testid="client-block"' in text and NAMES["responsible"] in text
    assert TITLES["other"] not in text  # another department's company stays out of sight
    assert client_url("search", lead) in text


def test_a_converted_leads_client_is_read_only(client, people, lead):
    users, contacts, companies, _ = people
    lead.contact = contacts["responsible"]
    lead.status = LeadStatus.objects.get(semantics=LeadStatus.Semantics.CONVERTED)
    lead.save()
    client.force_login(users["responsible"])

    card = text_of(client.get(reverse("leads:detail", args=[lead.pk])))
    refused = client.post(
        client_url("attach", lead), {"kind": "company", "id": companies["responsible"].pk}
    )

    assert NAMES["responsible"] in card and client_url("search", lead) not in card
    assert "This lead is already converted." in text_of(refused)
    lead.refresh_from_db()
    assert lead.company is None


def test_the_lead_client_endpoints_need_the_edit_right(client, people, lead):
    users, contacts, *_ = people
    RolePermission.objects.filter(role__name="Manager", entity="lead",
                                  action=PermissionAction.EDIT).update(scope="none")  # fmt: skip
    client.force_login(users["responsible"])
    attach = {"kind": "contact", "id": contacts["responsible"].pk}

    assert client.post(client_url("attach", lead), attach).status_code == 403
    client.force_login(users["other"])
    assert client.post(client_url("attach", lead), attach).status_code == 404
    assert client.get(reverse("contacts:client-search", args=["robot", lead.pk])).status_code == 404
    lead.refresh_from_db()
    assert lead.contact is None
