"""The report builder: definitions checked against its whitelists, figures written out by hand
on the worlds of tests/reports/conftest.py (deals R1…H1, their product rows) and
tests/reports/lead_world.py (leads, activities), each within two or three scopes, a bounded
number of queries, saved reports and their sharing, a copy of a standard report, and the page,
CSV and API of a saved report holding the same table."""

import csv
import datetime
import io
import json
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import PermissionEntity, Role
from catalog.models import ProductRow
from reports.builder import builder_definition_validate, builder_run
from reports.definitions import REPORTS
from reports.models import SavedReport
from reports.services import saved_report_create, saved_report_delete, saved_report_update
from reports.views import my_reports
from tests.caching import as_in_a_new_process
from tests.factories import DealFactory, UserFactory, role
from tests.reports.lead_world import add_more_of_everything, build_lead_world

COUNT = {"aggregate": "count", "field": ""}
SUM_AMOUNT = {"aggregate": "sum", "field": "amount"}
JANUARY, FEBRUARY, MARCH = (datetime.date(2026, month, 1) for month in (1, 2, 3))


def run(user, entity: str, group_by: list[str], measures: list[dict], **filters):
    definition = builder_definition_validate(
        entity, {"group_by": group_by, "measures": measures, "filters": {}}
    )
    return builder_run(actor=user, entity=entity, definition=definition, params=filters)


def table(result) -> list[tuple]:
    return [tuple(row[column.key] for column in result.columns) for row in result.rows]


def totals(result) -> tuple:
    return tuple(result.totals.get(column.key) for column in result.columns)


@pytest.fixture
def lead_world(pipeline, money, statuses):
    return build_lead_world(money, statuses)


# --- definitions ---------------------------------------------------------------------------


def test_a_definition_is_returned_in_its_normal_form():
    definition = builder_definition_validate(
        "deals",
        {"group_by": "stage", "measures": [{"aggregate": "count"}, SUM_AMOUNT], "chart": None},
    )

    assert definition == {
        "group_by": ["stage"],
        "measures": [COUNT, SUM_AMOUNT],
        "filters": {},
        "chart": "",
    }


@pytest.mark.parametrize(
    ("entity", "definition", "errors"),
    [
        ("orders", {}, {"entity": ["Choose what the report counts: deals, leads, contacts, "
                                   "companies, activities, product_rows."]}),
        ("deals", {"group_by": ["colour"], "measures": [COUNT]},
         {"group_by": ["“colour” is not a grouping of deals; choose one of: responsible, "
                       "department, stage, pipeline, company, source, campaign, deal_type, day, "
                       "week, month, closed_day, closed_week, closed_month."]}),
        ("deals", {"group_by": [], "measures": [COUNT]},
         {"group_by": ["Group the report by one or two of: responsible, department, stage, "
                       "pipeline, company, source, campaign, deal_type, day, week, month, "
                       "closed_day, closed_week, closed_month."]}),
        ("leads", {"group_by": ["stage"], "measures": [COUNT]},
         {"group_by": ["“stage” is not a grouping of leads; choose one of: responsible, "
                       "department, status, source, campaign, day, week, month."]}),
        ("deals", {"group_by": ["month", "month"], "measures": [COUNT]},
         {"group_by": ["Group by two different things."]}),
        ("deals", {"group_by": ["stage"], "measures": [{"aggregate": "median", "field": "amount"}]},
         {"measures": ["“median” is not an aggregate: choose count, sum, avg, min or max."]}),
        ("deals", {"group_by": ["stage"], "measures": [{"aggregate": "sum", "field": "title"}]},
         {"measures": ["“title” is not a numeric field of deals; choose one of: amount, "
                       "won_amount, probability."]}),
        ("contacts", {"group_by": ["source"], "measures": [SUM_AMOUNT]},
         {"measures": ["“amount” is not a numeric field of contacts; choose one of: none, only "
                       "the count."]}),
        ("deals", {"group_by": ["stage"], "measures": [{"aggregate": "sum", "field": ""}]},
         {"measures": ["The sum needs a field to aggregate."]}),
        ("deals", {"group_by": ["stage"], "measures": [{"aggregate": "sum",
                                                        "field": "probability"}]},
         {"measures": ["The sum of “Probability, %” means nothing; choose: count, avg, min, "
                       "max."]}),
        ("deals", {"group_by": ["stage"], "measures": [COUNT, {"aggregate": "count"}]},
         {"measures": ["The measure “Deals” is there twice."]}),
        ("deals", {"group_by": ["stage"], "measures": []},
         {"measures": ["Add from one to 6 measures."]}),
        ("deals", {"group_by": ["stage"], "measures": [COUNT], "chart": "radar"},
         {"chart": ["“radar” is not a chart: choose bar, line, pie, funnel or none."]}),
        ("deals", {"group_by": ["stage"], "measures": [COUNT],
                   "filters": {"lead_status": 1}},
         {"filters": ["“lead_status” is not a filter of deals; choose from: period_from, "
                      "period_to, pipeline, amount_min, amount_max, deal_type, responsible, "
                      "company, source, campaign, outcome."]}),
        ("deals", {"group_by": ["stage"], "measures": [COUNT],
                   "filters": {"period_from": "2026-03-01", "period_to": "2026-01-01",
                               "outcome": "maybe"}},
         {"filters": ["To: The period ends before it starts.",
                      "Outcome: Select a valid choice. maybe is not one of the available "
                      "choices."]}),
    ],
)  # fmt: skip
def test_a_definition_outside_the_whitelists_is_refused_with_its_reasons(
    db, entity, definition, errors
):
    with pytest.raises(ValidationError) as refused:
        builder_definition_validate(entity, definition)

    assert {key: sorted(value) for key, value in refused.value.message_dict.items()} == {
        key: sorted(value) for key, value in errors.items()
    }


def test_a_refused_definition_or_name_saves_nothing(world):
    owner = world.users["responsible"]
    bad = {"group_by": ["colour"], "measures": [{"aggregate": "sum", "field": "title"}]}

    with pytest.raises(ValidationError) as refused:
        saved_report_create(actor=owner, name="Mine", entity="deals", definition=bad)
    assert set(refused.value.message_dict) == {"group_by", "measures"}

    with pytest.raises(ValidationError) as unnamed:
        saved_report_create(actor=owner, name="  ", entity="deals",
                            definition={"group_by": ["stage"], "measures": [COUNT]})  # fmt: skip
    assert unnamed.value.message_dict == {"name": ["Give the report a name."]}

    assert SavedReport.objects.count() == 0


# --- figures ---------------------------------------------------------------------------------

# count and sum of the amount (in RUB) per responsible; the head sees the responsible's too
BY_RESPONSIBLE = {
    "responsible": ([("Rostov Roman", 4, Decimal("4400.00"))], ("Total", 4, Decimal("4400.00"))),
    "head": (
        [("Hedin Hugo", 1, Decimal("400.00")), ("Rostov Roman", 4, Decimal("4400.00"))],
        ("Total", 5, Decimal("4800.00")),
    ),
    "director": (
        [("Hedin Hugo", 1, Decimal("400.00")), ("Orlova Olga", 2, Decimal("3700.00")),
         ("Rostov Roman", 4, Decimal("4400.00"))],
        ("Total", 7, Decimal("8500.00")),
    ),
}  # fmt: skip


@pytest.mark.parametrize("user", BY_RESPONSIBLE)
def test_deals_by_responsible_count_and_sum_within_the_scope(world, user):
    result = run(world.users[user], "deals", ["responsible"], [COUNT, SUM_AMOUNT])

    assert [column.key for column in result.columns] == ["responsible", "count", "sum_amount"]
    assert [str(column.label) for column in result.columns] == [
        "Responsible", "Deals", "Amount (sum)"]  # fmt: skip
    assert (table(result), totals(result)) == BY_RESPONSIBLE[user]


# stage order; count, won amount, average probability (deals without one left out)
BY_STAGE = {
    "responsible": (
        [("Negotiation", 1, Decimal("0.00"), Decimal("60.0")),  # R4
         ("Won", 2, Decimal("1900.00"), Decimal("90.0")),  # R1 90, R2 none
         ("Lost", 1, Decimal("0.00"), Decimal("30.0"))],  # R3
        ("Total", 4, Decimal("1900.00"), Decimal("60.0")),
    ),
    "director": (
        [("New", 1, Decimal("0.00"), None),  # O2 without a probability
         ("Negotiation", 1, Decimal("0.00"), Decimal("60.0")),
         ("Won", 3, Decimal("4900.00"), Decimal("85.0")),  # R1, R2, O1: (90 + 80) / 2
         ("Lost", 2, Decimal("0.00"), Decimal("30.0"))],  # R3 30, H1 none
        ("Total", 7, Decimal("4900.00"), Decimal("65.0")),  # (90 + 30 + 60 + 80) / 4
    ),
}  # fmt: skip


@pytest.mark.parametrize("user", BY_STAGE)
def test_deals_by_stage_within_the_scope(world, user):
    measures = [COUNT, {"aggregate": "sum", "field": "won_amount"},
                {"aggregate": "avg", "field": "probability"}]  # fmt: skip

    result = run(world.users[user], "deals", ["stage"], measures)

    assert (table(result), totals(result)) == BY_STAGE[user]
    assert [column.kind for column in result.columns] == ["text", "number", "money", "percent"]


BY_MONTH = {
    "responsible": (
        [(JANUARY, 3, Decimal("2400.00")), (FEBRUARY, 1, Decimal("2000.00"))],  # R1–R3; R4
        ("Total", 4, Decimal("4400.00")),
    ),
    "director": (
        [(JANUARY, 4, Decimal("5400.00")),  # R1, R2, R3, O1
         (FEBRUARY, 2, Decimal("2400.00")),  # R4, H1
         (MARCH, 1, Decimal("700.00"))],  # O2
        ("Total", 7, Decimal("8500.00")),
    ),
}  # fmt: skip


@pytest.mark.parametrize("user", BY_MONTH)
def test_deals_by_month_of_creation_within_the_scope(world, user):
    result = run(world.users[user], "deals", ["month"], [COUNT, SUM_AMOUNT])

    assert (table(result), totals(result)) == BY_MONTH[user]
    assert result.columns[0].kind == "date"


def test_won_deals_by_month_of_closing_take_the_period_on_the_closing_date(world):
    director = world.users["director"]
    won = {"outcome": "won"}

    every = run(director, "deals", ["closed_month"], [COUNT, SUM_AMOUNT], **won)
    since_february = run(director, "deals", ["closed_month"], [COUNT, SUM_AMOUNT], **won,
                         period_from=FEBRUARY)  # fmt: skip

    # O1 closed in January; R1 and R2 (created in January) closed in February
    assert table(every) == [(JANUARY, 1, Decimal("3000.00")), (FEBRUARY, 2, Decimal("1900.00"))]
    assert table(since_february) == [(FEBRUARY, 2, Decimal("1900.00"))]


def test_two_groupings_make_a_row_per_pair_in_the_order_of_both(world):
    result = run(world.users["head"], "deals", ["responsible", "company"], [COUNT])

    assert table(result) == [
        ("Hedin Hugo", "Alpha", 1),  # H1
        ("Rostov Roman", "Alpha", 2),  # R1, R2
        ("Rostov Roman", "Beta", 2),  # R3, R4
    ]
    assert totals(result) == ("Total", None, 5)


# quantity and line total (in RUB) per product; rows not from the catalog by their name
BY_PRODUCT = {
    "responsible": (  # R1, R2, R4
        [("Delivery", 1, Decimal("200.00")), ("Paper", 2, Decimal("900.00")),
         ("Printer", 3, Decimal("2800.00"))],
        ("Total", 6, Decimal("3900.00")),
    ),
    "head": (  # and H1's paper
        [("Delivery", 1, Decimal("200.00")), ("Paper", 6, Decimal("1300.00")),
         ("Printer", 3, Decimal("2800.00"))],
        ("Total", 10, Decimal("4300.00")),
    ),
    "director": (
        [("Delivery", 1, Decimal("200.00")), ("Paper", 6, Decimal("1300.00")),
         ("Printer", 5, Decimal("4600.00")), ("Setup", 3, Decimal("1200.00"))],
        ("Total", 15, Decimal("7300.00")),
    ),
}  # fmt: skip


@pytest.mark.parametrize("user", BY_PRODUCT)
def test_product_rows_by_product_sum_the_quantity_within_the_deals_in_scope(world, user):
    measures = [{"aggregate": "sum", "field": "quantity"},
                {"aggregate": "sum", "field": "line_total"}]  # fmt: skip

    result = run(world.users[user], "product_rows", ["product"], measures)

    assert (table(result), totals(result)) == BY_PRODUCT[user]


LEADS_BY_RESPONSIBLE = {  # count, converted
    "responsible": [("Rostov Roman", 4, 2)],
    "head": [("Hedin Hugo", 2, 1), ("Rostov Roman", 4, 2)],
    "director": [("Hedin Hugo", 2, 1), ("Orlova Olga", 2, 1), ("Rostov Roman", 4, 2)],
}
ACTIVITIES_BY_RESPONSIBLE = {
    "responsible": [("Rostov Roman", 9)],
    "head": [("Hedin Hugo", 2), ("Rostov Roman", 9)],
    "director": [("Hedin Hugo", 2), ("Orlova Olga", 4), ("Rostov Roman", 9)],
}


@pytest.mark.parametrize("user", LEADS_BY_RESPONSIBLE)
def test_leads_and_activities_by_responsible_within_the_scope(lead_world, user):
    actor = lead_world.users[user]
    converted = {"aggregate": "count", "field": "converted"}

    leads = run(actor, "leads", ["responsible"], [COUNT, converted])
    activities = run(actor, "activities", ["responsible"], [COUNT])

    assert table(leads) == LEADS_BY_RESPONSIBLE[user]
    assert table(activities) == ACTIVITIES_BY_RESPONSIBLE[user]
    assert [str(column.label) for column in leads.columns] == [
        "Responsible", "Leads", "Leads converted"]  # fmt: skip


def test_contacts_and_companies_count_within_the_scope(world):
    # the world's contacts and companies have no responsible: the director sees them all,
    # a manager none
    director, manager = world.users["director"], world.users["responsible"]

    assert table(run(director, "contacts", ["responsible"], [COUNT])) == [("No responsible", 4)]
    assert table(run(director, "companies", ["company_type"], [COUNT])) == [("Customer", 3)]
    assert table(run(manager, "contacts", ["responsible"], [COUNT])) == []


# grants, the deal shares' content type, the stage rules (the user's roles); the GROUP BY and
# the totals
DEAL_QUERIES = 5


@pytest.mark.parametrize(
    ("entity", "group_by", "measures"),
    [
        ("deals", ["responsible", "month"], [COUNT, SUM_AMOUNT]),
        ("product_rows", ["product", "stage"], [{"aggregate": "sum", "field": "quantity"}]),
    ],
)
def test_a_report_takes_the_same_queries_with_more_data(
    world, entity, group_by, measures, django_assert_max_num_queries
):
    head = world.users["head"]
    definition = builder_definition_validate(entity, {"group_by": group_by, "measures": measures})
    with django_assert_max_num_queries(DEAL_QUERIES):
        before = builder_run(actor=as_in_a_new_process(head), entity=entity,
                             definition=definition, params={})  # fmt: skip

    # given: many more deals, people and product rows
    for number in range(5):
        extra = UserFactory(username=f"extra{number}", department=head.department)
        for _index in range(3):
            deal = DealFactory(responsible=extra, pipeline=world.pipeline)
            ProductRow.objects.create(deal=deal, product=world.products["Setup"],
                                      product_name="Setup", price=Decimal(400))  # fmt: skip

    with django_assert_max_num_queries(DEAL_QUERIES):
        after = builder_run(actor=as_in_a_new_process(head), entity=entity,
                            definition=definition, params={})  # fmt: skip

    assert len(after.rows) > len(before.rows)


def test_leads_and_activities_take_the_same_queries_with_more_data(
    lead_world, django_assert_max_num_queries
):
    head = lead_world.users["head"]

    def both():
        run(as_in_a_new_process(head), "leads", ["responsible", "status"], [COUNT])
        run(as_in_a_new_process(head), "activities", ["kind"], [COUNT])

    # each: grants (and the lead shares' content type); the GROUP BY and the totals
    with django_assert_max_num_queries(7):
        both()
    add_more_of_everything(lead_world, count=5)
    with django_assert_max_num_queries(7):
        both()


def test_at_most_a_thousand_groups_are_listed_and_the_totals_count_everything(world, monkeypatch):
    monkeypatch.setattr("reports.builder.GROUP_LIMIT", 2)

    result = run(world.users["director"], "deals", ["responsible"], [COUNT])

    assert table(result) == [("Hedin Hugo", 1), ("Orlova Olga", 2)]
    assert result.totals["count"] == 7
    assert "first 2 groups" in result.totals["note"]


# --- saved reports: sharing and access ------------------------------------------------------


def saved_url(name: str, saved: SavedReport) -> str:
    return reverse(f"reports:{name}", args=[saved.pk])


def api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def html_rows(html: str) -> list[list[str]]:
    """The cells of each row of the report table in an HTML answer (a partial has no
    context in tests)."""
    return [
        re.findall(r"<td[^>]*>(.*?)</td>", row)
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.DOTALL)
        if "<td" in row
    ]


def texts(table_context) -> list[list[str]]:
    return [[cell.text for cell in row] for row in table_context["rows"]]


def read_csv(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(content.removeprefix("\ufeff"))))


@pytest.fixture
def shared(world):
    """The responsible's report of deals by responsible, shared with the Analysts role that
    the head holds (the other manager does not)."""
    analysts = Role.objects.create(name="Analysts")
    world.users["head"].roles.add(analysts)
    saved = saved_report_create(
        actor=world.users["responsible"], name="Deals per manager", entity="deals",
        definition={"group_by": ["responsible"], "measures": [COUNT, SUM_AMOUNT]},
        roles=[analysts], description="How many, how much",
    )  # fmt: skip
    return saved


def test_a_saved_report_opens_to_its_owner_and_role_holders_only(client, world, shared):
    """Access rule of the saved reports' routes: the owner and the holders of a role it is
    shared with open the page, the CSV and the API, each seeing their own scope's figures;
    anybody else gets 404; only the owner edits and deletes (403 for a role holder)."""
    owner, holder, stranger = (world.users[name] for name in ("responsible", "head", "other"))
    reading = [saved_url("saved-detail", shared), saved_url("saved-export", shared)]
    api_url = reverse("api:saved-report-detail", args=[shared.pk])

    # the owner: their own figures
    client.force_login(owner)
    page = client.get(reading[0])
    assert texts(page.context["table"]) == [["Rostov Roman", "4", "4,400.00 RUB"]]
    assert [client.get(url).status_code for url in reading] == [200, 200]
    assert api_for(owner).get(api_url).status_code == 200
    assert client.get(saved_url("saved-update", shared)).status_code == 200

    # the role holder: the head's figures (the responsible's and own), read only
    client.force_login(holder)
    page = client.get(reading[0])
    assert texts(page.context["table"]) == [
        ["Hedin Hugo", "1", "400.00 RUB"], ["Rostov Roman", "4", "4,400.00 RUB"]]  # fmt: skip
    assert 'data-testid="report-edit"' not in page.content.decode()
    assert [row["responsible"] for row in api_for(holder).get(api_url).json()["rows"]] == [
        "Hedin Hugo", "Rostov Roman"]  # fmt: skip
    assert client.get(saved_url("saved-update", shared)).status_code == 403
    assert client.post(saved_url("saved-update", shared), {"name": "Mine"}).status_code == 403
    assert client.post(saved_url("saved-delete", shared)).status_code == 403
    assert client.get(reverse("reports:builder"), {"copy_saved": shared.pk}).status_code == 200

    # somebody else: as if it did not exist
    client.force_login(stranger)
    urls = [*reading, saved_url("saved-update", shared)]
    assert [client.get(url).status_code for url in urls] == [404, 404, 404]
    assert client.post(saved_url("saved-delete", shared)).status_code == 404
    assert client.get(reverse("reports:builder"), {"copy_saved": shared.pk}).status_code == 404
    assert api_for(stranger).get(api_url).status_code == 404

    # nothing changed; anonymous visitors are sent to log in, the API answers 401
    shared.refresh_from_db()
    assert shared.name == "Deals per manager"
    client.logout()
    assert client.get(reading[0]).status_code == 302
    assert APIClient().get(api_url).status_code == 401

    # the owner deletes it
    client.force_login(owner)
    assert client.post(saved_url("saved-delete", shared)).status_code == 302
    assert not SavedReport.objects.exists()


def test_only_the_owner_changes_or_deletes_through_the_services(world, shared):
    holder = world.users["head"]

    with pytest.raises(PermissionDenied):
        saved_report_update(saved_report=shared, actor=holder, name="Taken", entity="deals",
                            definition=shared.definition)  # fmt: skip
    with pytest.raises(PermissionDenied):
        saved_report_delete(saved_report=shared, actor=holder)

    shared.refresh_from_db()
    assert shared.name == "Deals per manager"


def test_the_builder_and_saved_reports_need_the_report_right(client, world, shared):
    clerk = UserFactory(username="clerk")
    clerk.roles.add(role("Clerk", "all", entities=[PermissionEntity.DEAL]))
    clerk.roles.add(Role.objects.get(name="Analysts"))  # shared with, but no report right
    client.force_login(clerk)
    urls = [reverse("reports:builder"), saved_url("saved-detail", shared),
            saved_url("saved-export", shared), saved_url("saved-update", shared)]  # fmt: skip

    assert [client.get(url).status_code for url in urls] == [403, 403, 403, 403]
    assert client.post(reverse("reports:builder"), {"entity": "deals"}).status_code == 403
    assert client.post(saved_url("saved-delete", shared)).status_code == 403
    response = api_for(clerk).get(reverse("api:saved-report-detail", args=[shared.pk]))
    assert response.status_code == 403
    assert SavedReport.objects.count() == 1

    client.force_login(world.users["other"])
    assert client.get(reverse("reports:builder")).status_code == 200


def test_my_reports_lists_own_and_shared_ones_in_one_query(
    client, world, shared, django_assert_num_queries
):
    saved_report_create(actor=world.users["head"], name="Heads only", entity="leads",
                        definition={"group_by": ["status"], "measures": [COUNT]})  # fmt: skip
    saved_report_create(actor=world.users["other"], name="Not shared", entity="deals",
                        definition={"group_by": ["stage"], "measures": [COUNT]})  # fmt: skip
    client.force_login(world.users["head"])
    client.get(reverse("reports:index"))

    page = client.get(reverse("reports:index"))
    with django_assert_num_queries(1):
        listed = my_reports(world.users["head"])

    assert [item["title"] for item in page.context["my_reports"]] == [
        "Deals per manager", "Heads only"]  # fmt: skip
    assert [item["is_own"] for item in listed] == [False, True]
    html = page.content.decode()
    assert f'href="{saved_url("saved-detail", shared)}"' in html
    assert "shared by Roman Rostov" in html and "How many, how much" in html


# --- the builder's page -----------------------------------------------------------------------

POSTED = {
    "name": "Deals per manager",
    "description": "",
    "entity": "deals",
    "group_by": ["responsible", ""],
    "aggregate": ["count", "sum", ""],
    "field": ["", "amount", ""],
    "chart": "bar",
}


def test_the_preview_shows_the_table_and_chart_and_saves_nothing(client, world):
    client.force_login(world.users["director"])

    response = client.post(reverse("reports:builder"), POSTED | {"action": "preview"},
                           headers={"HX-Request": "true"})  # fmt: skip

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'data-testid="report-table"' in html
    assert html_rows(html) == [
        ["Hedin Hugo", "1", "400.00 RUB"], ["Orlova Olga", "2", "3,700.00 RUB"],
        ["Rostov Roman", "4", "4,400.00 RUB"], ["Total", "7", "8,500.00 RUB"]]  # fmt: skip
    chart = json.loads(re.search(r'id="report-chart-data" type="application/json">(.*?)</script>',
                                 html)[1])  # fmt: skip
    assert chart["labels"] == ["Hedin Hugo", "Orlova Olga", "Rostov Roman"]
    # the count only: the sum of money is not drawn on the scale of a count
    assert [dataset["data"] for dataset in chart["datasets"]] == [["1", "2", "4"]]
    assert not SavedReport.objects.exists()


def test_a_bad_definition_is_shown_in_the_preview_and_on_save_and_nothing_is_saved(client, world):
    client.force_login(world.users["director"])
    bad = POSTED | {"group_by": ["colour"], "aggregate": ["sum"], "field": ["title"]}

    preview = client.post(reverse("reports:builder"), bad | {"action": "preview"})
    saving = client.post(reverse("reports:builder"), bad | {"action": "save"})
    unnamed = client.post(reverse("reports:builder"), POSTED | {"name": "", "action": "save"})

    assert "“colour” is not a grouping of deals" in preview.content.decode()
    assert saving.status_code == 200
    assert "“title” is not a numeric field of deals" in saving.content.decode()
    assert "Give the report a name." in unnamed.content.decode()
    assert not SavedReport.objects.exists()


def test_a_report_is_saved_with_its_roles_and_changed_by_its_owner(client, world):
    owner = world.users["responsible"]
    analysts = Role.objects.create(name="Analysts")
    client.force_login(owner)

    response = client.post(reverse("reports:builder"), POSTED | {
        "action": "save", "roles": [analysts.pk], "period_from": "2026-01-01",
        "responsible": [owner.pk]})  # fmt: skip

    saved = SavedReport.objects.get()
    assert response.status_code == 302 and response["Location"] == saved_url("saved-detail", saved)
    assert (saved.owner, saved.name, saved.entity) == (owner, "Deals per manager", "deals")
    assert saved.definition == {
        "group_by": ["responsible"],
        "measures": [COUNT, SUM_AMOUNT],
        "filters": {"period_from": "2026-01-01", "responsible": [owner.pk]},
        "chart": "bar",
    }
    assert list(saved.shared_with_roles.all()) == [analysts]

    # when: the owner groups it by month too, as a line, shared with nobody
    changed = POSTED | {"action": "save", "group_by": ["month", "responsible"], "chart": "line"}
    client.post(saved_url("saved-update", saved), changed)

    saved.refresh_from_db()
    assert saved.definition["group_by"] == ["month", "responsible"]
    assert saved.definition["filters"] == {}
    assert not saved.shared_with_roles.exists()
    chart = client.get(saved_url("saved-detail", saved)).context["chart"]
    assert chart["kind"] == "line"
    assert chart["labels"] == ["01/01/2026", "02/01/2026"]
    assert [(dataset["label"], dataset["data"]) for dataset in chart["datasets"]] == [
        ("Rostov Roman", ["3", "1"])]  # fmt: skip


def test_choosing_another_entity_reloads_the_fields(client, world):
    client.force_login(world.users["director"])

    response = client.get(reverse("reports:builder"), {"entity": "product_rows"},
                          headers={"HX-Request": "true"})  # fmt: skip

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="builder-fields"')
    assert '<option value="product" selected>' in html
    assert 'name="section"' in html and 'name="lead_status"' not in html
    # the default measures of product rows: the sums of the quantity and the line total
    assert html.count('<option value="sum" selected>') == 2
    assert '<option value="quantity" selected>' in html
    assert '<option value="line_total" selected>' in html


@pytest.mark.parametrize(
    ("key", "entity", "group_by", "measures", "filters", "chart"),
    [
        ("deals_by_manager", "deals", ["responsible", ""],
         [COUNT, {"aggregate": "count", "field": "won_amount"},
          {"aggregate": "sum", "field": "won_amount"}], {}, "bar"),
        ("open_deals_by_stage", "deals", ["stage", ""], [COUNT, SUM_AMOUNT],
         {"outcome": "in_progress"}, "funnel"),
        ("revenue_by_product", "product_rows", ["product", ""],
         [{"aggregate": "sum", "field": "quantity"}, {"aggregate": "sum", "field": "line_total"}],
         {"outcome": "won"}, "bar"),
        ("manager_activity", "activities", ["responsible", "kind"], [COUNT], {}, "bar"),
        # not a GROUP BY of one kind of item: the default of deals
        ("deals_by_contact", "deals", ["responsible", ""], [COUNT, SUM_AMOUNT], {}, "bar"),
    ],
)  # fmt: skip
def test_a_copy_of_a_standard_report_prefills_the_builder(
    client, world, key, entity, group_by, measures, filters, chart
):
    client.force_login(world.users["responsible"])

    response = client.get(reverse("reports:builder"), {"copy": key})

    context = response.context
    assert response.status_code == 200
    assert context["entity"] == entity
    assert context["group_by"] == group_by
    assert [row for row in context["measure_rows"] if row["aggregate"]] == measures
    assert context["filter_form"].data == filters
    assert context["form"].initial["chart"] == chart
    assert context["form"].initial["name"] == str(REPORTS.get(key).title)


def test_a_copy_keeps_the_filters_of_the_standard_page_and_an_unknown_report_is_404(client, world):
    client.force_login(world.users["responsible"])

    response = client.get(reverse("reports:builder"),
                          {"copy": "deals_by_manager", "period_from": "2026-02-01"})  # fmt: skip

    assert response.context["filter_form"].data == {"period_from": "2026-02-01"}
    assert client.get(reverse("reports:builder"), {"copy": "no_such_report"}).status_code == 404
    standard = client.get(reverse("reports:detail", args=["deals_by_manager"])).content.decode()
    assert f'href="{reverse("reports:builder")}?copy=deals_by_manager"' in standard


def test_the_page_csv_and_api_of_a_saved_report_hold_the_same_table(client, world, shared):
    director = world.users["director"]
    shared.shared_with_roles.add(role_of(director))
    client.force_login(director)
    query = {"period_to": "2026-02-28"}  # O2 (created 2026-03-01) is left out

    page = client.get(saved_url("saved-detail", shared), query)
    exported = read_csv(client.get(saved_url("saved-export", shared), query))
    body = api_for(director).get(reverse("api:saved-report-detail", args=[shared.pk]), query)

    rows = texts(page.context["table"])
    assert rows == [["Hedin Hugo", "1", "400.00 RUB"], ["Orlova Olga", "1", "3,000.00 RUB"],
                    ["Rostov Roman", "4", "4,400.00 RUB"]]  # fmt: skip
    assert exported == [
        ["Responsible", "Deals", "Amount (sum), RUB"],
        ["Hedin Hugo", "1", "400.00"],
        ["Orlova Olga", "1", "3000.00"],
        ["Rostov Roman", "4", "4400.00"],
        ["Total", "6", "7800.00"],
    ]
    assert body.status_code == 200
    answer = body.json()
    assert [column["key"] for column in answer["columns"]] == ["responsible", "count", "sum_amount"]
    assert [[str(row[key]) for key in ("responsible", "count", "sum_amount")]
            for row in answer["rows"]] == exported[1:-1]  # fmt: skip
    assert answer["totals"] == {"responsible": "Total", "count": 6, "sum_amount": "7800.00"}
    assert (answer["name"], answer["entity"]) == ("Deals per manager", "deals")
    # the export link of the page keeps the filters
    assert f"{saved_url('saved-export', shared)}?period_to=2026-02-28" in page.content.decode()


def test_a_saved_report_applies_its_saved_filters_unless_the_query_gives_others(client, world):
    director = world.users["director"]
    saved = saved_report_create(
        actor=director, name="Won", entity="deals",
        definition={"group_by": ["responsible"], "measures": [COUNT],
                    "filters": {"outcome": "won"}},
    )  # fmt: skip
    client.force_login(director)
    api = api_for(director)
    api_url = reverse("api:saved-report-detail", args=[saved.pk])

    saved_filters = client.get(saved_url("saved-detail", saved))
    other_filters = client.get(saved_url("saved-detail", saved), {"outcome": "lost"})
    invalid = api.get(api_url, {"outcome": "maybe"})

    assert texts(saved_filters.context["table"]) == [["Orlova Olga", "1"], ["Rostov Roman", "2"]]
    assert texts(other_filters.context["table"]) == [["Hedin Hugo", "1"], ["Rostov Roman", "1"]]
    assert [row["count"] for row in api.get(api_url).json()["rows"]] == [1, 2]
    assert invalid.status_code == 400
    assert set(invalid.json()["error"]["fields"]) == {"outcome"}


def role_of(user) -> Role:
    """A role `user` holds, made for the test and shared with the report."""
    made = Role.objects.create(name=f"Readers of {user.username}")
    user.roles.add(made)
    return made


# the session and the user, the report, the grants, the stage rules, the GROUP BY and the
# totals, the base currency, the roles (settings link), the notifications' badge, the filters'
# choices (pipelines, users, sources, campaigns): none of them repeated per group
PAGE_QUERIES = 13


def test_a_saved_report_page_takes_the_same_queries_with_more_data(
    client, world, shared, django_assert_max_num_queries
):
    client.force_login(world.users["head"])
    url = saved_url("saved-detail", shared)
    client.get(url)  # the session and the content types are warm
    with django_assert_max_num_queries(PAGE_QUERIES):
        before = client.get(url)

    for number in range(4):
        extra = UserFactory(username=f"extra{number}", department=world.users["head"].department)
        DealFactory(responsible=extra, pipeline=world.pipeline)
    with django_assert_max_num_queries(PAGE_QUERIES):
        after = client.get(url)

    assert len(after.context["table"]["rows"]) == len(before.context["table"]["rows"]) + 4
