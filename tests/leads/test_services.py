from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from activities.models import Notification, TimelineEvent
from catalog.models import ProductRow
from catalog.services import ProductRowInput
from contacts.models import Communication, Company, Contact, ContactCompany
from contacts.services import CommunicationInput, contact_link_company
from core.errors import ApplicationError
from core.urls import entity_url
from deals.models import Deal, DealContact
from leads.events import LeadConverted, LeadCreated, LeadStatusChanged
from leads.models import Lead, LeadStatus
from leads.services import (
    Conversion,
    lead_convert,
    lead_create,
    lead_set_product_rows,
    lead_set_status,
    lead_status_converted,
    lead_status_first,
    lead_update,
)
from tests.factories import (
    CompanyFactory,
    ContactFactory,
    ProductFactory,
    SourceFactory,
    UserFactory,
)

PHONE = Communication.Kind.PHONE
EMAIL = Communication.Kind.EMAIL


@pytest.fixture
def published(record_events):
    return record_events(LeadCreated, LeadStatusChanged, LeadConverted)


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", first_name="Anna", last_name="Orlova")


def _timeline(entity):
    return list(
        TimelineEvent.objects.filter(entity_type=entity.ENTITY_TYPE, entity_id=entity.pk)
        .order_by("id")
        .values_list("kind", "payload")
    )


def _counts():
    return {
        "contacts": Contact.objects.count(),
        "companies": Company.objects.count(),
        "deals": Deal.objects.count(),
        "communications": Communication.objects.count(),
        "product rows": ProductRow.objects.count(),
        "timeline": TimelineEvent.objects.count(),
    }


# statuses


def test_lead_status_first_is_the_lowest_sort(statuses):
    assert lead_status_first() == statuses["new"]
    assert lead_status_converted() == statuses["converted"]


@pytest.mark.django_db
def test_lead_status_first_refuses_a_final_first_status():
    LeadStatus.objects.create(code="junk", name="Junk", sort=1, semantics="junk")

    with pytest.raises(ApplicationError) as error:
        lead_status_first()

    assert error.value.code == "no_lead_status"


@pytest.mark.django_db
def test_lead_status_converted_refuses_when_none_means_converted():
    with pytest.raises(ApplicationError) as error:
        lead_status_converted()

    assert error.value.code == "no_converted_status"


# lead_create


def test_lead_create_starts_in_the_first_status(
    statuses, money, manager, published, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        lead = lead_create(
            title=" Website request ",
            actor=manager,
            last_name="Petrov",
            communications=[CommunicationInput(PHONE, "8 (916) 123-45-67")],
        )
        assert published == []

    # then
    lead.refresh_from_db()
    assert (lead.title, lead.status, lead.currency_id, lead.amount) == (
        "Website request",
        statuses["new"],
        "RUB",
        Decimal("0.00"),
    )
    assert (lead.responsible, lead.created_by) == (manager, manager)
    assert lead.status_changed_at is not None
    assert list(lead.communications.values_list("normalized_value", flat=True)) == ["+79161234567"]
    assert _timeline(lead) == [("created", {})]
    assert Notification.objects.count() == 0
    assert published == [LeadCreated(lead_id=lead.pk, actor_id=manager.pk)]


def test_lead_create_with_products_takes_their_total(statuses, money, manager):
    licence = ProductFactory(name="Licence", price=Decimal("10.00"), currency=money["USD"])

    lead = lead_create(
        title="Licences",
        actor=manager,
        product_rows=[ProductRowInput(quantity=Decimal(2), product=licence)],
    )

    lead.refresh_from_db()
    assert lead.amount == Decimal("1800.00")
    assert list(lead.product_rows.values_list("product_name", "price")) == [
        ("Licence", Decimal("900.00"))
    ]


def test_lead_create_notifies_the_responsible_assigned_by_somebody_else(statuses, money, manager):
    seller = UserFactory(username="seller")

    lead = lead_create(title="Website request", actor=manager, responsible=seller)

    notification = Notification.objects.get()
    assert (
        notification.recipient,
        notification.kind,
        notification.title_text,
        notification.url,
    ) == (
        seller,
        Notification.Kind.LEAD_ASSIGNED,
        "New lead assigned to you: Website request",
        entity_url(lead),
    )


@pytest.mark.parametrize("status", ["converted", "junk"])
def test_lead_create_refuses_a_final_status(statuses, money, manager, status):
    with pytest.raises(ApplicationError) as error:
        lead_create(title="Website request", actor=manager, status=statuses[status])

    assert error.value.code == "final_status"
    assert Lead.objects.count() == 0


def test_lead_create_with_a_bad_email_creates_nothing(statuses, money, manager):
    with pytest.raises(ValidationError):
        lead_create(
            title="Website request",
            actor=manager,
            communications=[CommunicationInput(EMAIL, "not-an-email")],
        )

    assert Lead.objects.count() == 0
    assert TimelineEvent.objects.count() == 0


# lead_update and lead_set_product_rows


def test_lead_update_journals_the_changes(statuses, money, manager):
    lead = lead_create(title="Website request", actor=manager, company_title="")

    lead_update(lead=lead, actor=manager, data={"company_title": "Horns", "title": "Call"})

    lead.refresh_from_db()
    assert (lead.title, lead.company_title) == ("Call", "Horns")
    assert _timeline(lead)[-1] == (
        "field_changed",
        {
            "changes": [
                {"field": "title", "old": "Website request", "new": "Call"},
                {"field": "company_title", "old": "", "new": "Horns"},
            ]
        },
    )


def test_lead_set_product_rows_makes_the_amount_their_total(statuses, money, manager):
    lead = Lead.objects.get(pk=lead_create(title="Website request", actor=manager).pk)

    lead_set_product_rows(
        lead=lead,
        actor=manager,
        rows=[ProductRowInput(quantity=Decimal(3), product_name="Hour", price=Decimal("1500.00"))],
    )

    lead.refresh_from_db()
    assert lead.amount == Decimal("4500.00")
    assert _timeline(lead)[-1] == (
        "products_changed",
        {"old_amount": "0.00", "new_amount": "4500.00", "rows": 1},
    )


def test_the_amount_of_a_lead_with_products_cannot_be_set_by_hand(statuses, money, manager):
    lead = lead_create(title="Website request", actor=manager)
    lead_set_product_rows(lead=lead, actor=manager, rows=[
        ProductRowInput(quantity=Decimal(2), product_name="Hour", price=Decimal("1500.00"))])  # fmt: skip

    with pytest.raises(ApplicationError) as error:
        lead_update(lead=lead, actor=manager, data={"amount": Decimal("10.00")})
    lead_update(lead=lead, actor=manager, data={"amount": Decimal("3000.00"), "title": "Hours"})

    assert error.value.code == "amount_from_rows"
    lead.refresh_from_db()
    assert (lead.amount, lead.title) == (Decimal("3000.00"), "Hours")


# lead_set_status


def test_lead_set_status_moves_the_lead_and_journals_it(
    statuses, money, manager, published, django_capture_on_commit_callbacks
):
    # given
    lead = lead_create(title="Website request", actor=manager)
    published.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        moved = lead_set_status(
            lead=lead, status=statuses["in_process"], actor=manager, comment="Called back"
        )
        assert published == []

    # then
    lead.refresh_from_db()
    assert (lead.status, lead.status_comment) == (statuses["in_process"], "Called back")
    assert moved.status == statuses["in_process"]
    assert _timeline(lead)[-1] == (
        "status_changed",
        {
            "from": {"id": statuses["new"].pk, "label": "New"},
            "to": {"id": statuses["in_process"].pk, "label": "In process"},
            "comment": "Called back",
        },
    )
    assert published == [
        LeadStatusChanged(
            lead_id=lead.pk,
            from_status_id=statuses["new"].pk,
            to_status_id=statuses["in_process"].pk,
            actor_id=manager.pk,
        )
    ]


def test_lead_set_status_to_junk(statuses, money, manager):
    lead = lead_create(title="Website request", actor=manager)

    lead_set_status(lead=lead, status=statuses["junk"], actor=manager, comment="Spam")

    assert Lead.objects.get(pk=lead.pk).status == statuses["junk"]


def test_lead_set_status_refuses_the_converted_status(
    statuses, money, manager, published, django_capture_on_commit_callbacks
):
    # given
    lead = lead_create(title="Website request", actor=manager)
    timeline_before = _timeline(lead)
    published.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ApplicationError) as error:
        lead_set_status(lead=lead, status=statuses["converted"], actor=manager)

    # then
    assert error.value.code == "use_convert"
    assert error.value.message == "Convert the lead to give it the converted status."
    lead.refresh_from_db()
    assert (lead.status, lead.converted_at) == (statuses["new"], None)
    assert _timeline(lead) == timeline_before
    assert published == []


def test_lead_set_status_to_the_current_status_changes_nothing(statuses, money, manager):
    lead = lead_create(title="Website request", actor=manager)
    changed_at = Lead.objects.get(pk=lead.pk).status_changed_at

    lead_set_status(lead=lead, status=statuses["new"], actor=manager, comment="again")

    lead.refresh_from_db()
    assert (lead.status_changed_at, lead.status_comment) == (changed_at, "")
    assert _timeline(lead) == [("created", {})]


# lead_convert


@pytest.fixture
def rich_lead(statuses, money, pipeline, manager):
    """A lead from a website with a person, a company, two ways to reach them and products."""
    seller = UserFactory(username="seller", first_name="Boris", last_name="Volkov")
    licence = ProductFactory(name="Licence", price=Decimal("10.00"), currency=money["USD"])
    return lead_create(
        title="Printers for the office",
        actor=manager,
        responsible=seller,
        source=SourceFactory(code="web", name="Website"),
        honorific="Mr",
        first_name="Ivan",
        last_name="Petrov",
        position="Buyer",
        company_title="Horns & Hooves",
        address="Moscow, Tverskaya 1",
        comments="Wants a discount",
        communications=[
            CommunicationInput(PHONE, "8 (916) 123-45-67", Communication.Label.MOBILE),
            CommunicationInput(EMAIL, "ivan@horns.example"),
        ],
        product_rows=[
            ProductRowInput(quantity=Decimal(2), product=licence),
            ProductRowInput(
                quantity=Decimal(1),
                product_name="Setup",
                price=Decimal("500.00"),
                discount_rate=Decimal(10),
            ),
        ],
    )


def test_converting_a_lead_into_a_contact_a_company_and_a_deal(
    rich_lead, statuses, pipeline, manager, published, django_capture_on_commit_callbacks
):
    # given
    seller = rich_lead.responsible
    published.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        result = lead_convert(
            lead=rich_lead,
            conversion=Conversion(contact=True, company=True, deal=True),
            actor=manager,
        )
        assert published == []

    # then: the lead is converted and points at what was made of it
    contact, company, deal = result.contact, result.company, result.deal
    lead = Lead.objects.get(pk=rich_lead.pk)
    assert lead.status == statuses["converted"]
    assert lead.converted_at is not None
    assert lead.status_changed_at == lead.converted_at
    assert (lead.contact, lead.company) == (contact, company)
    assert result.lead.status == statuses["converted"]

    # the contact has the person's data and the lead's communications
    contact.refresh_from_db()
    assert (
        contact.honorific,
        contact.first_name,
        contact.last_name,
        contact.position,
        contact.address,
    ) == ("Mr", "Ivan", "Petrov", "Buyer", "Moscow, Tverskaya 1")
    assert (contact.responsible, contact.created_by, contact.source) == (
        seller,
        manager,
        rich_lead.source,
    )
    assert list(contact.communications.values_list("kind", "label", "value")) == [
        ("email", "work", "ivan@horns.example"),
        ("phone", "mobile", "8 (916) 123-45-67"),
    ]

    # the company, with the contact in it; the lead's communications stay with the person
    company.refresh_from_db()
    assert (company.title, company.address, company.responsible) == (
        "Horns & Hooves",
        "Moscow, Tverskaya 1",
        seller,
    )
    assert company.communications.count() == 0
    assert list(ContactCompany.objects.values_list("contact", "company", "position")) == [
        (contact.pk, company.pk, "Buyer")
    ]

    # the deal, linked to all of them, with the lead's products
    deal.refresh_from_db()
    assert (deal.title, deal.lead, deal.company, deal.pipeline, deal.stage.name) == (
        "Printers for the office",
        lead,
        company,
        pipeline,
        "New",
    )
    assert (deal.currency_id, deal.amount, deal.comments, deal.responsible) == (
        "RUB",
        Decimal("2250.00"),
        "Wants a discount",
        seller,
    )
    assert list(DealContact.objects.values_list("deal", "contact", "is_primary")) == [
        (deal.pk, contact.pk, True)
    ]
    assert list(
        deal.product_rows.values_list("product_name", "price", "quantity", "line_total")
    ) == [
        ("Licence", Decimal("900.00"), Decimal("2.0000"), Decimal("1800.00")),
        ("Setup", Decimal("500.00"), Decimal("1.0000"), Decimal("450.00")),
    ]
    assert lead.product_rows.count() == 2

    # everything is journalled
    assert _timeline(lead)[-1] == (
        "converted",
        {
            "contact": {"id": contact.pk, "label": "Petrov Ivan"},
            "company": {"id": company.pk, "label": "Horns & Hooves"},
            "deal": {"id": deal.pk, "label": "Printers for the office"},
        },
    )
    from_lead = {"lead": {"id": lead.pk, "label": "Printers for the office"}}
    assert [kind for kind, _ in _timeline(contact)] == ["created", "field_changed", "converted"]
    assert _timeline(contact)[-1] == ("converted", from_lead)
    assert _timeline(company) == [("created", {}), ("converted", from_lead)]
    assert [kind for kind, _ in _timeline(deal)] == ["created", "converted"]
    assert _timeline(deal)[-1] == ("converted", from_lead)

    # and announced after commit
    assert (
        LeadConverted(
            lead_id=lead.pk,
            contact_id=contact.pk,
            company_id=company.pk,
            deal_id=deal.pk,
            actor_id=manager.pk,
        )
        in published
    )


def test_converting_into_a_company_only_gives_it_the_communications(rich_lead, manager):
    result = lead_convert(lead=rich_lead, conversion=Conversion(company=True), actor=manager)

    assert (result.contact, result.deal) == (None, None)
    assert sorted(result.company.communications.values_list("value", flat=True)) == [
        "8 (916) 123-45-67",
        "ivan@horns.example",
    ]
    assert Contact.objects.count() == 0
    assert Deal.objects.count() == 0


def test_converting_into_a_deal_for_an_existing_contact(rich_lead, pipeline, manager):
    # given
    existing = ContactFactory(first_name="Ivan", last_name="Petrov")
    company = CompanyFactory(title="Horns")

    # when
    result = lead_convert(
        lead=rich_lead,
        conversion=Conversion(
            contact=existing, company=company, deal=True, deal_fields={"title": "Renewal"}
        ),
        actor=manager,
    )

    # then
    assert (result.contact, result.company) == (existing, company)
    assert Contact.objects.count() == 1
    assert Company.objects.count() == 1
    assert ContactCompany.objects.filter(contact=existing, company=company).count() == 1
    assert list(result.deal.contacts.all()) == [existing]
    assert Deal.objects.get().title == "Renewal"
    assert Lead.objects.get(pk=rich_lead.pk).contact == existing


def test_the_conversion_fields_override_the_leads(rich_lead, manager):
    result = lead_convert(
        lead=rich_lead,
        conversion=Conversion(
            contact=True, contact_fields={"first_name": "Ivan", "position": "CEO"}
        ),
        actor=manager,
    )

    assert Contact.objects.values_list("first_name", "last_name", "position").get() == (
        "Ivan",
        "Petrov",
        "CEO",
    )
    assert result.contact.position == "CEO"


def test_converting_a_lead_twice_is_refused_and_creates_nothing(
    rich_lead, manager, published, django_capture_on_commit_callbacks
):
    # given
    lead_convert(
        lead=rich_lead, conversion=Conversion(contact=True, company=True, deal=True), actor=manager
    )
    before = _counts()
    converted_at = Lead.objects.get(pk=rich_lead.pk).converted_at
    published.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ApplicationError) as error:
        lead_convert(
            lead=rich_lead,
            conversion=Conversion(contact=True, company=True, deal=True),
            actor=manager,
        )

    # then
    assert error.value.code == "already_converted"
    assert error.value.message == "This lead is already converted."
    assert _counts() == before
    assert Lead.objects.get(pk=rich_lead.pk).converted_at == converted_at
    assert published == []


def test_a_converted_lead_cannot_be_edited_or_moved(rich_lead, statuses, manager):
    # rich_lead stays the copy loaded before the conversion: the services check the stored status
    lead_convert(lead=rich_lead, conversion=Conversion(company=True), actor=manager)
    before = _counts()

    with pytest.raises(ApplicationError) as edit_error:
        lead_update(lead=rich_lead, actor=manager, data={"title": "Other"})
    with pytest.raises(ApplicationError) as move_error:
        lead_set_status(lead=rich_lead, status=statuses["in_process"], actor=manager)
    with pytest.raises(ApplicationError) as products_error:
        lead_set_product_rows(lead=rich_lead, actor=manager, rows=[])

    assert edit_error.value.code == move_error.value.code == "already_converted"
    assert products_error.value.code == "already_converted"
    lead = Lead.objects.get(pk=rich_lead.pk)
    assert (lead.title, lead.status, lead.amount) == (
        "Printers for the office",
        statuses["converted"],
        Decimal("2250.00"),
    )
    assert _counts() == before


def test_a_junk_lead_is_not_converted(rich_lead, statuses, manager):
    lead_set_status(lead=rich_lead, status=statuses["junk"], actor=manager)
    before = _counts()

    with pytest.raises(ApplicationError) as error:
        lead_convert(lead=rich_lead, conversion=Conversion(contact=True), actor=manager)

    assert error.value.code == "junk"
    assert Lead.objects.get(pk=rich_lead.pk).status == statuses["junk"]
    assert _counts() == before


def test_a_conversion_with_nothing_chosen_is_refused(rich_lead, statuses, manager):
    before = _counts()

    with pytest.raises(ApplicationError) as error:
        lead_convert(
            lead=rich_lead, conversion=Conversion(contact=None, company=False), actor=manager
        )

    assert error.value.code == "nothing_chosen"
    assert Lead.objects.get(pk=rich_lead.pk).status == statuses["new"]
    assert _counts() == before


def test_a_contact_without_a_name_is_asked_for_and_nothing_is_created(
    statuses, money, pipeline, manager
):
    # given: a lead with a company name but no person's name
    lead = lead_create(title="Website request", actor=manager, company_title="Horns")
    before = _counts()

    # when
    with pytest.raises(ValidationError) as error:
        lead_convert(
            lead=lead, conversion=Conversion(contact=True, company=True, deal=True), actor=manager
        )

    # then
    assert error.value.message_dict == {
        "contact.last_name": ["Give the contact a first or last name."]
    }
    assert _counts() == before
    lead.refresh_from_db()
    assert (lead.status, lead.converted_at, lead.company) == (statuses["new"], None, None)


def test_a_company_without_a_name_is_asked_for(statuses, money, manager):
    lead = lead_create(title="Website request", actor=manager, last_name="Petrov")
    before = _counts()

    with pytest.raises(ValidationError) as error:
        lead_convert(lead=lead, conversion=Conversion(company=True), actor=manager)

    assert error.value.message_dict == {"company.title": ["Give the company a name."]}
    assert _counts() == before


@pytest.mark.django_db
def test_lead_convert_into_an_existing_client_keeps_the_decision_maker(statuses, pipeline, manager):
    # given a company's decision maker writes in again
    company = CompanyFactory(title="Horns")
    contact = ContactFactory()
    contact_link_company(
        contact=contact, company=company, actor=manager, position="CEO", is_decision_maker=True
    )
    lead = lead_create(title="Repeat order", actor=manager, contact=contact, company=company)

    # when the lead becomes a deal of the existing contact and company
    result = lead_convert(
        lead=lead, conversion=Conversion(contact=contact, company=company, deal=True), actor=manager
    )

    # then the deal is theirs and the link is as it was
    assert result.deal.company == company
    assert list(result.deal.contacts.all()) == [contact]
    link = ContactCompany.objects.get(contact=contact, company=company)
    assert (link.position, link.is_decision_maker) == ("CEO", True)
