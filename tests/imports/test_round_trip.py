"""A file our own CSV export wrote imports back: its columns are recognised, the values come
back the same."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from contacts.models import Company, Contact
from contacts.services import (
    CommunicationInput,
    company_create,
    company_requisite_create,
    contact_create,
    contact_link_company,
)
from deals.models import Deal
from deals.services import deal_create
from imports.models import DuplicatePolicy
from leads.models import Lead
from leads.services import lead_create
from tests.factories import SourceFactory, user_with_role
from tests.imports.conftest import imported, totals


def _contact(contact: Contact) -> tuple:
    return (contact.last_name, contact.first_name, contact.middle_name, contact.position,
            contact.contact_type, sorted(c.value for c in contact.communications.all()),
            sorted(company.title for company in contact.companies.all()), contact.source_id,
            contact.responsible_id)  # fmt: skip


def _company(company: Company) -> tuple:
    return (company.title, company.company_type, company.industry, company.address,
            sorted(c.value for c in company.communications.all()),
            [r.inn for r in company.requisites.all()], company.source_id,
            company.responsible_id)  # fmt: skip


def _lead(lead: Lead) -> tuple:
    return (lead.title, lead.status_id, lead.amount, lead.currency_id, lead.last_name,
            lead.first_name, lead.company_title, lead.source_id, lead.responsible_id)  # fmt: skip


def _deal(deal: Deal) -> tuple:
    return (deal.title, deal.pipeline_id, deal.stage_id, deal.amount, deal.currency_id,
            deal.company_id, deal.responsible_id)  # fmt: skip


def _make_items(actor, colleague, statuses, pipeline):
    source = SourceFactory(code="site", name="Website")
    eco = company_create(title="Eco LLC", actor=actor, company_type="partner", industry="retail",
                         address="Moscow, Tverskaya 1", source=source, responsible=colleague,
                         communications=[CommunicationInput("phone", "+7 495 123-45-67")])  # fmt: skip
    company_requisite_create(company=eco, actor=actor, inn="7707083893")
    company_create(title="Green Ltd", actor=actor)
    petrov = contact_create(
        actor=actor, last_name="Petrov", first_name="Ivan", middle_name="Sergeevich",
        position="Buyer", contact_type="partner", source=source, responsible=colleague,
        communications=[CommunicationInput("phone", "+7 916 123-45-67"),
                        CommunicationInput("phone", "8 (903) 000-00-01"),
                        CommunicationInput("email", "ivan@example.com")],
    )  # fmt: skip
    contact_link_company(contact=petrov, company=eco, actor=actor)
    contact_create(actor=actor, first_name="Anna")
    lead_create(title="Paint for the school", actor=actor, status=statuses["in_process"],
                amount=Decimal("1500.50"), last_name="Sidorov", first_name="Oleg",
                company_title="School 5", source=source, responsible=colleague)  # fmt: skip
    negotiation = pipeline.stages.get(name="Negotiation")
    deal_create(title="First order", actor=actor, stage=negotiation, amount=Decimal(900),
                company=eco, responsible=colleague)  # fmt: skip


ENTITIES = {
    # entity: (export route, model, values, the mapping the export's header gets)
    "contact": ("contacts:export", Contact, _contact,
                ["", "last_name", "first_name", "middle_name", "position", "contact_type",
                 "phones", "emails", "companies", "source", "responsible", ""]),
    "company": ("contacts:company-export", Company, _company,
                ["", "title", "company_type", "industry", "inn", "phones", "emails", "address",
                 "source", "responsible", ""]),
    "lead": ("leads:export", Lead, _lead,
             ["", "title", "status", "amount", "currency", "last_name", "first_name",
              "company_title", "source", "campaign", "responsible", ""]),
    "deal": ("deals:export", Deal, _deal,
             ["", "title", "pipeline", "stage", "amount", "currency", "responsible", "company",
              ""]),
}  # fmt: skip


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("entity", ENTITIES)
def test_an_exported_file_imports_back_with_the_same_values(
    client, money, pipeline, statuses, entity, language
):
    # given items, and a file of them exported in the user's language
    actor = user_with_role("importer", "all", first_name="Irina", last_name="Importer")
    colleague = user_with_role("colleague", "all", first_name="Kira", last_name="Colleague")
    _make_items(actor, colleague, statuses, pipeline)
    route, model, values, mapping = ENTITIES[entity]
    client.force_login(actor)
    response = client.get(reverse(route), headers={"accept-language": language})
    exported = b"".join(response.streaming_content).decode("utf-8")
    before = {item.pk: values(item) for item in model.objects.all()}

    # when the file is imported as new items (the same phones would make them duplicates)
    with translation.override(language):
        csv_import = imported(actor, entity, exported, policy=DuplicatePolicy.CREATE)

    # then every column is recognised and every item comes back with its values
    assert csv_import.mapping == mapping
    assert totals(csv_import) == {
        "status": "done", "rows": len(before), "created": len(before), "updated": 0,
        "skipped": 0, "rejected": 0}  # fmt: skip
    new = [values(item) for item in model.objects.exclude(pk__in=before).order_by("pk")]
    assert sorted(new, key=repr) == sorted(before.values(), key=repr)
