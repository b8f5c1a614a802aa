import pytest
from django.core.exceptions import ValidationError

from activities.models import TimelineEvent
from contacts.communications import normalize, normalize_phone
from contacts.models import Communication, Company, CompanyRequisite, Contact, ContactCompany
from contacts.requisites import validate_inn, validate_ogrn
from contacts.services import (
    CommunicationInput,
    ContactDraft,
    communications_replace,
    company_create,
    company_requisite_create,
    company_requisite_update,
    company_update,
    contact_create,
    contact_create_many,
    contact_link_company,
    contact_update,
)
from core.services import FieldChange
from tests.factories import CompanyFactory, ContactFactory, UserFactory

PHONE = Communication.Kind.PHONE
EMAIL = Communication.Kind.EMAIL


def _timeline(entity):
    return list(
        TimelineEvent.objects.filter(entity_type=entity.ENTITY_TYPE, entity_id=entity.pk)
        .order_by("id")
        .values_list("kind", "payload")
    )


def _communications(owner):
    return list(
        owner.communications.order_by("id").values_list(
            "kind", "label", "value", "normalized_value"
        )
    )


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", first_name="Anna", last_name="Orlova")


# normalisation


@pytest.mark.parametrize(
    "phone", ["8 (916) 123-45-67", "+7 916 123 45 67", "+7(916)1234567", "89161234567"]
)
def test_russian_phones_in_any_notation_normalise_to_e164(phone):
    assert normalize_phone(phone) == "+79161234567"


def test_an_unparsable_phone_keeps_its_digits():
    assert normalize_phone("ext. 12-34") == "1234"


def test_normalize_lowercases_emails_and_websites():
    assert normalize(EMAIL, "  Ivan.Petrov@Example.COM ") == "ivan.petrov@example.com"
    assert normalize(Communication.Kind.WEB, "Example.COM") == "example.com"


@pytest.mark.parametrize(
    ("kind", "value"),
    [(EMAIL, "not-an-email"), (EMAIL, "ivan@"), (PHONE, "12-34"), (PHONE, "   ")],
)
def test_normalize_rejects_what_is_not_a_phone_or_an_email(kind, value):
    with pytest.raises(ValidationError):
        normalize(kind, value)


# INN and OGRN


@pytest.mark.parametrize("inn", ["7707083893", "500100732259"])
def test_a_valid_inn_passes(inn):
    validate_inn(inn)


@pytest.mark.parametrize(
    ("inn", "code"),
    [
        ("7707083894", "inn_checksum"),
        ("500100732258", "inn_checksum"),
        ("500100732249", "inn_checksum"),
        ("770708389", "inn_length"),
        ("77070838931", "inn_length"),
        ("77070838a3", "inn_length"),
    ],
)
def test_an_invalid_inn_is_rejected(inn, code):
    with pytest.raises(ValidationError) as error:
        validate_inn(inn)

    assert error.value.code == code


def test_a_valid_ogrn_passes():
    validate_ogrn("1027700132195")


@pytest.mark.parametrize(
    ("ogrn", "code"),
    [
        ("1027700132194", "ogrn_checksum"),
        ("102770013219", "ogrn_length"),
        ("10277001321951", "ogrn_length"),
    ],
)
def test_an_invalid_ogrn_is_rejected(ogrn, code):
    with pytest.raises(ValidationError) as error:
        validate_ogrn(ogrn)

    assert error.value.code == code


# communications


@pytest.mark.django_db
def test_communications_replace_normalises_and_collapses_duplicates():
    # given
    contact = ContactFactory()

    # when
    saved = communications_replace(
        owner=contact,
        items=[
            CommunicationInput(PHONE, "8 (916) 123-45-67", Communication.Label.MOBILE),
            CommunicationInput(PHONE, "+7 916 123 45 67"),
            CommunicationInput(EMAIL, " Ivan@Example.com "),
            CommunicationInput(EMAIL, "ivan@example.com"),
        ],
    )

    # then
    assert len(saved) == 2
    assert _communications(contact) == [
        ("phone", "mobile", "8 (916) 123-45-67", "+79161234567"),
        ("email", "work", "Ivan@Example.com", "ivan@example.com"),
    ]


@pytest.mark.django_db
def test_communications_replace_drops_the_previous_ones_of_that_owner_only():
    contact, other = ContactFactory(), ContactFactory()
    communications_replace(owner=contact, items=[CommunicationInput(EMAIL, "old@example.com")])
    communications_replace(owner=other, items=[CommunicationInput(EMAIL, "other@example.com")])

    communications_replace(owner=contact, items=[CommunicationInput(EMAIL, "new@example.com")])

    assert [value for _, _, value, _ in _communications(contact)] == ["new@example.com"]
    assert [value for _, _, value, _ in _communications(other)] == ["other@example.com"]


@pytest.mark.django_db
def test_a_bad_email_is_rejected_by_position_and_nothing_is_replaced():
    # given
    contact = ContactFactory()
    communications_replace(owner=contact, items=[CommunicationInput(EMAIL, "kept@example.com")])

    # when
    with pytest.raises(ValidationError) as error:
        communications_replace(
            owner=contact,
            items=[
                CommunicationInput(PHONE, "+7 916 123 45 67"),
                CommunicationInput(EMAIL, "not-an-email"),
            ],
        )

    # then
    assert list(error.value.message_dict) == ["communications[1]"]
    assert [value for _, _, value, _ in _communications(contact)] == ["kept@example.com"]


# contacts


@pytest.mark.django_db
def test_contact_create_saves_the_contact_its_communications_and_a_timeline_entry(manager):
    # when
    contact = contact_create(
        actor=manager,
        first_name=" Ivan ",
        last_name="Petrov",
        position="Buyer",
        communications=[CommunicationInput(PHONE, "8 (916) 123-45-67")],
    )

    # then
    contact.refresh_from_db()
    assert (contact.first_name, contact.last_name, contact.position) == ("Ivan", "Petrov", "Buyer")
    assert (contact.responsible, contact.created_by) == (manager, manager)
    assert _communications(contact) == [("phone", "work", "8 (916) 123-45-67", "+79161234567")]
    assert _timeline(contact) == [("created", {})]
    assert TimelineEvent.objects.get().actor == manager


@pytest.mark.django_db
def test_contact_create_gives_the_contact_to_the_chosen_responsible(manager):
    colleague = UserFactory(username="colleague")

    contact = contact_create(actor=manager, last_name="Petrov", responsible=colleague)

    assert (contact.responsible, contact.created_by) == (colleague, manager)


@pytest.mark.django_db
def test_contact_create_needs_a_name(manager):
    with pytest.raises(ValidationError) as error:
        contact_create(
            actor=manager,
            first_name=" ",
            communications=[CommunicationInput(EMAIL, "ivan@example.com")],
        )

    assert error.value.message_dict == {"last_name": ["Give the contact a first or last name."]}
    assert Contact.objects.count() == 0
    assert Communication.objects.count() == 0
    assert TimelineEvent.objects.count() == 0


@pytest.mark.django_db
def test_contact_create_with_a_bad_email_creates_nothing(manager):
    with pytest.raises(ValidationError):
        contact_create(
            actor=manager,
            last_name="Petrov",
            communications=[CommunicationInput(EMAIL, "not-an-email")],
        )

    assert Contact.objects.count() == 0
    assert TimelineEvent.objects.count() == 0


@pytest.mark.django_db
def test_contact_update_journals_each_change(manager):
    # given
    contact = ContactFactory(first_name="Ivan", last_name="Petrov", position="")

    # when
    contact_update(
        contact=contact,
        actor=manager,
        data={"position": "CFO", "last_name": "Sidorov", "first_name": "Ivan"},
    )

    # then
    contact.refresh_from_db()
    assert (contact.last_name, contact.position) == ("Sidorov", "CFO")
    assert _timeline(contact) == [
        (
            "field_changed",
            {
                "changes": [
                    {"field": "last_name", "old": "Petrov", "new": "Sidorov"},
                    {"field": "position", "old": "", "new": "CFO"},
                ]
            },
        )
    ]


@pytest.mark.django_db
def test_contact_update_without_changes_writes_no_timeline(manager):
    contact = ContactFactory(first_name="Ivan")

    contact_update(contact=contact, actor=manager, data={"first_name": "Ivan"})

    assert _timeline(contact) == []


# companies


@pytest.mark.django_db
def test_company_create_saves_the_company_its_communications_and_a_timeline_entry(manager):
    company = company_create(
        title=" Horns & Hooves ",
        actor=manager,
        communications=[CommunicationInput(Communication.Kind.WEB, "Horns.example")],
    )

    company.refresh_from_db()
    assert (company.title, company.responsible, company.created_by) == (
        "Horns & Hooves",
        manager,
        manager,
    )
    assert _communications(company) == [("web", "work", "Horns.example", "horns.example")]
    assert _timeline(company) == [("created", {})]


@pytest.mark.django_db
def test_company_create_needs_a_title(manager):
    with pytest.raises(ValidationError) as error:
        company_create(title="  ", actor=manager)

    assert list(error.value.message_dict) == ["title"]
    assert Company.objects.count() == 0


@pytest.mark.django_db
def test_company_update_journals_each_change(manager):
    company = CompanyFactory(title="Horns", employees=None)

    company_update(company=company, actor=manager, data={"title": "Hooves", "employees": 12})

    company.refresh_from_db()
    assert (company.title, company.employees) == ("Hooves", 12)
    assert _timeline(company) == [
        (
            "field_changed",
            {
                "changes": [
                    {"field": "title", "old": "Horns", "new": "Hooves"},
                    {"field": "employees", "old": None, "new": 12},
                ]
            },
        )
    ]


@pytest.mark.django_db
def test_contact_link_company_links_once_and_journals_the_new_link(manager):
    # given
    contact = ContactFactory()
    company = CompanyFactory(title="Horns")

    # when
    contact_link_company(contact=contact, company=company, actor=manager, position="Buyer")
    link = contact_link_company(
        contact=contact, company=company, actor=manager, position="CEO", is_decision_maker=True
    )

    # then
    assert ContactCompany.objects.count() == 1
    link.refresh_from_db()
    assert (link.position, link.is_decision_maker) == ("CEO", True)
    assert _timeline(contact) == [
        (
            "field_changed",
            {
                "changes": [
                    {"field": "companies", "old": None, "new": {"id": company.pk, "label": "Horns"}}
                ]
            },
        )
    ]


# requisites


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("inn", "ogrn"), [("7707083893", "1027700132195"), ("500100732259", ""), ("", "")]
)
def test_requisites_with_valid_identifiers_are_saved(manager, inn, ogrn):
    company = CompanyFactory()

    requisite = company_requisite_create(
        company=company, actor=manager, full_name="Horns LLC", inn=inn, ogrn=ogrn
    )

    requisite.refresh_from_db()
    assert (requisite.company, requisite.inn, requisite.ogrn) == (company, inn, ogrn)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"inn": "7707083894"}, "inn", "The INN 7707083894 has a wrong check digit."),
        ({"inn": "770708389"}, "inn", "An INN has 10 or 12 digits."),
        ({"ogrn": "1027700132194"}, "ogrn", "The OGRN 1027700132194 has a wrong check digit."),
    ],
)
def test_requisites_with_a_wrong_identifier_are_refused(manager, fields, field, message):
    company = CompanyFactory()

    with pytest.raises(ValidationError) as error:
        company_requisite_create(company=company, actor=manager, **fields)

    assert message in error.value.message_dict[field]
    assert CompanyRequisite.objects.count() == 0


@pytest.mark.django_db
def test_company_requisite_update_checks_the_new_inn(manager):
    # given
    requisite = company_requisite_create(company=CompanyFactory(), actor=manager, inn="7707083893")

    # when
    with pytest.raises(ValidationError):
        company_requisite_update(requisite=requisite, actor=manager, data={"inn": "7707083894"})
    changes = company_requisite_update(
        requisite=CompanyRequisite.objects.get(), actor=manager, data={"kpp": "773601001"}
    )

    # then
    assert changes == [FieldChange("kpp", "", "773601001")]
    assert CompanyRequisite.objects.values_list("inn", "kpp").get() == ("7707083893", "773601001")


@pytest.mark.django_db
def test_contact_link_company_keeps_what_an_existing_link_has_unless_told(manager):
    # given a decision maker
    contact = ContactFactory()
    company = CompanyFactory()
    contact_link_company(
        contact=contact, company=company, actor=manager, position="CEO", is_decision_maker=True
    )

    # when the pair is linked again without saying what changes
    link = contact_link_company(contact=contact, company=company, actor=manager)

    # then nothing changed
    link.refresh_from_db()
    assert (link.position, link.is_decision_maker) == ("CEO", True)


def test_contacts_made_together_keep_their_valid_phones_and_e_mails_and_drop_the_rest(db):
    anna, boris = contact_create_many(
        drafts=[
            ContactDraft(last_name="Ivanova", first_name="Anna", communications=[
                CommunicationInput(kind="email", value="Anna@Example.com"),
                CommunicationInput(kind="phone", value="not a phone")]),
            ContactDraft(last_name="Petrov", communications=[
                CommunicationInput(kind="phone", value="8 (916) 123-45-67")]),
        ]
    )  # fmt: skip

    assert list(anna.communications.values_list("normalized_value", flat=True)) == [
        "anna@example.com"]  # fmt: skip
    assert list(boris.communications.values_list("normalized_value", flat=True)) == [
        "+79161234567"]  # fmt: skip
    assert TimelineEvent.objects.filter(entity_type="contact", kind="created").count() == 2


def test_contacts_made_together_each_need_a_name(db):
    with pytest.raises(ValidationError):
        contact_create_many(drafts=[ContactDraft(last_name="Ivanova"), ContactDraft()])

    assert not Contact.objects.exists()
