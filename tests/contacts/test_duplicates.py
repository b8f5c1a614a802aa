"""Duplicates: the warning on the create forms, the page of groups sharing a phone, an e-mail
or an INN (within the user's scope, in bounded queries), and merging a group from it."""

import html

import pytest
from django.urls import reverse

from accounts.models import PermissionAction, RolePermission
from activities.models import ActivityBinding, TimelineEvent
from activities.services import activity_create
from contacts.models import Communication, Company, Contact
from contacts.services import CommunicationInput, communications_replace, company_requisite_create
from deals.models import DealContact
from deals.services import deal_create
from leads.models import Lead
from tests.factories import CompanyFactory, ContactFactory, LeadFactory

PHONE = "+7 916 123-45-67"


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def with_phone(owner, value: str = PHONE, kind: str = Communication.Kind.PHONE):
    communications_replace(owner=owner, items=[CommunicationInput(kind=kind, value=value)])
    return owner


def contact(manager, last_name: str, value: str = PHONE, **fields) -> Contact:
    return with_phone(ContactFactory(last_name=last_name, responsible=manager, **fields), value)


def merge_url(entity: str, *items) -> str:
    ids = "".join(f"&ids={item.pk}" for item in items)
    return f"{reverse('contacts:duplicates-merge')}?entity={entity}{ids}"


# the warning on create


def test_the_contact_form_warns_of_a_visible_duplicate_and_creates_once_confirmed(client, people):
    users, *_ = people
    manager = users["responsible"]
    existing = contact(manager, "Existingova")
    contact(users["other"], "Hiddenova")  # another manager's: not named
    client.force_login(manager)
    form = {"last_name": "Newman", "contact_type": "client", "responsible": manager.pk,
            "phones": "8 (916) 123-45-67", "emails": ""}  # fmt: skip

    warned = client.post(reverse("contacts:create"), form)

    assert warned.status_code == 200
    text = text_of(warned)
    assert "Create anyway" in text and existing.get_absolute_url() in text
    assert "Existingova" in text and "Hiddenova" not in text
    assert not Contact.objects.filter(last_name="Newman").exists()

    created = client.post(reverse("contacts:create"), form | {"confirm_duplicates": "1"})

    assert created.status_code == 302
    assert Contact.objects.filter(last_name="Newman").count() == 1


def test_the_forms_create_at_once_without_a_visible_duplicate(client, people):
    users, *_ = people
    contact(users["other"], "Hiddenova")
    client.force_login(users["responsible"])
    form = {"last_name": "Newman", "contact_type": "client",
            "responsible": users["responsible"].pk, "phones": PHONE}  # fmt: skip

    assert client.post(reverse("contacts:create"), form).status_code == 302
    assert Contact.objects.filter(last_name="Newman").exists()


def test_the_company_form_warns_of_a_company_with_the_same_email(client, people):
    users, _, companies, _ = people
    with_phone(companies["responsible"], "Office@Client.ru", kind=Communication.Kind.EMAIL)
    client.force_login(users["responsible"])
    form = {"title": "New Ltd", "company_type": "customer", "responsible": users["responsible"].pk,
            "emails": "office@client.ru"}  # fmt: skip

    warned = client.post(reverse("contacts:company-create"), form)

    assert "Create anyway" in text_of(warned) and companies["responsible"].title in text_of(warned)
    assert not Company.objects.filter(title="New Ltd").exists()
    assert client.post(reverse("contacts:company-create"),
                       form | {"confirm_duplicates": "1"}).status_code == 302  # fmt: skip
    assert Company.objects.filter(title="New Ltd").exists()


def test_the_company_form_warns_of_a_company_with_the_same_inn_and_keeps_the_inn(client, people):
    users, _, companies, _ = people
    company_requisite_create(company=companies["responsible"], actor=None, inn="7707083893")
    client.force_login(users["responsible"])
    form = {"title": "Same INN Ltd", "company_type": "customer",
            "responsible": users["responsible"].pk, "inn": "7707083893"}  # fmt: skip
    check = f"{reverse('contacts:duplicates-check')}?entity=company&inn=7707083893"

    assert companies["responsible"].title in text_of(client.get(check))
    warned = client.post(reverse("contacts:company-create"), form)

    assert "Create anyway" in text_of(warned) and companies["responsible"].title in text_of(warned)
    assert client.post(reverse("contacts:company-create"),
                       form | {"confirm_duplicates": "1"}).status_code == 302  # fmt: skip
    created = Company.objects.get(title="Same INN Ltd")
    assert list(created.requisites.values_list("inn", flat=True)) == ["7707083893"]
    bad = client.post(reverse("contacts:company-create"), form | {"inn": "7707083890"})
    assert bad.status_code == 200 and not Company.objects.filter(title="Same INN Ltd").count() > 1


def test_the_live_check_names_only_the_visible_records_with_the_typed_phone(client, people):
    users, *_ = people
    contact(users["responsible"], "Existingova")
    url = reverse("contacts:duplicates-check")
    query = {"phones": "not a phone\n8 916 123-45-67", "emails": ""}

    client.force_login(users["responsible"])
    assert "Existingova" in text_of(client.get(url, query))
    assert text_of(client.get(url, {"phones": "+7 916 000-00-00"})).strip() == ""
    client.force_login(users["other"])
    assert text_of(client.get(url, query)).strip() == ""
    assert text_of(client.get(url, query | {"entity": "company"})).strip() == ""


def test_the_lead_form_warns_of_a_visible_lead_or_contact_with_the_same_phone(
    client, people, statuses
):
    users, *_ = people
    manager = users["responsible"]
    known = contact(manager, "Knownova")
    earlier = with_phone(LeadFactory(title="Earlier enquiry", responsible=manager))
    client.force_login(manager)
    form = {"title": "Roof paint", "currency": earlier.currency_id, "amount": "0",
            "responsible": manager.pk, "phones": "8 916 123 45 67"}  # fmt: skip

    warned = client.post(reverse("leads:create"), form)

    text = text_of(warned)
    assert "Create anyway" in text and "Knownova" in text and "Earlier enquiry" in text
    assert known.get_absolute_url() in text and earlier.get_absolute_url() in text
    assert not Lead.objects.filter(title="Roof paint").exists()
    created = client.post(reverse("leads:create"), form | {"confirm_duplicates": "1"})
    assert created.status_code == 302
    lead = Lead.objects.get(title="Roof paint")
    assert list(lead.communications.values_list("normalized_value", flat=True)) == ["+79161234567"]


# the list of groups


def test_the_list_groups_visible_records_by_phone_email_and_inn(client, people):
    users, *_ = people
    manager, other = users["responsible"], users["other"]
    first, second = contact(manager, "Firstova"), contact(manager, "Secondova", "8 916 123 45 67")
    contact(other, "Hiddenova")  # the same phone, out of the manager's sight
    contact(manager, "Alonova", "+7 916 000-00-00")
    companies = [CompanyFactory(title=title, responsible=manager) for title in ("Alpha", "Beta")]
    for company in companies:
        company_requisite_create(company=company, actor=manager, inn="7707083893")
    client.force_login(manager)

    response = client.get(reverse("contacts:duplicates"))

    text = text_of(response)
    assert response.status_code == 200
    assert "+79161234567" in text and "Firstova" in text and "Secondova" in text
    assert "Hiddenova" not in text and "Alonova" not in text
    assert merge_url("contact", first, second).replace("&", "&amp;") in response.content.decode()
    companies_page = text_of(client.get(reverse("contacts:duplicates"), {"entity": "company"}))
    assert "7707083893" in companies_page and "Alpha" in companies_page
    assert "Beta" in companies_page


def test_the_list_is_empty_for_a_manager_who_sees_one_record_of_a_group(client, people):
    users, *_ = people
    contact(users["responsible"], "Firstova")
    contact(users["other"], "Otherova")
    client.force_login(users["other"])

    assert "No duplicates found." in text_of(client.get(reverse("contacts:duplicates")))


def duplicate_pairs(manager, numbers) -> None:
    for number in numbers:
        for name in ("First", "Second"):
            contact(manager, f"{name} {number}", f"+7916{number:07d}")
        for name in ("First", "Second"):
            with_phone(CompanyFactory(title=f"{name} {number}", responsible=manager),
                       f"+7495{number:07d}")  # fmt: skip


def list_queries(client, django_assert_max_num_queries) -> tuple[int, int]:
    # session, user, grants, the page of groups, its records, their communications
    with django_assert_max_num_queries(8) as contacts_context:
        assert client.get(reverse("contacts:duplicates")).status_code == 200
    with django_assert_max_num_queries(8) as companies_context:
        response = client.get(reverse("contacts:duplicates"), {"entity": "company"})
        assert response.status_code == 200
    return len(contacts_context.captured_queries), len(companies_context.captured_queries)


def test_the_list_query_count_does_not_grow_with_the_groups(
    client, people, django_assert_max_num_queries
):
    users, *_ = people
    manager = users["responsible"]
    client.force_login(manager)

    duplicate_pairs(manager, range(3))
    list_queries(client, django_assert_max_num_queries)  # warms the content-type cache
    with_three = list_queries(client, django_assert_max_num_queries)
    duplicate_pairs(manager, range(3, 40))
    with_forty = list_queries(client, django_assert_max_num_queries)

    assert with_three == with_forty
    second_page = client.get(reverse("contacts:duplicates"), {"page": 2})
    assert "+79160000039" in text_of(second_page)


# the merge


def test_a_merge_keeps_the_chosen_values_and_moves_deals_activities_and_timeline(client, people):
    # given two duplicates, each with a deal and an activity
    users, *_ = people
    manager = users["responsible"]
    survivor = contact(manager, "Ivanova", position="Buyer", first_name="Anna")
    duplicate = contact(manager, "Ivanova", "+7 916 765-43-21", position="Director",
                        first_name="Anna")  # fmt: skip
    kept_deal = deal_create(title="Kept deal", actor=manager, contacts=[survivor])
    moved_deal = deal_create(title="Moved deal", actor=manager, contacts=[duplicate])
    call = activity_create(kind="call", subject="Call", actor=manager, bound_to=[duplicate])
    client.force_login(manager)
    url = merge_url("contact", survivor, duplicate)
    page = client.get(url)
    assert page.status_code == 200 and "Director" in text_of(page)

    # when the survivor keeps the duplicate's position
    response = client.post(url, {"survivor": survivor.pk, "value_position": duplicate.pk})

    # then
    assert response.status_code == 302 and response["Location"] == survivor.get_absolute_url()
    assert not Contact.objects.filter(pk=duplicate.pk).exists()
    survivor.refresh_from_db()
    assert survivor.position == "Director"
    assert set(DealContact.objects.filter(contact=survivor).values_list("deal_id", flat=True)) == {
        kept_deal.pk, moved_deal.pk}  # fmt: skip
    assert ActivityBinding.objects.get(activity=call).entity_id == survivor.pk
    assert sorted(survivor.communications.values_list("normalized_value", flat=True)) == [
        "+79161234567", "+79167654321"]  # fmt: skip
    timeline = TimelineEvent.objects.filter(entity_type="contact", entity_id=survivor.pk)
    assert timeline.get(kind="comment").payload["merged"] == [
        {"id": duplicate.pk, "label": "Ivanova Anna"}
    ]
    changed = timeline.get(kind="field_changed").payload["changes"]
    assert [(change["field"], change["new"]) for change in changed] == [("position", "Director")]


def test_a_company_merge_keeps_the_chosen_survivor(client, people):
    users, _, companies, _ = people
    manager = users["responsible"]
    older = with_phone(companies["responsible"])
    newer = with_phone(CompanyFactory(title="Newer title", responsible=manager))
    client.force_login(manager)

    response = client.post(merge_url("company", older, newer),
                           {"survivor": newer.pk, "value_title": older.pk})  # fmt: skip

    assert response.status_code == 302
    assert list(Company.objects.filter(pk__in=[older.pk, newer.pk])) == [newer]
    newer.refresh_from_db()
    assert newer.title == older.title


@pytest.mark.parametrize("user", ["other", "head"])
def test_a_merge_needs_sight_of_all_and_the_rights_on_them(client, people, user):
    # given the responsible manager's two duplicates
    users, *_ = people
    survivor = contact(users["responsible"], "Firstova")
    duplicate = contact(users["responsible"], "Secondova")
    url = merge_url("contact", survivor, duplicate)
    client.force_login(users[user])

    # when
    page = client.get(url)
    merge = client.post(url, {"survivor": survivor.pk, "value_last_name": duplicate.pk})

    # then the other manager does not see them, the head sees and may merge
    if user == "other":
        assert (page.status_code, merge.status_code) == (404, 404)
        assert Contact.objects.filter(pk__in=[survivor.pk, duplicate.pk]).count() == 2
    else:
        assert (page.status_code, merge.status_code) == (200, 302)
        assert list(Contact.objects.filter(pk__in=[survivor.pk, duplicate.pk])) == [survivor]


def test_a_merge_is_refused_without_the_delete_right_on_the_duplicate(client, people):
    users, *_ = people
    survivor = contact(users["responsible"], "Firstova")
    duplicate = contact(users["responsible"], "Secondova")
    RolePermission.objects.filter(role__name="Manager", action=PermissionAction.DELETE).update(
        scope="none"
    )
    client.force_login(users["responsible"])

    merge = client.post(merge_url("contact", survivor, duplicate), {"survivor": survivor.pk,
                        "value_last_name": survivor.pk})  # fmt: skip

    assert merge.status_code == 403
    assert Contact.objects.filter(pk__in=[survivor.pk, duplicate.pk]).count() == 2
    assert client.get(merge_url("contact", survivor)).status_code == 404  # one is no group
