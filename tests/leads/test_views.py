"""The lead pages for three users: the responsible manager (scope "own"), a manager of another
department, and the head of the first department (scope "subdepartments")."""

import csv
import html
import io

import pytest
from django.urls import reverse

from accounts.models import PermissionAction, RolePermission
from activities.models import TimelineEvent
from contacts.models import Company, Contact
from deals.models import Deal
from leads.forms import LeadConvertForm
from leads.models import Lead
from tests.factories import LeadFactory, sales_staff

# Who sees which lead: each manager their own, the head the responsible's (a sub-department's).
VISIBLE = {"responsible": {"responsible"}, "other": {"other"}, "head": {"responsible"}}
TITLES = {"responsible": "Responsible's request", "other": "Other's request"}


@pytest.fixture
def people(statuses, pipeline):
    """Wholesale (with a team below it) and retail; a lead of each manager."""
    users = sales_staff()
    leads = {
        owner: LeadFactory(title=title, responsible=users[owner], amount=100)
        for owner, title in TITLES.items()
    }
    return users, leads


def titles_on(response) -> set[str]:
    text = html.unescape(response.content.decode())
    return {title for title in TITLES.values() if title in text}


@pytest.mark.parametrize("user", VISIBLE)
def test_lead_lists_show_what_the_view_scope_allows(client, people, statuses, user):
    users, leads = people
    client.force_login(users[user])
    expected = {TITLES[owner] for owner in VISIBLE[user]}

    assert titles_on(client.get(reverse("leads:board"))) == expected
    assert titles_on(client.get(reverse("leads:list"))) == expected
    assert client.get(reverse("leads:count")).json() == {"count": len(expected)}
    far_future = "2999-01-01T00:00:00+00:00_1"
    column = client.get(
        reverse("leads:board-column", args=[statuses["new"].pk]), {"after": far_future}
    )
    assert titles_on(column) == expected
    assert client.get(reverse("leads:board-column", args=[statuses["new"].pk])).status_code == 400


def test_the_board_shows_count_and_sum_in_the_base_currency(client, people, statuses, money):
    users, leads = people
    LeadFactory(title="In dollars", responsible=users["responsible"], amount=10,
                currency=money["USD"], status=statuses["in_process"])  # fmt: skip
    client.force_login(users["responsible"])

    columns = {c.group.code: c for c in client.get(reverse("leads:board")).context["columns"]}

    assert list(columns) == ["new", "in_process", "converted", "junk"]
    assert (columns["new"].count, columns["new"].total) == (1, 100)
    assert (columns["in_process"].count, columns["in_process"].total) == (1, 900)
    assert columns["junk"].count == 0


@pytest.mark.parametrize("user", VISIBLE)
@pytest.mark.parametrize("owner", ["responsible", "other"])
def test_lead_card_actions_follow_the_scopes(client, people, statuses, user, owner):
    users, leads = people
    lead = leads[owner]
    client.force_login(users[user])
    allowed = owner in VISIBLE[user]  # each role has the same scope for every action
    expected = 200 if allowed else 404

    assert client.get(reverse("leads:detail", args=[lead.pk])).status_code == expected
    assert client.get(reverse("leads:convert", args=[lead.pk])).status_code == expected
    update = client.post(f"{reverse('leads:update', args=[lead.pk])}?field=title", {"title": "X"})
    assert update.status_code == expected
    status = client.post(
        reverse("leads:set-status", args=[lead.pk]),
        {"status": statuses["in_process"].pk},
        headers={"Accept": "application/json"},
    )
    assert status.status_code == expected
    lead.refresh_from_db()
    assert (lead.title, lead.status.code) == (
        ("X", "in_process") if allowed else (TITLES[owner], "new")
    )

    delete = client.post(reverse("leads:delete", args=[lead.pk]))
    assert delete.status_code == (302 if allowed else 404)
    assert Lead.objects.filter(pk=lead.pk).exists() is not allowed


def test_lead_card_refuses_what_the_role_sees_but_may_not_change(client, people, statuses):
    users, leads = people
    RolePermission.objects.filter(
        role__name="Manager", action__in=[PermissionAction.EDIT, PermissionAction.DELETE]
    ).update(scope="none")
    lead = leads["responsible"]
    client.force_login(users["responsible"])

    assert client.get(reverse("leads:detail", args=[lead.pk])).status_code == 200
    update = client.post(f"{reverse('leads:update', args=[lead.pk])}?field=title", {"title": "X"})
    assert update.status_code == 403
    status = client.post(
        reverse("leads:set-status", args=[lead.pk]),
        {"status": statuses["in_process"].pk},
        headers={"Accept": "application/json"},
    )
    assert status.status_code == 403
    assert "does not let you change" in status.json()["error"]
    assert client.post(reverse("leads:delete", args=[lead.pk])).status_code == 403
    lead.refresh_from_db()
    assert (lead.title, lead.status.code) == ("Responsible's request", "new")


def test_a_drop_on_the_converted_column_is_refused_with_the_reason(client, people, statuses):
    users, leads = people
    lead = leads["responsible"]
    client.force_login(users["responsible"])

    response = client.post(
        reverse("leads:set-status", args=[lead.pk]),
        {"status": statuses["converted"].pk},
        headers={"Accept": "application/json"},
    )

    assert response.status_code == 409
    assert response.json() == {"error": "Convert the lead to give it the converted status."}
    lead.refresh_from_db()
    assert lead.status.code == "new"


def test_a_drop_answers_with_the_new_totals_of_the_columns(client, people, statuses):
    users, leads = people
    client.force_login(users["responsible"])

    response = client.post(
        reverse("leads:set-status", args=[leads["responsible"].pk]),
        {"status": statuses["in_process"].pk, "board_query": ""},
        headers={"Accept": "application/json"},
    )

    assert response.status_code == 200
    assert response.json()["columns"] == {
        str(statuses["in_process"].pk): {"count": 1, "total": "100.00 RUB"}
    }


@pytest.mark.parametrize("user", VISIBLE)
def test_lead_mass_actions_skip_what_the_scopes_forbid(client, people, statuses, user):
    users, leads = people
    client.force_login(users[user])
    ids = [leads["responsible"].pk, leads["other"].pk]
    visible = {leads[owner].pk for owner in VISIBLE[user]}

    client.post(reverse("leads:mass-action"), {"action": "status", "ids": ids,
                                               "status": statuses["in_process"].pk})  # fmt: skip
    in_process = set(Lead.objects.filter(status__code="in_process").values_list("pk", flat=True))
    assert in_process == visible
    response = client.post(
        reverse("leads:mass-action"), {"action": "delete", "ids": ids}, follow=True
    )

    assert "1 lead(s) skipped: your role does not allow it." in html.unescape(
        response.content.decode()
    )
    remaining = set(Lead.objects.values_list("title", flat=True))
    assert remaining == {TITLES[owner] for owner in TITLES if owner not in VISIBLE[user]}


def test_mass_assignment_stays_within_the_assign_scope(client, people):
    users, leads = people
    client.force_login(users["head"])
    ids = [leads["responsible"].pk, leads["other"].pk]

    client.post(reverse("leads:mass-action"),
                {"action": "assign", "ids": ids, "responsible": users["other"].pk})  # fmt: skip
    client.post(reverse("leads:mass-action"),
                {"action": "assign", "ids": ids, "responsible": users["head"].pk})  # fmt: skip

    responsibles = dict(Lead.objects.values_list("title", "responsible__username"))
    assert responsibles == {"Responsible's request": "head", "Other's request": "other"}


def exported_titles(client, user) -> set[str]:
    client.force_login(user)
    response = client.get(reverse("leads:export"))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return {row["Title"] for row in csv.DictReader(io.StringIO(text))}


@pytest.mark.parametrize("user", VISIBLE)
def test_the_lead_export_follows_the_export_scope(client, people, user):
    users, _ = people

    assert exported_titles(client, users[user]) == {TITLES[owner] for owner in VISIBLE[user]}


def test_the_lead_export_needs_the_export_right(client, people):
    users, _ = people
    RolePermission.objects.filter(role__name="Manager", action=PermissionAction.EXPORT).update(
        scope="none"
    )

    assert exported_titles(client, users["responsible"]) == set()


def test_a_lead_is_created_only_for_someone_within_the_add_scope(client, people):
    users, _ = people
    client.force_login(users["responsible"])
    form = {"title": "New", "currency": "RUB", "amount": "10",
            "responsible": users["other"].pk}  # fmt: skip

    refused = client.post(reverse("leads:create"), form)
    assert "does not let you give this lead" in refused.content.decode()
    assert not Lead.objects.filter(title="New").exists()

    created = client.post(reverse("leads:create"), form | {"responsible": users["responsible"].pk})
    assert created.status_code == 302
    assert Lead.objects.get(title="New").status.code == "new"
    client.force_login(users["head"])
    by_head = form | {"title": "By the head", "responsible": users["responsible"].pk}
    assert client.post(reverse("leads:create"), by_head).status_code == 302
    assert client.post(reverse("leads:create"), form | {"title": "For retail"}).status_code == 200
    assert not Lead.objects.filter(title="For retail").exists()


def test_quick_add_answers_with_the_new_card(client, people):
    users, _ = people
    client.force_login(users["responsible"])

    response = client.post(
        reverse("leads:create"),
        {"title": "Call back", "amount": "50"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    lead = Lead.objects.get(title="Call back")
    assert f'data-testid="card-{lead.pk}"' in response.content.decode()
    assert (lead.responsible, lead.amount, lead.status.code) == (users["responsible"], 50, "new")


@pytest.mark.parametrize("page", ["leads:board", "leads:list"])
def test_board_and_list_cost_the_same_queries_for_5_and_50_leads(
    client, people, django_assert_max_num_queries, page
):
    users, _ = people
    client.force_login(users["responsible"])

    def queries_for(total: int) -> int:
        LeadFactory.create_batch(total - Lead.objects.filter(responsible=users["responsible"])
                                 .count(), responsible=users["responsible"])  # fmt: skip
        with django_assert_max_num_queries(20) as context:
            assert client.get(reverse(page)).status_code == 200
        return len(context.captured_queries)

    assert queries_for(5) == queries_for(50)


def test_the_convert_dialog_asks_for_every_missing_field_at_once(client, people):
    users, leads = people
    lead = leads["responsible"]
    Lead.objects.filter(pk=lead.pk).update(first_name="", last_name="", company_title="")
    client.force_login(users["responsible"])
    url = reverse("leads:convert", args=[lead.pk])

    asked = client.post(url, {"contact": "new", "company": "new"}, headers={"HX-Request": "true"})

    text = asked.content.decode()
    assert 'name="company_title"' in text and 'name="contact_last_name"' in text
    assert "Give the company a name." in text
    assert "Give the contact a first or last name." in text
    assert not Company.objects.exists() and not Contact.objects.exists()

    done = client.post(url, {"contact": "new", "company": "new", "company_title": "Horns",
                             "contact_last_name": "Petrov"}, headers={"HX-Request": "true"})  # fmt: skip

    assert 'data-testid="convert-done"' in done.content.decode()
    lead.refresh_from_db()
    assert lead.status.code == "converted"
    assert (lead.company.title, lead.contact.last_name) == ("Horns", "Petrov")


def test_converting_into_contact_company_and_deal_links_to_them(client, people, pipeline):
    users, leads = people
    lead = leads["responsible"]
    Lead.objects.filter(pk=lead.pk).update(company_title="Horns and hooves")
    client.force_login(users["responsible"])

    response = client.post(
        reverse("leads:convert", args=[lead.pk]),
        {"contact": "new", "company": "new", "deal": "on", "pipeline": pipeline.pk},
    )

    assert response.status_code == 302
    deal = Deal.objects.get(lead=lead)
    assert (deal.title, deal.pipeline, deal.company.title) == (
        "Responsible's request",
        pipeline,
        "Horns and hooves",
    )
    card = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert f'href="{deal.get_absolute_url()}"' in card
    assert "Horns and hooves" in card


def test_a_lead_goes_to_junk_with_its_reason(client, people, statuses):
    users, leads = people
    lead = leads["responsible"]
    client.force_login(users["responsible"])
    url = reverse("leads:set-status", args=[lead.pk])

    refused = client.post(url, {"status": statuses["junk"].pk, "comment": " "}, follow=True)
    assert "Say why the lead is junk." in html.unescape(refused.content.decode())
    lead.refresh_from_db()
    assert lead.status.code == "new"

    response = client.post(url, {"status": statuses["junk"].pk, "comment": "Spam from a bot"})

    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.status.code, lead.status_comment) == ("junk", "Spam from a bot")
    event = TimelineEvent.objects.get(entity_type="lead", entity_id=lead.pk,
                                      kind=TimelineEvent.Kind.STATUS_CHANGED)  # fmt: skip
    assert event.payload["comment"] == "Spam from a bot"
    card = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert "Spam from a bot" in card


def test_the_convert_dialog_suggests_a_company_when_the_lead_names_one(statuses):
    named = LeadFactory(company_title="Horns and Hooves")
    unnamed = LeadFactory(company_title="")

    assert LeadConvertForm(lead=named)["company"].initial == LeadConvertForm.NEW
    assert LeadConvertForm(lead=unnamed)["company"].initial == LeadConvertForm.NONE
