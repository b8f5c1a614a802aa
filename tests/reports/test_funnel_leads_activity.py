"""The sales funnel, leads by status and source, campaigns and manager activity: figures
written out by hand for each scope from the world of tests/reports/lead_world.py."""

import datetime
from decimal import Decimal

import pytest

from reports.definitions import REPORTS
from reports.filters import ReportFilterForm
from tests.caching import as_in_a_new_process
from tests.reports.lead_world import add_more_of_everything, build_lead_world

USERS = ("responsible", "other", "head", "director")
HOUR, DAY = 3600, 86400
# the most queries each report may take, whatever the data: the user's grants and the share
# tables' content types (each cached afterwards), the stage rules for deals, then the report's
BOUNDS = {
    "sales_funnel": 5,  # grants, deal shares, stage rules; the stages; the deals
    "leads_by_status_and_source": 5,  # grants, lead shares; statuses; leads; their sources
    "campaigns": 7,  # grants, lead shares, deal shares, stage rules; campaigns, leads, deals
    "manager_activity": 3,  # grants; the activities by responsible, their names
}
MARCH = {"period_from": datetime.date(2026, 3, 1), "period_to": datetime.date(2026, 3, 31)}


@pytest.fixture
def lead_world(pipeline, money, statuses):
    return build_lead_world(money, statuses)


def table(result, keys: tuple[str, ...]) -> list[tuple]:
    return [tuple(row[key] for key in keys) for row in result.rows]


# --- the sales funnel ----------------------------------------------------------------------

FUNNEL_KEYS = ("stage", "deals", "conversion_previous", "conversion_first", "amount")
# the furthest stage each deal reached: D1 Won, D2 Negotiation (then lost), D3 New, D4 Won
# (created in Negotiation: it reached New too), D5 Won (skipped Negotiation: reached it too),
# D6 Negotiation (moved back to New), H1 New (then lost), H2 Won
FUNNEL = {
    "responsible": [  # D1 1000, D2 500, D3 300, D4 1800
        ("New", 4, None, Decimal("100.0"), Decimal("3600")),
        ("Negotiation", 3, Decimal("75.0"), Decimal("75.0"), Decimal("3300")),
        ("Won", 2, Decimal("66.7"), Decimal("50.0"), Decimal("2800")),
    ],
    "other": [  # D5 2000, D6 700
        ("New", 2, None, Decimal("100.0"), Decimal("2700")),
        ("Negotiation", 2, Decimal("100.0"), Decimal("100.0"), Decimal("2700")),
        ("Won", 1, Decimal("50.0"), Decimal("50.0"), Decimal("2000")),
    ],
    "head": [  # the responsible's, H1 400, H2 600
        ("New", 6, None, Decimal("100.0"), Decimal("4600")),
        ("Negotiation", 4, Decimal("66.7"), Decimal("66.7"), Decimal("3900")),
        ("Won", 3, Decimal("75.0"), Decimal("50.0"), Decimal("3400")),
    ],
    "director": [  # all eight of Sales (P1 is in Partners)
        ("New", 8, None, Decimal("100.0"), Decimal("7300")),
        ("Negotiation", 6, Decimal("75.0"), Decimal("75.0"), Decimal("6600")),
        ("Won", 4, Decimal("66.7"), Decimal("50.0"), Decimal("5400")),
    ],
}


@pytest.mark.parametrize("user", USERS)
def test_sales_funnel_within_each_scope(lead_world, user, django_assert_max_num_queries):
    actor = as_in_a_new_process(lead_world.users[user])

    with django_assert_max_num_queries(BOUNDS["sales_funnel"]):
        result = REPORTS.get("sales_funnel").run(actor=actor, params={})

    assert table(result, FUNNEL_KEYS) == FUNNEL[user]
    assert [column.key for column in result.columns] == list(FUNNEL_KEYS)


def test_sales_funnel_counts_the_moves_of_the_period_and_the_chosen_pipeline(lead_world):
    report = REPORTS.get("sales_funnel")
    director = lead_world.users["director"]

    in_march = report.run(actor=director, params=MARCH)
    partners = report.run(actor=director, params={"pipeline": lead_world.pipelines["Partners"]})
    by_campaign = report.run(actor=director, params={"campaign": lead_world.campaigns["Summer"]})

    # March: D1 Won, D2 Negotiation, D5 Won, H2 Won (its New of 02-20 is outside, its
    # Negotiation of 03-01 inside); D3, D4, D6, H1 moved only in other months
    assert table(in_march, FUNNEL_KEYS) == [
        ("New", 4, None, Decimal("100.0"), Decimal("4100")),
        ("Negotiation", 4, Decimal("100.0"), Decimal("100.0"), Decimal("4100")),
        ("Won", 3, Decimal("75.0"), Decimal("75.0"), Decimal("3600")),
    ]
    assert table(partners, FUNNEL_KEYS) == [
        ("New", 1, None, Decimal("100.0"), Decimal("5000")),
        ("Negotiation", 0, Decimal("0.0"), Decimal("0.0"), Decimal("0")),
        ("Won", 0, Decimal("0.0"), Decimal("0.0"), Decimal("0")),
    ]
    # Summer: D3 New, D6 Negotiation, H1 New
    assert table(by_campaign, FUNNEL_KEYS) == [
        ("New", 3, None, Decimal("100.0"), Decimal("1400")),
        ("Negotiation", 1, Decimal("33.3"), Decimal("33.3"), Decimal("700")),
        ("Won", 0, Decimal("0.0"), Decimal("0.0"), Decimal("0")),
    ]


@pytest.mark.parametrize("user", USERS)
def test_the_funnel_from_the_kept_furthest_stages_is_the_one_from_the_whole_history(
    lead_world, user
):
    """Without a period the report reads each deal's furthest stage the database keeps
    (Deal.funnel_stage); a period spanning all the history makes it scan the history."""
    report, actor = REPORTS.get("sales_funnel"), lead_world.users[user]
    all_time = {"period_from": datetime.date(2000, 1, 1), "period_to": datetime.date(2100, 1, 1)}

    assert report.run(actor=actor, params={}).rows == report.run(actor=actor, params=all_time).rows


# --- leads by status and source ------------------------------------------------------------

LEAD_KEYS = ("source", "leads", "status_new", "status_in_process", "status_converted",
             "status_junk", "converted", "conversion", "time_to_convert")  # fmt: skip
WEBSITE_OF_RESPONSIBLE = ("Website", 3, 1, 0, 2, 0, 2, Decimal("66.7"), (2 * DAY + 12 * HOUR) // 2)
PHONE_OF_HEAD = ("Phone", 3, 0, 1, 1, 1, 1, Decimal("33.3"), 5 * DAY)  # L3, H1, H2
LEADS = {
    "responsible": [  # L1 (2 days to convert), L2, L4 (12 hours); L3
        WEBSITE_OF_RESPONSIBLE,
        ("Phone", 1, 0, 0, 0, 1, 0, Decimal("0.0"), None),
    ],
    "other": [  # O1 (6 hours); O2 without a source, last
        ("Website", 1, 0, 0, 1, 0, 1, Decimal("100.0"), 6 * HOUR),
        ("No source", 1, 0, 1, 0, 0, 0, Decimal("0.0"), None),
    ],
    "head": [WEBSITE_OF_RESPONSIBLE, PHONE_OF_HEAD],
    "director": [
        ("Website", 4, 1, 0, 3, 0, 3, Decimal("75.0"), (2 * DAY + 12 * HOUR + 6 * HOUR) // 3),
        PHONE_OF_HEAD,
        ("No source", 1, 0, 1, 0, 0, 0, Decimal("0.0"), None),
    ],
}
LEAD_TOTALS = {  # leads, converted, conversion, average time over all converted leads
    "responsible": (4, 2, Decimal("50.0"), (2 * DAY + 12 * HOUR) // 2),
    "other": (2, 1, Decimal("50.0"), 6 * HOUR),
    "head": (6, 3, Decimal("50.0"), (2 * DAY + 12 * HOUR + 5 * DAY) // 3),
    "director": (8, 4, Decimal("50.0"), (2 * DAY + 12 * HOUR + 6 * HOUR + 5 * DAY) // 4),
}


@pytest.mark.parametrize("user", USERS)
def test_leads_by_status_and_source_within_each_scope(
    lead_world, user, django_assert_max_num_queries
):
    actor = as_in_a_new_process(lead_world.users[user])

    with django_assert_max_num_queries(BOUNDS["leads_by_status_and_source"]):
        result = REPORTS.get("leads_by_status_and_source").run(actor=actor, params={})

    assert table(result, LEAD_KEYS) == LEADS[user]
    totals = result.totals
    assert (totals["leads"], totals["converted"], totals["conversion"],
            totals["time_to_convert"]) == LEAD_TOTALS[user]  # fmt: skip
    assert [column.key for column in result.columns] == list(LEAD_KEYS)
    assert [column.kind for column in result.columns][-2:] == ["percent", "duration"]


def test_leads_by_status_and_source_narrowed_by_the_period_and_the_source(lead_world):
    report = REPORTS.get("leads_by_status_and_source")
    director = lead_world.users["director"]

    in_march = report.run(actor=director, params=MARCH)
    from_phone = report.run(actor=director, params={"source": lead_world.sources["Phone"]})

    # March: L1, L2, O1 on the Website; L3, H2 by Phone; O2 came in April
    assert table(in_march, LEAD_KEYS) == [
        ("Website", 3, 1, 0, 2, 0, 2, Decimal("66.7"), (2 * DAY + 6 * HOUR) // 2),
        ("Phone", 2, 0, 0, 1, 1, 1, Decimal("50.0"), 5 * DAY),
    ]
    assert table(from_phone, LEAD_KEYS) == [PHONE_OF_HEAD]


# --- campaigns ------------------------------------------------------------------------------

CAMPAIGN_KEYS = ("campaign", "cost", "leads", "deals", "revenue", "roi")
OLD = ("Old", Decimal("500"), 0, 0, Decimal("0"), Decimal("-100.0"))
CAMPAIGNS = {
    "responsible": [
        ("Free", Decimal("0"), 0, 1, Decimal("1800"), None),  # D4; no cost, no ROI
        OLD,
        ("Spring", Decimal("1000"), 2, 2, Decimal("1000"), Decimal("0.0")),  # L1 L2; D1 D2
        ("Summer", Decimal("900"), 1, 1, Decimal("0"), Decimal("-100.0")),  # L4; D3
    ],
    "other": [
        ("Free", Decimal("0"), 1, 0, Decimal("0"), None),  # O2
        OLD,
        ("Spring", Decimal("1000"), 1, 1, Decimal("2000"), Decimal("100.0")),  # O1; D5
        ("Summer", Decimal("900"), 0, 1, Decimal("0"), Decimal("-100.0")),  # D6
    ],
    "head": [
        ("Free", Decimal("0"), 0, 1, Decimal("1800"), None),
        OLD,
        ("Spring", Decimal("1000"), 3, 3, Decimal("1600"), Decimal("60.0")),  # +H2; +H2
        ("Summer", Decimal("900"), 2, 2, Decimal("0"), Decimal("-100.0")),  # +H1; +H1
    ],
    "director": [
        ("Free", Decimal("0"), 1, 1, Decimal("1800"), None),
        OLD,
        ("Spring", Decimal("1000"), 4, 4, Decimal("3600"), Decimal("260.0")),
        ("Summer", Decimal("900"), 2, 3, Decimal("0"), Decimal("-100.0")),
    ],
}
CAMPAIGN_TOTALS = {  # cost, leads, deals, revenue, ROI
    "responsible": (Decimal("2400"), 3, 4, Decimal("2800"), Decimal("16.7")),
    "other": (Decimal("2400"), 2, 2, Decimal("2000"), Decimal("-16.7")),
    "head": (Decimal("2400"), 5, 6, Decimal("3400"), Decimal("41.7")),
    "director": (Decimal("2400"), 7, 8, Decimal("5400"), Decimal("125.0")),
}


@pytest.mark.parametrize("user", USERS)
def test_campaigns_within_each_scope(lead_world, user, django_assert_max_num_queries):
    actor = as_in_a_new_process(lead_world.users[user])

    with django_assert_max_num_queries(BOUNDS["campaigns"]):
        result = REPORTS.get("campaigns").run(actor=actor, params={})

    assert table(result, CAMPAIGN_KEYS) == CAMPAIGNS[user]
    totals = result.totals
    assert tuple(totals[key] for key in CAMPAIGN_KEYS[1:]) == CAMPAIGN_TOTALS[user]


def test_campaigns_of_the_period_and_the_chosen_campaign(lead_world):
    report = REPORTS.get("campaigns")
    director = lead_world.users["director"]

    in_march = report.run(actor=director, params=MARCH)
    in_april = report.run(actor=director, params={"period_from": datetime.date(2026, 4, 1),
                                                  "period_to": datetime.date(2026, 4, 30)})  # fmt: skip
    summer = report.run(actor=director, params={"campaign": lead_world.campaigns["Summer"]})

    # March: Free runs without dates (nothing in March), Spring ran: leads L1 L2 O1 H2, deals
    # created D1 D2 D5 (H2 was created in February), won D1 D5 H2; Old and Summer did not run
    assert table(in_march, CAMPAIGN_KEYS) == [
        ("Free", Decimal("0"), 0, 0, Decimal("0"), None),
        ("Spring", Decimal("1000"), 4, 3, Decimal("3600"), Decimal("260.0")),
    ]
    # April: only Free (O2, D4 created and won); Spring had ended and brought nothing then
    assert table(in_april, CAMPAIGN_KEYS) == [("Free", Decimal("0"), 1, 1, Decimal("1800"), None)]
    assert table(summer, CAMPAIGN_KEYS) == [CAMPAIGNS["director"][3]]


# --- manager activity -----------------------------------------------------------------------

ACTIVITY_KEYS = ("manager", "calls", "meetings", "tasks", "emails", "overdue")
ROSTOV = ("Rostov Roman", 2, 1, 1, 1, 1)  # the incoming e-mail and the comment do not count
ORLOVA = ("Orlova Olga", 1, 0, 0, 1, 2)
HEDIN = ("Hedin Hugo", 0, 0, 1, 0, 0)  # a planned task without a deadline is not overdue
ACTIVITY = {
    "responsible": [ROSTOV],
    "other": [ORLOVA],
    "head": [HEDIN, ROSTOV],
    "director": [HEDIN, ORLOVA, ROSTOV],
}


@pytest.mark.parametrize("user", USERS)
def test_manager_activity_within_each_scope(lead_world, user, django_assert_max_num_queries):
    actor = as_in_a_new_process(lead_world.users[user])

    with django_assert_max_num_queries(BOUNDS["manager_activity"]):
        result = REPORTS.get("manager_activity").run(actor=actor, params={})

    assert table(result, ACTIVITY_KEYS) == ACTIVITY[user]
    assert tuple(result.totals[key] for key in ACTIVITY_KEYS[1:]) == tuple(
        sum(row[index] for row in ACTIVITY[user]) for index in range(1, 6)
    )


def test_manager_activity_of_the_period_and_the_chosen_people(lead_world):
    report = REPORTS.get("manager_activity")
    director = lead_world.users["director"]

    in_march = report.run(actor=director, params=MARCH)
    of_other = report.run(actor=director, params={"responsible": [lead_world.users["other"]]})

    # March: Rostov's meeting was in April, Orlova's e-mail in May; overdue is as of today
    assert table(in_march, ACTIVITY_KEYS) == [
        HEDIN,
        ("Orlova Olga", 1, 0, 0, 0, 2),
        ("Rostov Roman", 2, 0, 1, 1, 1),
    ]
    assert table(of_other, ACTIVITY_KEYS) == [ORLOVA]


# --- every report: a bounded number of queries, the filters it names ----------------------


@pytest.mark.parametrize("key", BOUNDS)
def test_the_query_count_does_not_grow_with_the_data(
    lead_world, key, django_assert_max_num_queries
):
    report = REPORTS.get(key)
    users = [lead_world.users[user] for user in USERS]
    add_more_of_everything(lead_world, count=10)

    for user in users:
        for params in ({}, MARCH):
            with django_assert_max_num_queries(BOUNDS[key]):
                result = report.run(actor=as_in_a_new_process(user), params=params)
            assert result.rows


@pytest.mark.parametrize("key", BOUNDS)
def test_the_filters_a_report_names_are_fields_of_the_form(key):
    report = REPORTS.get(key)

    form = ReportFilterForm(data={}, fields=report.filters)

    assert form.is_valid()
    assert set(form.fields) == set(report.filters)
