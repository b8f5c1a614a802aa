"""Leads over the REST API: scopes, writes through the services, the verbs set-status,
convert and merge, the error shape, filters and bounded list queries."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import PermissionAction, RolePermission
from activities.models import TimelineEvent
from catalog.models import ProductRow
from catalog.services import ProductRowInput
from contacts.models import Company, Contact
from contacts.services import CommunicationInput, communications_replace
from deals.models import Deal
from deals.services import deal_create
from leads.models import Lead
from leads.services import lead_create, lead_merge
from tests.api_client import api_as
from tests.factories import ContactFactory, LeadFactory, sales_staff

# who sees whose leads (see tests/factories.sales_staff)
VISIBLE = {"responsible": {"responsible"}, "other": {"other"}, "head": {"responsible"}}


@pytest.fixture
def people(db, pipeline, statuses):
    users = sales_staff()
    leads = {
        "responsible": LeadFactory(title="Responsible's lead", responsible=users["responsible"]),
        "other": LeadFactory(title="Other's lead", responsible=users["other"]),
    }
    return users, leads


@pytest.mark.parametrize("user", VISIBLE)
def test_the_lead_list_and_detail_follow_the_view_scope(people, user):
    users, leads = people
    api = api_as(users[user])

    listed = api.get(reverse("api:lead-list"))

    assert {row["title"] for row in listed.json()["results"]} == {
        leads[owner].title for owner in VISIBLE[user]
    }
    for owner, lead in leads.items():
        expected = 200 if owner in VISIBLE[user] else 404
        assert api.get(reverse("api:lead-detail", args=[lead.pk])).status_code == expected


@pytest.mark.parametrize("user", VISIBLE)
@pytest.mark.parametrize("owner", ["responsible", "other"])
def test_lead_changes_verbs_and_deletes_follow_the_scopes(people, statuses, user, owner):
    users, leads = people
    lead, api = leads[owner], api_as(users[user])
    allowed = owner in VISIBLE[user]
    duplicate = LeadFactory(responsible=users[owner])
    expected = 200 if allowed else 404

    patched = api.patch(reverse("api:lead-detail", args=[lead.pk]), {"title": "Renamed"})
    moved = api.post(reverse("api:lead-set-status", args=[lead.pk]),
                     {"status": statuses["in_process"].pk, "comment": "Called"})  # fmt: skip
    merged = api.post(reverse("api:lead-merge", args=[lead.pk]), {"duplicates": [duplicate.pk]})
    converted = api.post(reverse("api:lead-convert", args=[lead.pk]), {"create_contact": True})

    assert [r.status_code for r in (patched, moved, merged, converted)] == [expected] * 4
    lead.refresh_from_db()
    assert (lead.title == "Renamed", lead.status.code == "converted") == (allowed, allowed)
    assert Lead.objects.filter(pk=duplicate.pk).exists() is not allowed
    deleted = api.delete(reverse("api:lead-detail", args=[lead.pk]))
    assert deleted.status_code == (204 if allowed else 404)
    assert Lead.objects.filter(pk=lead.pk).exists() is not allowed


def test_a_lead_seen_but_not_editable_is_refused_with_403(people, statuses):
    users, leads = people
    RolePermission.objects.filter(role__users=users["head"],
                                  action=PermissionAction.EDIT).update(scope="own")  # fmt: skip
    api = api_as(users["head"])
    lead = leads["responsible"]

    patched = api.patch(reverse("api:lead-detail", args=[lead.pk]), {"title": "X"})
    moved = api.post(reverse("api:lead-set-status", args=[lead.pk]),
                     {"status": statuses["junk"].pk})  # fmt: skip
    converted = api.post(reverse("api:lead-convert", args=[lead.pk]), {"create_contact": True})

    assert [patched.status_code, moved.status_code, converted.status_code] == [403, 403, 403]
    assert patched.json()["error"]["code"] == "permission_denied"
    lead.refresh_from_db()
    assert (lead.title, lead.status.code, Contact.objects.count()) == (
        "Responsible's lead", "new", 0)  # fmt: skip


def test_creating_a_lead_checks_the_add_scope_and_keeps_its_phones(people, statuses):
    users, _ = people
    api = api_as(users["responsible"])
    body = {"title": "Website request", "amount": "1500.50",
            "phones": [{"value": "+7 916 123-45-67", "type": "mobile"}]}  # fmt: skip

    for_other = api.post(reverse("api:lead-list"), body | {"responsible": users["other"].pk})
    final = api.post(reverse("api:lead-list"), body | {"status": statuses["junk"].pk})
    mine = api.post(reverse("api:lead-list"), body)

    assert (for_other.status_code, final.status_code, mine.status_code) == (403, 409, 201)
    assert final.json()["error"]["code"] == "final_status"
    created = mine.json()
    assert (created["title"], created["amount"], created["status"], created["responsible"]) == (
        "Website request", "1500.50", statuses["new"].pk, users["responsible"].pk)  # fmt: skip
    assert created["phones"] == [{"value": "+7 916 123-45-67", "type": "mobile"}]
    assert Lead.objects.filter(title="Website request").count() == 1


def test_set_status_journals_the_comment_and_refuses_converted(people, statuses):
    users, leads = people
    lead, api = leads["responsible"], api_as(users["responsible"])
    url = reverse("api:lead-set-status", args=[lead.pk])

    moved = api.post(url, {"status": statuses["in_process"].pk, "comment": "Called back"})
    refused = api.post(url, {"status": statuses["converted"].pk})

    assert moved.status_code == 200 and moved.json()["status"] == statuses["in_process"].pk
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "use_convert"
    event = TimelineEvent.objects.get(entity_id=lead.pk, kind="status_changed")
    assert event.payload["comment"] == "Called back"


def test_convert_answers_the_created_ids_and_names_missing_fields(people):
    users, leads = people
    manager, api = users["responsible"], api_as(users["responsible"])
    nameless = LeadFactory(responsible=manager, first_name="", last_name="", company_title="")
    lead = leads["responsible"]
    existing = ContactFactory(responsible=users["other"])

    missing = api.post(reverse("api:lead-convert", args=[nameless.pk]),
                       {"create_contact": True, "create_company": True})  # fmt: skip
    unseen = api.post(reverse("api:lead-convert", args=[lead.pk]), {"contact": existing.pk})
    converted = api.post(
        reverse("api:lead-convert", args=[lead.pk]),
        {"create_contact": True, "create_company": True, "company_fields": {"title": "Eco"},
         "create_deal": True, "deal_fields": {"amount": "900.00"}},
    )  # fmt: skip
    again = api.post(reverse("api:lead-convert", args=[lead.pk]), {"create_contact": True})

    assert missing.status_code == 400
    assert set(missing.json()["error"]["fields"]) == {"company.title", "contact.last_name"}
    assert unseen.status_code == 400 and set(unseen.json()["error"]["fields"]) == {"contact"}
    assert converted.status_code == 200
    ids = converted.json()
    deal = Deal.objects.get(pk=ids["deal"])
    assert ids == {"lead": lead.pk, "contact": deal.contacts.get().pk,
                   "company": Company.objects.get(title="Eco").pk, "deal": deal.pk}  # fmt: skip
    assert deal.amount == Decimal("900.00")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_converted"
    nameless.refresh_from_db()
    assert nameless.status.code == "new" and Contact.objects.count() == 2


def test_convert_names_the_contact_last_name_when_the_lead_has_no_name(people):
    users, _ = people
    nameless = LeadFactory(responsible=users["responsible"], first_name="", last_name="")

    response = api_as(users["responsible"]).post(
        reverse("api:lead-convert", args=[nameless.pk]), {"create_contact": True}
    )

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"contact.last_name"}


def test_bad_input_gets_the_one_error_shape_with_field_paths(people):
    users, leads = people
    api = api_as(users["responsible"])

    missing = api.post(reverse("api:lead-list"), {"amount": "-5"})
    bad_phone = api.patch(reverse("api:lead-detail", args=[leads["responsible"].pk]),
                          {"phones": [{"value": "12"}], "status": 999})  # fmt: skip

    assert missing.status_code == 400
    assert set(missing.json()["error"]["fields"]) == {"title", "amount"}
    assert bad_phone.status_code == 400
    assert set(bad_phone.json()["error"]["fields"]) == {"phones.0.value"}
    assert Lead.objects.count() == 2


def test_filters_ordering_fields_and_cursor_pages(people, statuses):
    users, _ = people
    manager = users["responsible"]
    contact = ContactFactory(responsible=manager)
    for amount in (10, 30, 20):
        LeadFactory(responsible=manager, title=f"Lead {amount}", amount=amount, contact=contact)
    by_phone = LeadFactory(responsible=manager, title="Called in")
    communications_replace(owner=by_phone, items=[CommunicationInput("phone", "+7 916 777-66-55")])
    api = api_as(manager)
    url = reverse("api:lead-list")

    big = api.get(url, {"amount_min": 15, "ordering": "-amount", "fields": "id,title,amount"})
    of_contact = api.get(url, {"contact": contact.pk, "status": statuses["new"].pk})
    phoned = api.get(url, {"q": "777-66"})
    first = api.get(url, {"page_size": 2})
    second = api.get(first.json()["next"])

    assert [row["title"] for row in big.json()["results"]] == ["Lead 30", "Lead 20"]
    assert set(big.json()["results"][0]) == {"id", "title", "amount"}
    assert len(of_contact.json()["results"]) == 3
    assert [row["title"] for row in phoned.json()["results"]] == ["Called in"]
    seen = [row["id"] for row in first.json()["results"] + second.json()["results"]]
    assert len(set(seen)) == 4


def test_the_lead_list_costs_the_same_queries_for_5_and_50_rows(people,
                                                                django_assert_max_num_queries):  # fmt: skip
    users, _ = people
    manager = users["responsible"]
    api = api_as(manager)

    def listed(count: int) -> int:
        while Lead.objects.filter(responsible=manager).count() < count:
            lead = LeadFactory(responsible=manager)
            communications_replace(owner=lead, items=[CommunicationInput("email", "a@b.example")])
        with django_assert_max_num_queries(6) as captured:
            response = api.get(reverse("api:lead-list"))
        assert len(response.json()["results"]) == count
        return len(captured.captured_queries)

    assert listed(5) == listed(50)


def test_a_retried_create_with_the_same_idempotency_key_returns_the_first_lead(people):
    users, _ = people
    api = api_as(users["responsible"])
    headers = {"Idempotency-Key": "form-7781"}

    first = api.post(reverse("api:lead-list"), {"title": "Form 7781"}, headers=headers)
    again = api.post(reverse("api:lead-list"), {"title": "Form 7781"}, headers=headers)

    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Lead.objects.filter(title="Form 7781").count() == 1


def test_lead_merge_moves_rows_deals_phones_and_history(people, money):
    # given
    users, _ = people
    manager = users["responsible"]
    target = lead_create(title="Request", actor=manager, first_name="Anna",
                         product_rows=[ProductRowInput(quantity=Decimal(1), product_name="A",
                                                       price=Decimal("100.00"))])  # fmt: skip
    duplicate = lead_create(
        title="Request again", actor=manager, currency=money["USD"], company_title="Eco",
        communications=[CommunicationInput("phone", "+7 916 123-45-67")],
        product_rows=[ProductRowInput(quantity=Decimal(2), product_name="B",
                                      price=Decimal("1.00"))],
    )  # fmt: skip
    deal = deal_create(title="From the duplicate", actor=manager, lead=duplicate)
    events = TimelineEvent.objects.filter(entity_type="lead",
                                          entity_id__in=[target.pk, duplicate.pk]).count()  # fmt: skip

    # when
    lead_merge(target=target, duplicates=[duplicate], actor=manager)

    # then
    target.refresh_from_db()
    assert not Lead.objects.filter(pk=duplicate.pk).exists()
    assert sorted(ProductRow.objects.filter(lead=target).values_list("product_name", "price")) == [
        ("A", Decimal("100.00")), ("B", Decimal("90.00"))]  # fmt: skip
    assert target.amount == Decimal("280.00")
    assert target.company_title == "Eco"
    assert list(target.communications.values_list("normalized_value", flat=True)) == [
        "+79161234567"]  # fmt: skip
    deal.refresh_from_db()
    assert deal.lead_id == target.pk
    assert TimelineEvent.objects.filter(entity_type="lead", entity_id=target.pk).count() == (
        events + 2)  # fmt: skip


def test_a_lead_merged_into_itself_is_refused(people):
    users, leads = people
    lead = leads["responsible"]

    response = api_as(users["responsible"]).post(reverse("api:lead-merge", args=[lead.pk]),
                                                 {"duplicates": [lead.pk]})  # fmt: skip

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"duplicates"}
    assert Lead.objects.filter(pk=lead.pk).exists()
