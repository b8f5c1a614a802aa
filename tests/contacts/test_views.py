"""The contact and company pages and the deal card's client block, for three users: the
responsible manager (own), a manager of another department (own), and the head of the first
department (department and sub-departments)."""

import csv
import html
import io

import pytest
from django.urls import reverse

from accounts.models import PermissionAction, RolePermission
from activities.models import TimelineEvent
from contacts.models import Communication, Company, Contact
from contacts.services import (
    CommunicationInput,
    communications_replace,
    company_requisite_create,
    contact_link_company,
)
from deals.models import DealContact
from tests.contacts.conftest import NAMES, TITLES
from tests.factories import (
    CompanyFactory,
    ContactFactory,
    DealFactory,
)

# Who sees whose items: each manager their own, the head the responsible's (a sub-department's).
VISIBLE = {"responsible": {"responsible"}, "other": {"other"}, "head": {"responsible"}}


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def shown(response, names: dict) -> set[str]:
    text = text_of(response)
    return {owner for owner, name in names.items() if name in text}


@pytest.mark.parametrize("user", VISIBLE)
def test_lists_show_what_the_view_scope_allows(client, people, user):
    users, *_ = people
    client.force_login(users[user])

    assert shown(client.get(reverse("contacts:list")), NAMES) == VISIBLE[user]
    assert shown(client.get(reverse("contacts:company-list")), TITLES) == VISIBLE[user]
    assert client.get(reverse("contacts:count")).json() == {"count": len(VISIBLE[user])}
    assert client.get(reverse("contacts:company-count")).json() == {"count": len(VISIBLE[user])}


def test_lists_need_a_login(client, people):
    for name in ("contacts:list", "contacts:company-list", "contacts:count", "contacts:export"):
        assert client.get(reverse(name)).status_code == 302


def test_the_contact_list_searches_names_phones_and_emails(client, people):
    users, contacts, companies, _ = people
    mine = contacts["responsible"]
    communications_replace(owner=mine, items=[
        CommunicationInput(kind=Communication.Kind.PHONE, value="+7 (916) 123-45-67"),
        CommunicationInput(kind=Communication.Kind.EMAIL, value="Ivan@Example.com"),
    ])  # fmt: skip
    communications_replace(owner=companies["responsible"], items=[
        CommunicationInput(kind=Communication.Kind.EMAIL, value="office@client.ru"),
    ])  # fmt: skip
    client.force_login(users["head"])

    for query in ("916 123", "ivan@example", "Responsiblov Ivan"):
        response = client.get(reverse("contacts:list"), {"q": query})
        assert shown(response, NAMES) == {"responsible"}, query
    assert shown(client.get(reverse("contacts:list"), {"q": "nobody"}), NAMES) == set()
    response = client.get(reverse("contacts:company-list"), {"q": "office@"})
    assert shown(response, TITLES) == {"responsible"}
    response = client.get(reverse("contacts:count"), {"q": "+7916"})
    assert response.json() == {"count": 1}


def add_rows(manager, company, numbers) -> None:
    for number in numbers:
        contact = ContactFactory(last_name=f"Row {number}", responsible=manager)
        contact_link_company(contact=contact, company=company, actor=None)
        communications_replace(owner=contact, items=[
            CommunicationInput(kind=Communication.Kind.PHONE, value=f"+7916{number:07d}")])  # fmt: skip
        communications_replace(owner=CompanyFactory(responsible=manager), items=[
            CommunicationInput(kind=Communication.Kind.PHONE, value=f"+7495{number:07d}")])  # fmt: skip


def list_queries(client, django_assert_max_num_queries) -> tuple[int, int]:
    # session, user, grant, page, communications, companies, saved filters, filter choices…
    with django_assert_max_num_queries(14) as contacts_context:
        assert client.get(reverse("contacts:list")).status_code == 200
    with django_assert_max_num_queries(14) as companies_context:
        assert client.get(reverse("contacts:company-list")).status_code == 200
    return len(contacts_context.captured_queries), len(companies_context.captured_queries)


def test_list_query_counts_do_not_grow_with_the_rows(client, people, django_assert_max_num_queries):
    users, *_ = people
    manager = users["responsible"]
    company = CompanyFactory(title="Shared", responsible=manager)
    client.force_login(manager)

    add_rows(manager, company, range(5))
    list_queries(client, django_assert_max_num_queries)  # warms the content-type cache
    with_five = list_queries(client, django_assert_max_num_queries)
    add_rows(manager, company, range(5, 50))
    with_fifty = list_queries(client, django_assert_max_num_queries)

    assert with_five == with_fifty


@pytest.mark.parametrize("user", VISIBLE)
@pytest.mark.parametrize("owner", ["responsible", "other"])
def test_contact_card_actions_follow_the_scopes(client, people, user, owner):
    users, contacts, *_ = people
    contact = contacts[owner]
    client.force_login(users[user])
    allowed = owner in VISIBLE[user]  # each role has the same scope for every action
    expected = 200 if allowed else 404

    assert client.get(reverse("contacts:detail", args=[contact.pk])).status_code == expected
    update_url = reverse("contacts:update", args=[contact.pk])
    assert client.get(update_url, {"field": "position", "edit": 1}).status_code == expected
    update = client.post(f"{update_url}?field=position", {"position": "Buyer"})
    assert update.status_code == expected
    communications_url = reverse("contacts:communications", args=[contact.pk])
    assert client.get(communications_url).status_code == expected
    phones = client.post(communications_url, {"phones": "+7 916 000-00-01", "emails": ""})
    assert phones.status_code == expected
    contact.refresh_from_db()
    assert contact.position == ("Buyer" if allowed else "")
    assert contact.communications.exists() is allowed

    confirm = client.get(reverse("contacts:delete", args=[contact.pk]))
    assert confirm.status_code == expected
    delete = client.post(reverse("contacts:delete", args=[contact.pk]))
    assert delete.status_code == (302 if allowed else 404)
    assert Contact.objects.filter(pk=contact.pk).exists() is not allowed


@pytest.mark.parametrize("user", VISIBLE)
@pytest.mark.parametrize("owner", ["responsible", "other"])
def test_company_card_actions_follow_the_scopes(client, people, user, owner):
    users, _, companies, _ = people
    company = companies[owner]
    client.force_login(users[user])
    allowed = owner in VISIBLE[user]
    expected = 200 if allowed else 404

    assert client.get(reverse("contacts:company-detail", args=[company.pk])).status_code == expected
    update_url = reverse("contacts:company-update", args=[company.pk])
    update = client.post(f"{update_url}?field=title", {"title": "Renamed"})
    assert update.status_code == expected
    communications_url = reverse("contacts:company-communications", args=[company.pk])
    emails = client.post(communications_url, {"phones": "", "emails": "office@example.com"})
    assert emails.status_code == expected
    company.refresh_from_db()
    assert company.title == ("Renamed" if allowed else TITLES[owner])
    assert company.communications.exists() is allowed

    assert client.get(reverse("contacts:company-delete", args=[company.pk])).status_code == expected
    delete = client.post(reverse("contacts:company-delete", args=[company.pk]))
    assert delete.status_code == (302 if allowed else 404)
    assert Company.objects.filter(pk=company.pk).exists() is not allowed


def test_cards_refuse_what_the_role_sees_but_may_not_change(client, people):
    users, contacts, companies, _ = people
    RolePermission.objects.filter(
        role__name="Manager", action__in=[PermissionAction.EDIT, PermissionAction.DELETE]
    ).update(scope="none")
    contact, company = contacts["responsible"], companies["responsible"]
    client.force_login(users["responsible"])

    assert client.get(reverse("contacts:detail", args=[contact.pk])).status_code == 200
    update = client.post(
        f"{reverse('contacts:update', args=[contact.pk])}?field=last_name", {"last_name": "X"}
    )
    assert update.status_code == 403
    assert client.post(reverse("contacts:delete", args=[contact.pk])).status_code == 403
    update = client.post(
        f"{reverse('contacts:company-update', args=[company.pk])}?field=title", {"title": "X"}
    )
    assert update.status_code == 403
    assert client.post(reverse("contacts:company-delete", args=[company.pk])).status_code == 403
    contact.refresh_from_db()
    company.refresh_from_db()
    assert (contact.last_name, company.title) == (NAMES["responsible"], TITLES["responsible"])


def test_a_responsible_outside_the_edit_scope_is_refused_in_place(client, people):
    users, contacts, *_ = people
    contact = contacts["responsible"]
    client.force_login(users["responsible"])

    response = client.post(
        f"{reverse('contacts:update', args=[contact.pk])}?field=responsible",
        {"responsible": users["other"].pk},
    )

    assert response.status_code == 403
    contact.refresh_from_db()
    assert contact.responsible == users["responsible"]


@pytest.mark.parametrize("user", VISIBLE)
def test_mass_actions_skip_what_the_scopes_forbid(client, people, user):
    users, contacts, companies, _ = people
    client.force_login(users[user])
    for name, items in (("contacts:mass-action", contacts),
                        ("contacts:company-mass-action", companies)):  # fmt: skip
        ids = [item.pk for item in items.values()]

        assigned = client.post(reverse(name), {"action": "assign", "ids": ids,
                                               "responsible": users[user].pk})  # fmt: skip
        assert assigned.status_code == 302
        responsibles = {owner: type(item).objects.get(pk=item.pk).responsible.username
                        for owner, item in items.items()}  # fmt: skip
        # each manager's own item stays theirs, the other's is skipped; the head takes the
        # team's item and cannot touch the other department's
        expected = {"responsible": "head" if user == "head" else "responsible", "other": "other"}
        assert responsibles == expected

        client.post(reverse(name), {"action": "delete", "ids": ids})

        remaining = set(type(items["other"]).objects.values_list("pk", flat=True))
        assert remaining == {item.pk for owner, item in items.items() if owner not in VISIBLE[user]}


def test_mass_actions_report_the_skipped_items(client, people):
    users, contacts, *_ = people
    client.force_login(users["responsible"])
    ids = [contact.pk for contact in contacts.values()]

    response = client.post(
        reverse("contacts:mass-action"), {"action": "delete", "ids": ids}, follow=True
    )

    text = text_of(response)
    assert "Done for 1 item(s)." in text
    assert "1 item(s) skipped: your role does not allow it." in text


def exported(client, user, name: str, column: str) -> set[str]:
    client.force_login(user)
    response = client.get(reverse(name))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return {row[column] for row in csv.DictReader(io.StringIO(text))}


@pytest.mark.parametrize("user", VISIBLE)
def test_the_exports_follow_the_export_scope(client, people, user):
    users, *_ = people

    names = exported(client, users[user], "contacts:export", "Last name")
    titles = exported(client, users[user], "contacts:company-export", "Company")

    assert names == {NAMES[owner] for owner in VISIBLE[user]}
    assert titles == {TITLES[owner] for owner in VISIBLE[user]}


def test_the_exports_need_the_export_right(client, people):
    users, *_ = people
    RolePermission.objects.filter(role__name="Manager", action=PermissionAction.EXPORT).update(
        scope="none"
    )

    assert exported(client, users["responsible"], "contacts:export", "Last name") == set()
    assert exported(client, users["responsible"], "contacts:company-export", "Company") == set()


def test_items_are_created_only_for_someone_within_the_add_scope(client, people):
    users, *_ = people
    client.force_login(users["responsible"])
    form = {"last_name": "Newman", "contact_type": "client", "responsible": users["other"].pk,
            "phones": "+7 916 555-44-33", "emails": "newman@example.com"}  # fmt: skip

    assert client.get(reverse("contacts:create")).status_code == 200
    refused = client.post(reverse("contacts:create"), form)
    assert "does not let you give this item" in text_of(refused)
    assert not Contact.objects.filter(last_name="Newman").exists()

    created = client.post(
        reverse("contacts:create"), form | {"responsible": users["responsible"].pk}
    )
    contact = Contact.objects.get(last_name="Newman")
    assert created.status_code == 302 and created["Location"] == contact.get_absolute_url()
    assert sorted(contact.communications.values_list("normalized_value", flat=True)) == [
        "+79165554433", "newman@example.com"]  # fmt: skip

    company_form = {"title": "New Ltd", "company_type": "customer",
                    "responsible": users["responsible"].pk}  # fmt: skip
    assert client.get(reverse("contacts:company-create")).status_code == 200
    created = client.post(reverse("contacts:company-create"), company_form)
    assert created.status_code == 302
    assert Company.objects.get(title="New Ltd").responsible == users["responsible"]
    refused = client.post(
        reverse("contacts:company-create"), company_form | {"responsible": users["other"].pk,
                                                            "title": "Not mine"})  # fmt: skip
    assert refused.status_code == 200 and not Company.objects.filter(title="Not mine").exists()


def test_the_company_card_lists_the_decision_maker_first(client, people):
    users, _, companies, deals = people
    manager, company = users["responsible"], companies["responsible"]
    first = ContactFactory(last_name="Aaronson", responsible=manager)
    boss = ContactFactory(last_name="Zimmer", responsible=manager)
    hidden = ContactFactory(last_name="Hiddenov", responsible=users["other"])
    for contact in (first, boss, hidden):
        contact_link_company(contact=contact, company=company, actor=None,
                             is_decision_maker=contact is boss)  # fmt: skip
    company_requisite_create(company=company, actor=None, inn="7707083893", kpp="773601001")
    deals["responsible"].company = company
    deals["responsible"].save()
    DealFactory(title="Hidden deal", company=company, responsible=users["other"])
    client.force_login(manager)

    response = client.get(reverse("contacts:company-detail", args=[company.pk]))

    text = text_of(response)
    assert text.index("Zimmer") < text.index("Aaronson")
    assert 'class="decision-maker"' in text and "decision maker" in text
    assert "Hiddenov" not in text
    assert "responsible deal" in text and "Hidden deal" not in text
    assert "7707083893" in text and "773601001" in text


def test_the_contact_card_shows_its_companies_and_deals(client, people):
    users, contacts, companies, deals = people
    contact = contacts["responsible"]
    contact_link_company(contact=contact, company=companies["responsible"], actor=None,
                         position="Buyer")  # fmt: skip
    DealContact.objects.create(deal=deals["responsible"], contact=contact, is_primary=True)
    client.force_login(users["responsible"])

    text = text_of(client.get(reverse("contacts:detail", args=[contact.pk])))

    assert TITLES["responsible"] in text and "Buyer" in text
    assert "responsible deal" in text


def test_a_card_shows_the_newest_deals_and_links_to_all_of_them(
    client, people, django_assert_max_num_queries
):
    users, _, companies, _ = people
    company = companies["responsible"]
    for number in range(25):
        DealFactory(title=f"Order {number:02}", company=company, responsible=users["responsible"])
    client.force_login(users["responsible"])

    with django_assert_max_num_queries(20):
        card = text_of(client.get(reverse("contacts:company-detail", args=[company.pk])))
    listed = text_of(client.get(reverse("deals:list"), {"company": company.pk}))

    deals = card[card.index('data-testid="related-deals"') :]
    assert "Order 24" in deals and "Order 05" in deals and "Order 04" not in deals
    assert f"{reverse('deals:list')}?company={company.pk}" in deals
    assert listed.count(">Order ") == 25 and "responsible deal" not in listed


@pytest.mark.parametrize("user", VISIBLE)
def test_the_client_search_returns_only_visible_items(client, people, user):
    users, contacts, _, deals = people
    communications_replace(owner=contacts["other"], items=[
        CommunicationInput(kind=Communication.Kind.PHONE, value="+7 916 777-66-55")])  # fmt: skip
    client.force_login(users[user])
    own_deal = deals[next(iter(VISIBLE[user]))]
    url = reverse("contacts:client-search", args=["deal", own_deal.pk])

    by_name = client.get(url, {"q": "Ivan"})
    by_title = client.get(url, {"q": "client"})
    by_phone = client.get(url, {"q": "777-66"})

    assert by_name.status_code == 200
    assert shown(by_name, NAMES) == VISIBLE[user]
    assert shown(by_title, TITLES) == VISIBLE[user]
    assert shown(by_phone, NAMES) == ({"other"} if user == "other" else set())


def test_client_endpoints_need_the_edit_right_on_the_deal(client, people):
    users, contacts, companies, deals = people
    RolePermission.objects.filter(
        role__name="Manager", entity="deal", action=PermissionAction.EDIT
    ).update(scope="none")
    client.force_login(users["responsible"])
    mine, theirs = deals["responsible"], deals["other"]
    contact = contacts["responsible"]

    for deal, status in ((mine, 403), (theirs, 404)):
        assert client.get(reverse("contacts:client-search", args=["deal", deal.pk]),
                          {"q": "Ivan"}).status_code == status  # fmt: skip
        attach = {"kind": "contact", "id": contact.pk}
        assert client.post(reverse("contacts:client-attach", args=["deal", deal.pk]),
                           attach).status_code == status  # fmt: skip
        assert client.post(reverse("contacts:client-detach", args=["deal", deal.pk]),
                           attach).status_code == status  # fmt: skip
        create = {"kind": "company", "title": "Sneaky Ltd"}
        assert client.post(reverse("contacts:client-create", args=["deal", deal.pk]),
                           create).status_code == status  # fmt: skip
    assert not DealContact.objects.exists()
    assert not Company.objects.filter(title="Sneaky Ltd").exists()


def test_a_client_out_of_sight_cannot_be_attached(client, people):
    users, contacts, companies, deals = people
    client.force_login(users["responsible"])
    url = reverse("contacts:client-attach", args=["deal", deals["responsible"].pk])

    assert client.post(url, {"kind": "contact", "id": contacts["other"].pk}).status_code == 404
    assert client.post(url, {"kind": "company", "id": companies["other"].pk}).status_code == 404
    deals["responsible"].refresh_from_db()
    assert deals["responsible"].company is None
    assert not DealContact.objects.exists()


def test_the_client_block_attaches_detaches_and_creates(client, people):
    # given
    users, contacts, companies, deals = people
    deal, manager = deals["responsible"], users["responsible"]
    client.force_login(manager)
    attach_url = reverse("contacts:client-attach", args=["deal", deal.pk])

    # when: a company and a contact found by search are attached
    company_block = client.post(attach_url, {"kind": "company", "id": companies["responsible"].pk})
    contact_block = client.post(attach_url, {"kind": "contact", "id": contacts["responsible"].pk})

    # then
    assert TITLES["responsible"] in text_of(company_block)
    assert NAMES["responsible"] in text_of(contact_block)
    deal.refresh_from_db()
    assert deal.company == companies["responsible"]
    link = DealContact.objects.get(deal=deal)
    assert (link.contact, link.is_primary) == (contacts["responsible"], True)

    # when: a new contact is created inline
    created = client.post(reverse("contacts:client-create", args=["deal", deal.pk]), {
        "kind": "contact", "first_name": "Olga", "last_name": "Newcomer",
        "phone": "8 (916) 100-20-30", "email": "olga@example.com"})  # fmt: skip

    # then: it is the deal's second contact, the first stays primary
    assert "Newcomer" in text_of(created)
    olga = Contact.objects.get(last_name="Newcomer")
    assert olga.responsible == manager
    assert list(DealContact.objects.filter(deal=deal).values_list("contact__last_name",
                                                                  "is_primary")) == [
        (NAMES["responsible"], True), ("Newcomer", False)]  # fmt: skip
    assert olga.communications.count() == 2

    # when: the primary contact and the company are detached
    detach_url = reverse("contacts:client-detach", args=["deal", deal.pk])
    client.post(detach_url, {"kind": "contact", "id": contacts["responsible"].pk})
    after = client.post(detach_url, {"kind": "company"})

    # then: the newcomer is primary now; every change is on the deal's timeline
    assert TITLES["responsible"] not in text_of(after)
    assert list(DealContact.objects.filter(deal=deal).values_list("contact__last_name",
                                                                  "is_primary")) == [
        ("Newcomer", True)]  # fmt: skip
    deal.refresh_from_db()
    assert deal.company is None
    changes = [
        change["field"]
        for event in TimelineEvent.objects.filter(entity_type="deal", entity_id=deal.pk,
                                                  kind=TimelineEvent.Kind.FIELD_CHANGED)
        for change in event.payload["changes"]
    ]  # fmt: skip
    assert sorted(changes) == ["company", "company", "contacts", "contacts", "contacts"]


def test_the_inline_create_shows_its_errors_and_creates_nothing(client, people):
    users, _, _, deals = people
    client.force_login(users["responsible"])
    before = (Contact.objects.count(), Company.objects.count())

    response = client.post(reverse("contacts:client-create", args=["deal", deals["responsible"].pk]),
                           {"kind": "company", "title": " "})  # fmt: skip

    assert response.status_code == 200
    assert "Give the company a name." in text_of(response)
    assert (Contact.objects.count(), Company.objects.count()) == before


def test_the_deal_card_shows_the_client_block(client, people):
    users, contacts, companies, deals = people
    deal = deals["responsible"]
    deal.company = companies["responsible"]
    deal.save()
    DealContact.objects.create(deal=deal, contact=contacts["responsible"], is_primary=True)
    client.force_login(users["responsible"])

    text = text_of(client.get(reverse("deals:detail", args=[deal.pk])))

    assert 'data-testid="client-block"' in text
    assert TITLES["responsible"] in text and NAMES["responsible"] in text
    assert reverse("contacts:client-search", args=["deal", deal.pk]) in text
