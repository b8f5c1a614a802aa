"""The standard deal reports, figures written out by hand for each scope (see the world in
tests/reports/conftest.py): "responsible" sees R1–R4, "other" O1–O2, "head" R1–R4 and H1,
the director all seven deals."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import PermissionScope, RoleStageRule
from catalog.models import ProductRow
from deals.models import Deal, DealContact
from reports.definitions import REPORTS
from reports.filters import DEAL_FILTERS, ReportFilterForm
from reports.standard.deals import (
    DealsByCompanyReport,
    DealsByContactReport,
    RevenueByCompanyReport,
    WonDealsReport,
)
from tests.factories import ContactFactory, DealFactory, sales_pipeline, user_with_role

USERS = ("responsible", "other", "head", "director")
D = Decimal
# The queries a report may make: the user's grants, the content type of the deal shares
# (read once per process), the count of the user's roles for the stage rules (twice when the
# report lists the stages too), then the report's own. None depends on the data.
QUERIES = {
    "deals_by_contact": 6,  # the first contacts, their figures, names, the total of each deal once
    "deals_by_company": 5,  # by company (the first 500, totals by window), their titles
    "revenue_by_company": 5,
    "won_deals": 4,  # the list, its total and count by window functions
    "overdue_deals": 5,  # by responsible, their names
    "expected_sales": 5,
    "open_deals_by_stage": 6,  # the stages (the default pipeline by subquery), the deals
    "revenue_by_product": 5,  # by product; the products; the names of their sections
}
OVERDUE_TODAY = datetime.date(2026, 3, 31)  # R4 (due 03-10) and O2 (due 03-25) are overdue
EXPECTED_TODAY = datetime.date(2026, 3, 1)  # both are due within the next 30 days


def day(value: str) -> datetime.date:
    return datetime.date.fromisoformat(value)


def moment(value: str) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.fromisoformat(f"{value}T12:00"))


def run(world, key: str, user: str = "director", **params):
    return REPORTS.get(key).run(actor=world.users[user], params=params)


def table(result, keys: tuple[str, ...]) -> list[tuple]:
    return [tuple(row[key] for key in keys) for row in result.rows]


def total(result, keys: tuple[str, ...]) -> tuple:
    return tuple(result.totals[key] for key in keys)


def test_every_deal_report_is_registered_with_its_columns_and_chart():
    keys = {"deals_by_manager", *QUERIES}

    reports = [REPORTS.get(key) for key in keys]

    for report in reports:
        columns = [column.key for column in report.columns()]
        assert len(columns) == len(set(columns)), report.key
        assert set(report.filters) <= set(ReportFilterForm.base_fields), report.key
        if report.chart:
            assert {report.chart.label, *report.chart.values} <= set(columns), report.key


# --- deals_by_contact --------------------------------------------------------------------

CONTACT_KEYS = ("contact", "deals", "won", "lost", "revenue")
TOTAL_KEYS = ("deals", "won", "lost", "revenue")
BY_CONTACT = {
    "responsible": (
        [("Ivanov Ivan", 2, 2, 0, D(1900)), ("Petrova Anna", 2, 1, 1, D(1000)),
         ("Sidorov Pavel", 1, 0, 0, D(0))],
        (4, 2, 1, D(1900)),
    ),
    "other": (
        [("Ivanov Ivan", 1, 1, 0, D(3000)), ("Sidorov Pavel", 1, 0, 0, D(0))],
        (2, 1, 0, D(3000)),
    ),
    "head": (
        [("Petrova Anna", 3, 1, 2, D(1000)), ("Ivanov Ivan", 2, 2, 0, D(1900)),
         ("Sidorov Pavel", 1, 0, 0, D(0))],
        (5, 2, 2, D(1900)),
    ),
    "director": (
        [("Ivanov Ivan", 3, 3, 0, D(4900)), ("Petrova Anna", 3, 1, 2, D(1000)),
         ("Sidorov Pavel", 2, 0, 0, D(0))],
        (7, 3, 2, D(4900)),
    ),
}  # fmt: skip


@pytest.mark.parametrize("user", USERS)
def test_deals_by_contact_within_each_scope(world, user, django_assert_max_num_queries):
    with django_assert_max_num_queries(QUERIES["deals_by_contact"]):
        result = run(world, "deals_by_contact", user)

    # a deal counts for each of its contacts, the total once; Kuznetsova has no deal
    assert table(result, CONTACT_KEYS) == BY_CONTACT[user][0]
    assert total(result, TOTAL_KEYS) == BY_CONTACT[user][1]


def test_deals_by_contact_within_a_creation_period(world):
    result = run(world, "deals_by_contact", period_from=day("2026-01-01"),
                 period_to=day("2026-01-31"))  # fmt: skip

    # created in January: R1, R2, R3, O1
    assert table(result, CONTACT_KEYS) == [
        ("Ivanov Ivan", 3, 3, 0, D(4900)), ("Petrova Anna", 2, 1, 1, D(1000))]  # fmt: skip
    assert total(result, TOTAL_KEYS) == (4, 3, 1, D(4900))


# --- deals_by_company --------------------------------------------------------------------

COMPANY_KEYS = ("company", "deals", "won", "lost", "in_progress", "won_share")
BY_COMPANY = {
    "responsible": (
        [("Alpha", 2, 2, 0, 0, D("100.0")), ("Beta", 2, 0, 1, 1, D("0.0"))],
        ("Total", 4, 2, 1, 1, D("50.0")),
    ),
    "other": (
        [("Gamma", 1, 1, 0, 0, D("100.0")), ("Without a company", 1, 0, 0, 1, D("0.0"))],
        ("Total", 2, 1, 0, 1, D("50.0")),
    ),
    "head": (
        [("Alpha", 3, 2, 1, 0, D("66.7")), ("Beta", 2, 0, 1, 1, D("0.0"))],
        ("Total", 5, 2, 2, 1, D("40.0")),
    ),
    "director": (
        [("Alpha", 3, 2, 1, 0, D("66.7")), ("Beta", 2, 0, 1, 1, D("0.0")),
         ("Gamma", 1, 1, 0, 0, D("100.0")), ("Without a company", 1, 0, 0, 1, D("0.0"))],
        ("Total", 7, 3, 2, 2, D("42.9")),
    ),
}  # fmt: skip


@pytest.mark.parametrize("user", USERS)
def test_deals_by_company_within_each_scope(world, user, django_assert_max_num_queries):
    with django_assert_max_num_queries(QUERIES["deals_by_company"]):
        result = run(world, "deals_by_company", user)

    assert table(result, COMPANY_KEYS) == BY_COMPANY[user][0]
    assert total(result, COMPANY_KEYS) == BY_COMPANY[user][1]


def test_deals_by_company_within_an_amount_range(world):
    result = run(world, "deals_by_company", amount_min=D(600))

    # R1 (1000), R4 (2000), O1 (3000), O2 (700); R2 is 10 USD, R3 500, H1 400
    assert table(result, COMPANY_KEYS) == [
        ("Alpha", 1, 1, 0, 0, D("100.0")), ("Beta", 1, 0, 0, 1, D("0.0")),
        ("Gamma", 1, 1, 0, 0, D("100.0")), ("Without a company", 1, 0, 0, 1, D("0.0"))]  # fmt: skip


# --- revenue_by_company ------------------------------------------------------------------

REVENUE_KEYS = ("company", "deals", "revenue", "share")
REVENUE_BY_COMPANY = {
    "responsible": ([("Alpha", 2, D(1900), D("100.0"))], ("Total", 2, D(1900), D("100.0"))),
    "other": ([("Gamma", 1, D(3000), D("100.0"))], ("Total", 1, D(3000), D("100.0"))),
    "head": ([("Alpha", 2, D(1900), D("100.0"))], ("Total", 2, D(1900), D("100.0"))),
    "director": (
        [("Gamma", 1, D(3000), D("61.2")), ("Alpha", 2, D(1900), D("38.8"))],
        ("Total", 3, D(4900), D("100.0")),
    ),
}


@pytest.mark.parametrize("user", USERS)
def test_revenue_by_company_within_each_scope(world, user, django_assert_max_num_queries):
    with django_assert_max_num_queries(QUERIES["revenue_by_company"]):
        result = run(world, "revenue_by_company", user)

    assert table(result, REVENUE_KEYS) == REVENUE_BY_COMPANY[user][0]
    assert total(result, REVENUE_KEYS) == REVENUE_BY_COMPANY[user][1]


def test_revenue_by_company_counts_the_deals_closed_in_the_period(world):
    # given a deal won without a company on 2026-02-03
    unattached = DealFactory(title="X1", responsible=world.users["other"],
                             pipeline=world.pipeline, stage=world.stages["Won"], amount=D(100))  # fmt: skip
    Deal.objects.filter(pk=unattached.pk).update(closed_at=moment("2026-02-03"))

    # when
    result = run(world, "revenue_by_company", period_from=day("2026-02-01"),
                 period_to=day("2026-02-05"))  # fmt: skip

    # then: R1 was created in January and closed on 02-01; R2 closed on 02-10
    assert table(result, REVENUE_KEYS) == [
        ("Alpha", 1, D(1000), D("90.9")), ("Without a company", 1, D(100), D("9.1"))]  # fmt: skip
    assert total(result, REVENUE_KEYS) == ("Total", 2, D(1100), D("100.0"))


# --- won_deals ---------------------------------------------------------------------------

WON_KEYS = ("title", "company", "responsible", "amount", "closed")
R2 = ("R2", "Alpha", "Rostov Roman", D(900), day("2026-02-10"))
R1 = ("R1", "Alpha", "Rostov Roman", D(1000), day("2026-02-01"))
O1 = ("O1", "Gamma", "Orlova Olga", D(3000), day("2026-01-25"))
WON = {
    "responsible": ([R2, R1], (2, D(1900))),
    "other": ([O1], (1, D(3000))),
    "head": ([R2, R1], (2, D(1900))),
    "director": ([R2, R1, O1], (3, D(4900))),
}


@pytest.mark.parametrize("user", USERS)
def test_won_deals_within_each_scope(world, user, django_assert_max_num_queries):
    with django_assert_max_num_queries(QUERIES["won_deals"]):
        result = run(world, "won_deals", user)

    assert table(result, WON_KEYS) == WON[user][0]
    assert total(result, ("deals", "amount")) == WON[user][1]
    assert "note" not in result.totals


def test_won_deals_closed_in_the_period(world):
    result = run(world, "won_deals", period_from=day("2026-02-05"), period_to=day("2026-03-31"))

    assert table(result, WON_KEYS) == [R2]


def test_won_deals_are_cut_with_a_note_and_totalled_in_full(world, monkeypatch):
    monkeypatch.setattr(WonDealsReport, "limit", 2)

    result = run(world, "won_deals")

    assert table(result, WON_KEYS) == [R2, R1]
    assert total(result, ("deals", "amount")) == (3, D(4900))
    assert result.totals["note"] == (
        "The 2 deals closed last of 3 are listed; the total counts them all.")  # fmt: skip


@pytest.mark.parametrize(
    ("director", "ranked_alone"),
    [("superuser", True), ("role of all", True), ("role of all, a stage closed", False)],
)
def test_deals_by_contact_ranks_the_same_from_every_link_as_from_the_deals_that_pass(
    world, director, ranked_alone
):
    """A director (a superuser, or a role of "all") without filters: the links are ranked
    alone, unless a stage rule hides some deals; a filter every deal passes makes the report
    rank the links of the deals that pass."""
    actor = world.users["director"]
    if director != "superuser":
        actor = user_with_role("role director", PermissionScope.ALL)
    if director.endswith("a stage closed"):
        RoleStageRule.objects.create(role=actor.roles.get(), stage=world.stages["Lost"],
                                     can_view=False)  # fmt: skip
    report = REPORTS.get("deals_by_contact")
    with CaptureQueriesContext(connection) as unfiltered_queries:
        unfiltered = report.run(actor=actor, params={})
    with CaptureQueriesContext(connection) as filtered_queries:
        filtered = report.run(actor=actor, params={"amount_min": D(0)})

    assert (unfiltered.rows, unfiltered.totals) == (filtered.rows, filtered.totals)
    assert unfiltered.rows
    [ranked_unfiltered, ranked_filtered] = [
        next(query["sql"] for query in queries if "deals_dealcontact" in query["sql"])
        for queries in (unfiltered_queries, filtered_queries)
    ]
    assert ('"deals_deal" ' not in ranked_unfiltered) == ranked_alone
    assert '"deals_deal" ' in ranked_filtered


def test_deals_by_contact_lists_the_busiest_contacts_and_totals_every_deal(world, monkeypatch):
    full = run(world, "deals_by_contact")
    monkeypatch.setattr(DealsByContactReport, "limit", 1)

    cut = run(world, "deals_by_contact")

    assert cut.rows == full.rows[:1]
    assert {key: cut.totals[key] for key in ("deals", "won", "lost", "revenue")} == {
        key: full.totals[key] for key in ("deals", "won", "lost", "revenue")}  # fmt: skip
    assert cut.totals["note"] == (
        "The 1 contacts with the most deals are listed; the total counts every deal.")  # fmt: skip
    assert "note" not in full.totals


@pytest.mark.parametrize(
    ("report_class", "figures"),
    [(DealsByCompanyReport, ("deals", "won", "lost", "in_progress", "won_share")),
     (RevenueByCompanyReport, ("deals", "revenue", "share"))],
)  # fmt: skip
def test_company_reports_list_the_top_companies_and_total_every_deal(
    world, monkeypatch, report_class, figures
):
    full = run(world, report_class.key)
    monkeypatch.setattr(report_class, "limit", 1)

    cut = run(world, report_class.key)

    assert cut.rows == full.rows[:1]
    assert {key: cut.totals[key] for key in figures} == {key: full.totals[key] for key in figures}
    assert cut.totals["note"] == (
        "The 1 companies at the top are listed; the total counts every deal.")  # fmt: skip
    assert "note" not in full.totals


# --- overdue_deals -----------------------------------------------------------------------

OVERDUE_KEYS = ("manager", "deals", "amount", "oldest", "days_overdue")
ROSTOV_OVERDUE = ("Rostov Roman", 1, D(2000), day("2026-03-10"), 21)
ORLOVA_OVERDUE = ("Orlova Olga", 1, D(700), day("2026-03-25"), 6)
OVERDUE = {
    "responsible": ([ROSTOV_OVERDUE], ("Total", 1, D(2000), day("2026-03-10"), 21)),
    "other": ([ORLOVA_OVERDUE], ("Total", 1, D(700), day("2026-03-25"), 6)),
    "head": ([ROSTOV_OVERDUE], ("Total", 1, D(2000), day("2026-03-10"), 21)),
    "director": (
        [ORLOVA_OVERDUE, ROSTOV_OVERDUE],
        ("Total", 2, D(2700), day("2026-03-10"), 21),
    ),
}


@pytest.mark.parametrize("user", USERS)
def test_overdue_deals_within_each_scope(world, user, django_assert_max_num_queries):
    with django_assert_max_num_queries(QUERIES["overdue_deals"]):
        result = run(world, "overdue_deals", user, today=OVERDUE_TODAY)

    # R1, R2, O1 (won), R3 and H1 (lost) were due earlier too, but are closed
    assert table(result, OVERDUE_KEYS) == OVERDUE[user][0]
    assert total(result, OVERDUE_KEYS) == OVERDUE[user][1]


def test_overdue_deals_on_an_earlier_day_and_within_an_amount_range(world):
    mid_march = run(world, "overdue_deals", today=day("2026-03-15"))
    due_today = run(world, "overdue_deals", today=day("2026-03-10"))
    small = run(world, "overdue_deals", today=OVERDUE_TODAY, amount_max=D(1000))

    assert table(mid_march, OVERDUE_KEYS) == [("Rostov Roman", 1, D(2000), day("2026-03-10"), 5)]
    assert table(due_today, OVERDUE_KEYS) == []  # R4 is due that day: not overdue yet
    assert table(small, OVERDUE_KEYS) == [ORLOVA_OVERDUE]


# --- expected_sales ----------------------------------------------------------------------

EXPECTED_KEYS = ("manager", "deals", "amount", "weighted_amount")
ROSTOV_EXPECTED = ("Rostov Roman", 1, D(2000), D(1200))  # R4: 60 %
ORLOVA_EXPECTED = ("Orlova Olga", 1, D(700), D(0))  # O2: no probability
EXPECTED = {
    "responsible": ([ROSTOV_EXPECTED], ("Total", 1, D(2000), D(1200))),
    "other": ([ORLOVA_EXPECTED], ("Total", 1, D(700), D(0))),
    "head": ([ROSTOV_EXPECTED], ("Total", 1, D(2000), D(1200))),
    "director": ([ORLOVA_EXPECTED, ROSTOV_EXPECTED], ("Total", 2, D(2700), D(1200))),
}


@pytest.mark.parametrize("user", USERS)
def test_expected_sales_within_each_scope(world, user, django_assert_max_num_queries):
    with django_assert_max_num_queries(QUERIES["expected_sales"]):
        result = run(world, "expected_sales", user, today=EXPECTED_TODAY)

    # R3 is due on 03-05 too, but lost
    assert table(result, EXPECTED_KEYS) == EXPECTED[user][0]
    assert total(result, EXPECTED_KEYS) == EXPECTED[user][1]


def test_expected_sales_within_a_horizon(world):
    ten_days = run(world, "expected_sales", today=day("2026-03-15"), horizon_days=10)
    nine_days = run(world, "expected_sales", today=day("2026-03-15"), horizon_days=9)
    due_today = run(world, "expected_sales", today=day("2026-03-10"))

    # R4 is overdue on 03-15; O2 is due on 03-25, the tenth day
    assert table(ten_days, EXPECTED_KEYS) == [ORLOVA_EXPECTED]
    assert table(nine_days, EXPECTED_KEYS) == []
    assert table(due_today, EXPECTED_KEYS) == [ORLOVA_EXPECTED, ROSTOV_EXPECTED]


def test_expected_sales_weigh_a_fraction_of_a_rouble(world, money):
    DealFactory(title="O3", responsible=world.users["other"], pipeline=world.pipeline,
                stage=world.stages["New"], amount=D("333.33"), probability=55,
                closes_on=day("2026-03-20"))  # fmt: skip
    DealFactory(title="O4", responsible=world.users["other"], pipeline=world.pipeline,
                stage=world.stages["New"], amount=D("3.33"), currency=money["EUR"],
                probability=15, closes_on=day("2026-03-20"))  # fmt: skip

    result = run(world, "expected_sales", "other", today=EXPECTED_TODAY)

    # 333.33 × 55 % = 183.3315; 3.33 EUR = 333 RUB, × 15 % = 49.95; in all 233.28
    assert table(result, EXPECTED_KEYS) == [("Orlova Olga", 3, D("1366.33"), D("233.28"))]


def test_the_horizon_is_a_field_of_expected_sales_only(world):
    form = ReportFilterForm({"horizon_days": "10"}, fields=REPORTS.get("expected_sales").filters)

    assert form.is_valid(), form.errors
    assert "horizon_days" not in ReportFilterForm(fields=DEAL_FILTERS).fields
    assert "period_from" not in form.fields  # the days ahead of today are the period
    result = run(world, "expected_sales", today=day("2026-03-15"), **form.cleaned_data)
    assert table(result, EXPECTED_KEYS) == [ORLOVA_EXPECTED]


# --- open_deals_by_stage -----------------------------------------------------------------

STAGE_KEYS = ("stage", "deals", "share", "amount")
OWN_STAGES = [("New", 0, D("0.0"), D(0)), ("Negotiation", 1, D("100.0"), D(2000))]
BY_STAGE = {
    "responsible": OWN_STAGES,
    "other": [("New", 1, D("100.0"), D(700)), ("Negotiation", 0, D("0.0"), D(0))],
    "head": OWN_STAGES,
    "director": [("New", 1, D("50.0"), D(700)), ("Negotiation", 1, D("50.0"), D(2000))],
}


@pytest.mark.parametrize("user", USERS)
def test_open_deals_by_stage_within_each_scope(world, user, django_assert_max_num_queries):
    with django_assert_max_num_queries(QUERIES["open_deals_by_stage"]):
        result = run(world, "open_deals_by_stage", user)

    assert table(result, STAGE_KEYS) == BY_STAGE[user]
    assert result.totals["deals"] == sum(row[1] for row in BY_STAGE[user])
    assert result.totals["amount"] == sum(row[3] for row in BY_STAGE[user])


def test_open_deals_by_stage_of_another_pipeline_or_amount(world, money):
    service = sales_pipeline("Service")
    DealFactory(title="S1", pipeline=service, stage=service.stages.get(name="New"),
                amount=D(5), currency=money["EUR"])  # fmt: skip

    chosen = run(world, "open_deals_by_stage", pipeline=service)
    large = run(world, "open_deals_by_stage", amount_min=D(1000))

    assert table(chosen, STAGE_KEYS) == [
        ("New", 1, D("100.0"), D(500)), ("Negotiation", 0, D("0.0"), D(0))]  # fmt: skip
    # the default pipeline is still Sales
    assert table(large, STAGE_KEYS) == [
        ("New", 0, D("0.0"), D(0)), ("Negotiation", 1, D("100.0"), D(2000))]  # fmt: skip


def test_open_deals_by_stage_leave_out_a_stage_closed_to_the_user(world):
    other = world.users["other"]
    for role in other.roles.all():
        RoleStageRule.objects.create(role=role, stage=world.stages["New"], can_view=False)

    result = run(world, "open_deals_by_stage", "other")

    assert table(result, STAGE_KEYS) == [("Negotiation", 0, D("0.0"), D(0))]


# --- revenue_by_product ------------------------------------------------------------------

PRODUCT_KEYS = ("product", "section", "quantity", "measure", "amount", "share")
OWN_PRODUCTS = [
    ("Paper", "Hardware", D(2), "pack", D(900), D("47.4")),
    ("Printer", "Hardware / Printers", D(1), "pcs", D(800), D("42.1")),
    ("Delivery", "", D(1), "service", D(200), D("10.5")),
]
BY_PRODUCT = {
    "responsible": (OWN_PRODUCTS, D(1900)),
    "other": (
        [("Printer", "Hardware / Printers", D(2), "pcs", D(1800), D("60.0")),
         ("Setup", "Services", D(3), "service", D(1200), D("40.0"))],
        D(3000),
    ),
    "head": (OWN_PRODUCTS, D(1900)),  # H1's paper was lost
    "director": (
        [("Printer", "Hardware / Printers", D(3), "pcs", D(2600), D("53.1")),
         ("Setup", "Services", D(3), "service", D(1200), D("24.5")),
         ("Paper", "Hardware", D(2), "pack", D(900), D("18.4")),
         ("Delivery", "", D(1), "service", D(200), D("4.1"))],
        D(4900),
    ),
}  # fmt: skip


@pytest.mark.parametrize("user", USERS)
def test_revenue_by_product_within_each_scope(world, user, django_assert_max_num_queries):
    with django_assert_max_num_queries(QUERIES["revenue_by_product"]):
        result = run(world, "revenue_by_product", user)

    # R4's printers are not sold yet
    assert table(result, PRODUCT_KEYS) == BY_PRODUCT[user][0]
    assert result.totals["amount"] == BY_PRODUCT[user][1]


def test_revenue_by_product_of_a_section_and_a_closing_period(world):
    hardware = world.products["Paper"].section

    in_hardware = run(world, "revenue_by_product", section=hardware)
    in_february = run(world, "revenue_by_product", period_from=day("2026-02-01"),
                      period_to=day("2026-02-28"))  # fmt: skip

    # Printers is inside Hardware; R1 and R2 closed in February, O1 in January
    assert table(in_hardware, PRODUCT_KEYS) == [
        ("Printer", "Hardware / Printers", D(3), "pcs", D(2600), D("74.3")),
        ("Paper", "Hardware", D(2), "pack", D(900), D("25.7"))]  # fmt: skip
    assert table(in_february, PRODUCT_KEYS) == OWN_PRODUCTS


# --- the query count does not grow with the data -----------------------------------------


@pytest.fixture
def bigger_world(world, money):
    """The world and 48 more deals: each of the three people gets 16, in every stage, in
    roubles and dollars, with two contacts and two product rows each, due around March."""
    stages = list(world.stages.values())
    deals = Deal.objects.bulk_create(
        Deal(title=f"More {owner} {number}", responsible=world.users[owner],
             pipeline=world.pipeline, stage=stages[number % 4], amount=D(100 + number),
             currency=money["USD" if number % 3 else "RUB"], probability=(number * 7) % 101,
             closes_on=day("2026-03-01") + datetime.timedelta(days=number * 2),
             company=list(world.companies.values())[number % 3],
             closed_at=moment("2026-02-15") if stages[number % 4].is_final else None)
        for owner in ("responsible", "other", "head") for number in range(16)
    )  # fmt: skip
    contacts = [ContactFactory() for _ in range(4)]
    DealContact.objects.bulk_create(
        DealContact(deal=deal, contact=contacts[(index + shift) % 4], is_primary=not shift)
        for index, deal in enumerate(deals) for shift in (0, 1)
    )  # fmt: skip
    products = list(world.products.values())
    ProductRow.objects.bulk_create(
        ProductRow(deal=deal, product=products[(index + shift) % 3], price=D(50),
                   product_name=products[(index + shift) % 3].name, quantity=D(shift + 1),
                   line_total=D(50 * (shift + 1)))
        for index, deal in enumerate(deals) for shift in (0, 1)
    )  # fmt: skip
    return world


PARAMS = {"overdue_deals": {"today": OVERDUE_TODAY}, "expected_sales": {"today": EXPECTED_TODAY}}
# what each report counts in the small world, by user: the bigger one counts more
SMALL_WORLD_COUNTS = {
    "deals_by_contact": ("deals", {user: BY_CONTACT[user][1][0] for user in USERS}),
    "deals_by_company": ("deals", {user: BY_COMPANY[user][1][1] for user in USERS}),
    "revenue_by_company": ("deals", {user: REVENUE_BY_COMPANY[user][1][1] for user in USERS}),
    "won_deals": ("deals", {user: WON[user][1][0] for user in USERS}),
    "overdue_deals": ("deals", {user: OVERDUE[user][1][1] for user in USERS}),
    "expected_sales": ("deals", {user: EXPECTED[user][1][1] for user in USERS}),
    "open_deals_by_stage": (
        "deals", {user: sum(row[1] for row in BY_STAGE[user]) for user in USERS}),
    "revenue_by_product": ("amount", {user: BY_PRODUCT[user][1] for user in USERS}),
}  # fmt: skip


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("key", QUERIES)
def test_a_report_costs_as_many_queries_with_more_deals(
    bigger_world, key, user, django_assert_max_num_queries
):
    with django_assert_max_num_queries(QUERIES[key]):
        result = run(bigger_world, key, user, **PARAMS.get(key, {}))

    counted, small_world = SMALL_WORLD_COUNTS[key]
    assert result.totals[counted] > small_world[user]
