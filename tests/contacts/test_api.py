"""Contacts and companies over the REST API: scopes, writes through the services with their
phones and e-mails, the error shape, filters, and merging duplicates."""

import pytest
from django.urls import reverse

from accounts.models import PermissionAction, RolePermission
from activities.models import Activity, ActivityBinding, TimelineEvent
from activities.services import activity_create
from contacts.events import ContactDeleted
from contacts.models import Communication, Company, CompanyRequisite, Contact, ContactCompany
from contacts.services import (
    CommunicationInput,
    communications_replace,
    company_merge,
    contact_link_company,
    contact_merge,
)
from deals.models import DealContact
from deals.services import deal_create
from tests.api_client import api_as
from tests.factories import CompanyFactory, ContactFactory, LeadFactory, sales_staff

# who sees whose items (see tests/factories.sales_staff): the managers their own, the head
# the responsible's (a sub-department's)
VISIBLE = {"responsible": {"responsible"}, "other": {"other"}, "head": {"responsible"}}
KINDS = {"contact": ContactFactory, "company": CompanyFactory}


@pytest.fixture
def people(db, pipeline, statuses):
    users = sales_staff()
    items = {
        kind: {owner: factory(responsible=users[owner]) for owner in ("responsible", "other")}
        for kind, factory in KINDS.items()
    }
    return users, items


def phone(owner, value: str, label: str = "work") -> None:
    items = [
        CommunicationInput(kind=c.kind, value=c.value, label=c.label)
        for c in owner.communications.all()
    ]
    communications_replace(
        owner=owner, items=[*items, CommunicationInput(kind="phone", value=value, label=label)]
    )


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("user", VISIBLE)
def test_the_lists_and_details_follow_the_view_scope(people, kind, user):
    users, items = people
    api = api_as(users[user])

    listed = api.get(reverse(f"api:{kind}-list"))

    assert {row["id"] for row in listed.json()["results"]} == {
        items[kind][owner].pk for owner in VISIBLE[user]
    }
    for owner, item in items[kind].items():
        expected = 200 if owner in VISIBLE[user] else 404
        assert api.get(reverse(f"api:{kind}-detail", args=[item.pk])).status_code == expected


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("user", VISIBLE)
@pytest.mark.parametrize("owner", ["responsible", "other"])
def test_changes_merges_and_deletes_follow_the_scopes(people, kind, user, owner):
    users, items = people
    item, api = items[kind][owner], api_as(users[user])
    allowed = owner in VISIBLE[user]
    duplicate = KINDS[kind](responsible=users[owner], comments="From the duplicate")
    field = "last_name" if kind == "contact" else "title"

    patched = api.patch(reverse(f"api:{kind}-detail", args=[item.pk]), {field: "Renamed"})
    merged = api.post(reverse(f"api:{kind}-merge", args=[item.pk]),
                      {"duplicates": [duplicate.pk]})  # fmt: skip

    assert (patched.status_code, merged.status_code) == ((200, 200) if allowed else (404, 404))
    item.refresh_from_db()
    assert (getattr(item, field) == "Renamed", item.comments == "From the duplicate") == (
        allowed, allowed)  # fmt: skip
    assert type(item).objects.filter(pk=duplicate.pk).exists() is not allowed
    deleted = api.delete(reverse(f"api:{kind}-detail", args=[item.pk]))
    assert deleted.status_code == (204 if allowed else 404)
    assert type(item).objects.filter(pk=item.pk).exists() is not allowed


@pytest.mark.parametrize("kind", KINDS)
def test_an_item_seen_but_not_editable_or_deletable_is_refused_with_403(people, kind):
    users, items = people
    mine = items[kind]["responsible"]
    duplicate = KINDS[kind](responsible=users["responsible"])
    RolePermission.objects.filter(role__users=users["head"],
                                  action=PermissionAction.EDIT).update(scope="own")  # fmt: skip
    RolePermission.objects.filter(role__users=users["head"],
                                  action=PermissionAction.DELETE).update(scope="own")  # fmt: skip
    head_target = KINDS[kind](responsible=users["head"])
    api = api_as(users["head"])

    patched = api.patch(reverse(f"api:{kind}-detail", args=[mine.pk]), {"comments": "X"})
    merged_into_seen = api.post(reverse(f"api:{kind}-merge", args=[mine.pk]),
                                {"duplicates": [duplicate.pk]})  # fmt: skip
    merging_seen = api.post(reverse(f"api:{kind}-merge", args=[head_target.pk]),
                            {"duplicates": [duplicate.pk]})  # fmt: skip
    merging_unseen = api.post(reverse(f"api:{kind}-merge", args=[head_target.pk]),
                              {"duplicates": [items[kind]["other"].pk]})  # fmt: skip

    assert [patched.status_code, merged_into_seen.status_code, merging_seen.status_code,
            merging_unseen.status_code] == [403, 403, 403, 404]  # fmt: skip
    assert patched.json()["error"]["code"] == "permission_denied"
    assert type(mine).objects.filter(pk__in=[duplicate.pk, items[kind]["other"].pk]).count() == 2
    mine.refresh_from_db()
    assert mine.comments == ""


def test_a_contact_is_created_and_changed_with_its_phones_and_emails(people):
    users, items = people
    api = api_as(users["responsible"])
    body = {
        "first_name": "Anna", "last_name": "Ivanova",
        "phones": [{"value": "+7 916 123-45-67", "type": "mobile"}],
        "emails": [{"value": "anna@ecoshop.example"}],
        "websites": [{"value": "ecoshop.example"}],
    }  # fmt: skip

    for_other = api.post(reverse("api:contact-list"), body | {"responsible": users["other"].pk})
    created = api.post(reverse("api:contact-list"), body)
    contact_id = created.json()["id"]
    changed = api.patch(reverse("api:contact-detail", args=[contact_id]),
                        {"phones": [{"value": "+7 495 000-00-00", "type": "work"}]})  # fmt: skip

    assert for_other.status_code == 403
    assert created.status_code == 201
    assert created.json()["phones"] == [{"value": "+7 916 123-45-67", "type": "mobile"}]
    assert created.json()["emails"] == [{"value": "anna@ecoshop.example", "type": "work"}]
    assert changed.status_code == 200
    assert changed.json()["phones"] == [{"value": "+7 495 000-00-00", "type": "work"}]
    # the kinds not given are kept
    assert changed.json()["emails"] == [{"value": "anna@ecoshop.example", "type": "work"}]
    assert changed.json()["websites"] == [{"value": "ecoshop.example", "type": "work"}]
    contact = Contact.objects.get(pk=contact_id)
    assert (contact.responsible, contact.communications.count()) == (users["responsible"], 3)
    assert TimelineEvent.objects.filter(entity_type="contact", entity_id=contact_id).count() == 1


def test_a_company_shows_its_requisites_read_only(people):
    users, items = people
    company = items["company"]["responsible"]
    CompanyRequisite.objects.create(company=company, inn="7707083893", full_name="Eco Shop LLC")
    api = api_as(users["responsible"])

    shown = api.get(reverse("api:company-detail", args=[company.pk]))
    patched = api.patch(reverse("api:company-detail", args=[company.pk]),
                        {"requisites": [], "title": "Eco Shop"})  # fmt: skip

    assert [(r["inn"], r["full_name"]) for r in shown.json()["requisites"]] == [
        ("7707083893", "Eco Shop LLC")]  # fmt: skip
    assert patched.status_code == 200
    assert patched.json()["title"] == "Eco Shop" and len(patched.json()["requisites"]) == 1


def test_bad_input_gets_the_one_error_shape_with_field_paths(people):
    users, items = people
    api = api_as(users["responsible"])
    contact = items["contact"]["responsible"]

    nameless = api.post(reverse("api:contact-list"),
                        {"first_name": " ", "emails": [{"value": "x@example.com"},
                                                       {"value": "not an e-mail"}]})  # fmt: skip
    bad_type = api.patch(reverse("api:contact-detail", args=[contact.pk]),
                         {"phones": [{"value": "+7 916 123-45-67", "type": "pager"}]})  # fmt: skip
    no_title = api.post(reverse("api:company-list"), {"revenue": "-1"})

    assert nameless.status_code == 400
    assert nameless.json()["error"]["code"] == "invalid"
    assert set(nameless.json()["error"]["fields"]) == {"emails.1.value"}
    assert bad_type.status_code == 400 and set(bad_type.json()["error"]["fields"]) == {
        "phones.0.type"}  # fmt: skip
    assert set(no_title.json()["error"]["fields"]) == {"title", "revenue"}
    assert Contact.objects.count() == 2 and Company.objects.count() == 2
    assert not contact.communications.exists()


def test_a_nameless_contact_is_refused_naming_the_last_name(people):
    users, _ = people

    response = api_as(users["responsible"]).post(reverse("api:contact-list"), {"first_name": ""})

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"last_name"}


def test_filters_by_text_phone_company_and_source_with_selected_fields(people):
    users, items = people
    manager = users["responsible"]
    found = ContactFactory(responsible=manager, last_name="Petrov")
    phone(found, "+7 916 555-44-33")
    company = items["company"]["responsible"]
    contact_link_company(contact=found, company=company, actor=manager)
    api = api_as(manager)
    url = reverse("api:contact-list")

    by_phone = api.get(url, {"q": "555-44", "fields": "id,last_name"})
    by_name = api.get(url, {"q": "petr"})
    by_company = api.get(url, {"company": company.pk})
    by_date = api.get(url, {"created_from": "2000-01-01", "responsible": manager.pk})
    companies_by_phone = api.get(reverse("api:company-list"), {"q": "916 555"})

    assert by_phone.json()["results"] == [{"id": found.pk, "last_name": "Petrov"}]
    assert [row["id"] for row in by_name.json()["results"]] == [found.pk]
    assert [row["id"] for row in by_company.json()["results"]] == [found.pk]
    assert {row["id"] for row in by_date.json()["results"]} == {
        found.pk, items["contact"]["responsible"].pk}  # fmt: skip
    assert companies_by_phone.json()["results"] == []


@pytest.mark.parametrize("kind", KINDS)
def test_the_lists_cost_the_same_queries_for_5_and_50_rows(people, kind,
                                                          django_assert_max_num_queries):  # fmt: skip
    users, _ = people
    manager = users["responsible"]
    api = api_as(manager)

    def listed(count: int) -> int:
        while KINDS[kind]._meta.model.objects.filter(responsible=manager).count() < count:
            item = KINDS[kind](responsible=manager)
            phone(item, f"+7 916 000-00-{count:02d}")
        with django_assert_max_num_queries(6) as captured:
            response = api.get(reverse(f"api:{kind}-list"))
        assert len(response.json()["results"]) == count
        return len(captured.captured_queries)

    assert listed(5) == listed(50)


def test_a_retried_create_with_the_same_idempotency_key_returns_the_first_contact(people):
    users, _ = people
    api = api_as(users["responsible"])
    headers = {"Idempotency-Key": "import-42"}

    first = api.post(reverse("api:contact-list"), {"last_name": "Sidorov"}, headers=headers)
    again = api.post(reverse("api:contact-list"), {"last_name": "Sidorov"}, headers=headers)

    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Contact.objects.filter(last_name="Sidorov").count() == 1


# merge services


def test_contact_merge_moves_every_link_and_deletes_the_duplicates(
    people, record_events, django_capture_on_commit_callbacks
):
    # given a target and two duplicates with deals, companies, leads, activities and phones
    users, items = people
    manager = users["responsible"]
    deleted = record_events(ContactDeleted)
    target = ContactFactory(responsible=manager, first_name="Anna", last_name="Ivanova",
                            position="")  # fmt: skip
    first = ContactFactory(responsible=manager, first_name="Anna", last_name="Ivanova",
                           position="Buyer", address="Moscow")  # fmt: skip
    second = ContactFactory(responsible=manager, first_name="A.", last_name="Ivanova",
                            position="Director")  # fmt: skip
    phone(target, "+7 916 111-11-11")
    phone(first, "8 (916) 111-11-11")  # the same number: not copied
    phone(first, "+7 916 222-22-22")
    phone(second, "+7 916 333-33-33")
    shared_deal = deal_create(title="Shared", actor=manager, contacts=[first, target])
    own_deal = deal_create(title="Own", actor=manager, contacts=[second])
    company, other_company = items["company"]["responsible"], CompanyFactory()
    contact_link_company(contact=target, company=company, actor=manager)
    contact_link_company(contact=first, company=company, actor=manager)
    contact_link_company(contact=second, company=other_company, actor=manager)
    lead = LeadFactory(contact=second)
    call = activity_create(kind="call", subject="Call", actor=manager, bound_to=[first, target])
    meeting = activity_create(kind="meeting", subject="Meet", actor=manager, bound_to=[second])
    events_before = TimelineEvent.objects.filter(
        entity_type="contact", entity_id__in=[target.pk, first.pk, second.pk]
    ).count()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        merged = contact_merge(target=target, duplicates=[second, first], actor=manager)

    # then
    assert not Contact.objects.filter(pk__in=[first.pk, second.pk]).exists()
    assert [e.contact_id for e in deleted] == [first.pk, second.pk]
    assert (merged.position, merged.address) == ("Buyer", "Moscow")
    assert sorted(merged.communications.values_list("normalized_value", flat=True)) == [
        "+79161111111", "+79162222222", "+79163333333"]  # fmt: skip
    assert set(DealContact.objects.filter(contact=target).values_list("deal_id", flat=True)) == {
        shared_deal.pk, own_deal.pk}  # fmt: skip
    assert DealContact.objects.filter(deal=shared_deal).count() == 1
    assert DealContact.objects.get(deal=own_deal).is_primary is True
    assert set(ContactCompany.objects.filter(contact=target).values_list("company_id",
                                                                          flat=True)) == {
        company.pk, other_company.pk}  # fmt: skip
    lead.refresh_from_db()
    assert lead.contact_id == target.pk
    assert set(ActivityBinding.objects.filter(entity_type="contact").values_list(
        "activity_id", "entity_id")) == {(call.pk, target.pk), (meeting.pk, target.pk)}  # fmt: skip
    assert Activity.objects.count() == 2
    timeline = TimelineEvent.objects.filter(entity_type="contact", entity_id=target.pk)
    # every event moved, plus the fields taken over and the merge itself
    assert timeline.count() == events_before + 2
    assert timeline.get(kind="comment").payload["merged"] == [
        {"id": first.pk, "label": "Ivanova Anna"}, {"id": second.pk, "label": "Ivanova A."}]  # fmt: skip


def test_company_merge_moves_deals_contacts_leads_and_requisites(people):
    users, items = people
    manager = users["responsible"]
    target = CompanyFactory(responsible=manager, title="Eco Shop")
    duplicate = CompanyFactory(responsible=manager, title="Eco Shop LLC", address="Moscow")
    CompanyRequisite.objects.create(company=target, inn="7707083893")
    CompanyRequisite.objects.create(company=duplicate, inn="7707083893")  # the same: dropped
    CompanyRequisite.objects.create(company=duplicate, inn="500100732259")
    deal = deal_create(title="Order", actor=manager, company=duplicate)
    contact = items["contact"]["responsible"]
    contact_link_company(contact=contact, company=duplicate, actor=manager)
    lead = LeadFactory(company=duplicate)

    company_merge(target=target, duplicates=[duplicate], actor=manager)

    deal.refresh_from_db()
    lead.refresh_from_db()
    target.refresh_from_db()
    assert not Company.objects.filter(pk=duplicate.pk).exists()
    assert (deal.company_id, lead.company_id, target.address) == (target.pk, target.pk, "Moscow")
    assert list(target.contacts.all()) == [contact]
    assert sorted(target.requisites.values_list("inn", flat=True)) == [
        "500100732259", "7707083893"]  # fmt: skip


def test_a_merge_refuses_the_target_among_its_duplicates_and_changes_nothing(people):
    users, items = people
    target = items["contact"]["responsible"]
    other = ContactFactory(responsible=users["responsible"])
    api = api_as(users["responsible"])

    response = api.post(reverse("api:contact-merge", args=[target.pk]),
                        {"duplicates": [other.pk, target.pk]})  # fmt: skip
    empty = api.post(reverse("api:contact-merge", args=[target.pk]), {"duplicates": []})

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"duplicates"}
    assert set(empty.json()["error"]["fields"]) == {"duplicates"}
    assert Contact.objects.filter(pk__in=[target.pk, other.pk]).count() == 2
    assert not TimelineEvent.objects.filter(kind="comment").exists()
    assert Communication.objects.count() == 0
