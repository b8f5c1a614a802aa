"""Deleting an item removes its own history and nothing that concerns other items."""

from decimal import Decimal

import pytest

from activities.models import Activity, ActivityBinding, TimelineEvent
from activities.services import activity_create
from catalog.models import ProductRow
from catalog.services import ProductRowInput
from contacts.events import CompanyDeleted, ContactDeleted
from contacts.models import Communication, Company, CompanyRequisite, Contact, ContactCompany
from contacts.services import (
    CommunicationInput,
    company_create,
    company_delete,
    company_requisite_create,
    contact_create,
    contact_delete,
    contact_link_company,
)
from deals.events import DealDeleted
from deals.models import Deal, DealStageChange
from deals.services import deal_create, deal_delete, deal_move_to_stage
from leads.events import LeadDeleted
from leads.models import Lead
from leads.services import lead_create, lead_delete
from tests.factories import ProductFactory, UserFactory, currencies, lead_statuses, sales_pipeline


@pytest.fixture
def manager(db):
    currencies()
    lead_statuses()
    sales_pipeline()
    return UserFactory(username="deleter")


@pytest.fixture
def published(record_events):
    return record_events(DealDeleted, LeadDeleted, ContactDeleted, CompanyDeleted)


def history_of(item, item_id: int | None = None) -> tuple[int, int]:
    """(timeline events, activity bindings) of an item; pass the id of a deleted one."""
    kind, item_id = item.ENTITY_TYPE, item_id or item.pk
    return (
        TimelineEvent.objects.filter(entity_type=kind, entity_id=item_id).count(),
        ActivityBinding.objects.filter(entity_type=kind, entity_id=item_id).count(),
    )


def test_deleting_a_deal_removes_its_history_and_its_own_activities(
    manager, published, django_capture_on_commit_callbacks
):
    # given a deal with products and a stage move, a call about the deal alone, and a meeting
    # about the deal and its contact
    contact = contact_create(first_name="Anna", actor=manager)
    deal = deal_create(
        title="Order", actor=manager, contacts=[contact],
        product_rows=[ProductRowInput(quantity=Decimal(1), product=ProductFactory())],
    )  # fmt: skip
    deal_move_to_stage(deal=deal, stage=deal.pipeline.stages.get(name="Won"), actor=manager)
    call = activity_create(kind="call", subject="Call", actor=manager, bound_to=[deal])
    meeting = activity_create(
        kind="meeting", subject="Meeting", actor=manager, bound_to=[deal, contact]
    )
    contact_history = history_of(contact)

    # when
    deal_id = deal.pk
    with django_capture_on_commit_callbacks(execute=True):
        deal_delete(deal=deal, actor=manager)

    # then
    assert not Deal.objects.exists()
    assert not ProductRow.objects.exists()
    assert not DealStageChange.objects.exists()
    assert history_of(deal, deal_id) == (0, 0)
    assert not Activity.objects.filter(pk=call.pk).exists()
    assert list(meeting.bindings.values_list("entity_type", flat=True)) == ["contact"]
    assert history_of(contact) == contact_history
    assert Contact.objects.filter(pk=contact.pk).exists()
    assert published == [DealDeleted(deal_id=deal_id, actor_id=manager.pk)]


def test_deleting_a_lead_keeps_the_deal_made_from_it(
    manager, published, django_capture_on_commit_callbacks
):
    lead = lead_create(
        title="Request", actor=manager, last_name="Petrov",
        communications=[CommunicationInput("phone", "+7 916 000-00-01")],
    )  # fmt: skip
    deal = deal_create(title="From the request", actor=manager, lead=lead)

    lead_id = lead.pk
    with django_capture_on_commit_callbacks(execute=True):
        lead_delete(lead=lead, actor=manager)

    assert not Lead.objects.exists()
    assert not Communication.objects.exists()
    assert history_of(lead, lead_id) == (0, 0)
    deal.refresh_from_db()
    assert deal.lead is None
    assert published == [LeadDeleted(lead_id=lead_id, actor_id=manager.pk)]


def test_deleting_a_company_keeps_its_contacts_and_deals(
    manager, published, django_capture_on_commit_callbacks
):
    company = company_create(title="Horns", actor=manager)
    company_requisite_create(company=company, actor=manager, inn="7707083893")
    contact = contact_create(first_name="Anna", actor=manager)
    contact_link_company(contact=contact, company=company, actor=manager, is_decision_maker=True)
    deal = deal_create(title="Order", actor=manager, company=company)

    company_id = company.pk
    with django_capture_on_commit_callbacks(execute=True):
        company_delete(company=company, actor=manager)

    assert not Company.objects.exists()
    assert not CompanyRequisite.objects.exists()
    assert not ContactCompany.objects.exists()
    assert history_of(company, company_id) == (0, 0)
    assert Contact.objects.filter(pk=contact.pk).exists()
    deal.refresh_from_db()
    assert deal.company is None
    assert published == [CompanyDeleted(company_id=company_id, actor_id=manager.pk)]


def test_deleting_a_contact_keeps_its_deals(manager, published, django_capture_on_commit_callbacks):
    contact = contact_create(
        first_name="Anna",
        actor=manager,
        communications=[CommunicationInput("email", "a@b.example")],
    )
    deal = deal_create(title="Order", actor=manager, contacts=[contact])

    contact_id = contact.pk
    with django_capture_on_commit_callbacks(execute=True):
        contact_delete(contact=contact, actor=manager)

    assert not Contact.objects.exists()
    assert not Communication.objects.exists()
    assert history_of(contact, contact_id) == (0, 0)
    assert list(Deal.objects.get(pk=deal.pk).contacts.all()) == []
    assert published == [ContactDeleted(contact_id=contact_id, actor_id=manager.pk)]


def test_the_admin_bulk_delete_goes_through_the_service(manager, client):
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    deals = [deal_create(title=f"Order {n}", actor=manager) for n in range(2)]
    client.force_login(admin_user)

    response = client.post(
        "/admin/deals/deal/",
        {"action": "delete_selected", "_selected_action": [d.pk for d in deals], "post": "yes"},
    )

    assert response.status_code == 302
    assert not Deal.objects.exists()
    assert not TimelineEvent.objects.filter(entity_type="deal").exists()
