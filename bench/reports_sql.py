"""The standard reports written by hand: for each report one SQL statement, for a director (the
whole data, no scope) and no filters, computing the report's figures (the same groups, the
same numbers) the way one would write it without the ORM.

bench/reports.py times each statement (execute and fetch every row) beside the report, and
checks that the report shows what the statement computes: `expected` turns the statement's
rows into the report's rows and totals with the reports' own helpers (names, shares, rounding
to the cent), so the comparison covers every cell.

The statements run on PostgreSQL and on SQLite (the tests); the two places where the dialects
part (a time difference, joining strings) are filled in per vendor. Parameters are positional
(%s) and prepared by Django's operations for the vendor (dates, date-times).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from catalog.models import Product
from reports.definitions import share
from reports.standard.deals import WON_DEALS_LIMIT, contact_name, money, person_name, sum_totals
from reports.standard.leads_and_activity import NO_SOURCE, roi, seconds

TOTAL = _("Total")
EXPECTED_SALES_HORIZON_DAYS = 30  # ExpectedSalesReport.default_horizon_days

# the dialects' ways of saying the same thing
TIME_BETWEEN = {  # later − earlier: an interval on PostgreSQL, microseconds on SQLite
    "postgresql": "{later} - {earlier}",
    "sqlite": "django_timestamp_diff({later}, {earlier})",
}
JOINED_NAMES = {  # the names of the rows of an ordered subquery, joined by " / "
    "postgresql": "(SELECT string_agg(name, ' / ' ORDER BY path) FROM ({rows}) AS names)",
    "sqlite": "(SELECT group_concat(name, ' / ') FROM ({rows} ORDER BY path) AS names)",
}


@dataclass(frozen=True)
class Moment:
    """When a run happens: what "now" and "today" are for the reports that need them."""

    now: datetime.datetime
    today: datetime.date

    @classmethod
    def current(cls) -> "Moment":
        return cls(now=timezone.now(), today=timezone.localdate())


@dataclass(frozen=True)
class HandWritten:
    key: str  # the report's
    sql: Callable[[str], str]  # vendor -> the statement
    params: Callable[[Moment], list]
    # the statement's rows -> the report's rows and totals
    expected: Callable[[list[tuple], Moment], tuple[list[dict], dict]]

    def execute(self, moment: Moment | None = None) -> list[tuple]:
        """Run the statement and fetch all its rows (what is timed)."""
        moment = moment or Moment.current()
        with connection.cursor() as cursor:
            cursor.execute(self.sql(connection.vendor), self.params(moment))
            return cursor.fetchall()


def no_params(moment: Moment) -> list:
    return []


def _date(value: Any) -> datetime.date | None:
    return parse_date(value) if isinstance(value, str) else value


def _datetime(value: Any) -> datetime.datetime | None:
    """A date-time from a raw cursor: SQLite hands text or a naive UTC value."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = value.replace(tzinfo=datetime.UTC)
    return value


def _duration(value: Any) -> datetime.timedelta | None:
    """A sum of time differences: an interval on PostgreSQL, microseconds on SQLite."""
    if value is None or isinstance(value, datetime.timedelta):
        return value
    return datetime.timedelta(microseconds=int(value))


def _decimal(value: Any) -> Decimal | None:
    """A decimal figure (an amount, a quantity) as Decimal: SQLite hands floats or ints."""
    return value if value is None or isinstance(value, Decimal) else Decimal(str(value))


def _person(last_name: str | None, first_name: str | None, username: str | None) -> str:
    return person_name(
        {
            "responsible__last_name": last_name,
            "responsible__first_name": first_name,
            "responsible__username": username,
        }
    )


def _moment_params(*names: str) -> Callable[[Moment], list]:
    """Parameters from the moment of the run, adapted for the vendor: "now", "today",
    "horizon" (today + the expected sales' default horizon)."""

    def params(moment: Moment) -> list:
        operations = connection.ops
        values = {
            "now": operations.adapt_datetimefield_value(moment.now),
            "today": operations.adapt_datefield_value(moment.today),
            "horizon": operations.adapt_datefield_value(
                moment.today + datetime.timedelta(days=EXPECTED_SALES_HORIZON_DAYS)
            ),
        }
        return [values[name] for name in names]

    return params


# --- deals by manager ----------------------------------------------------------------------

DEALS_BY_MANAGER = """
SELECT g.responsible_id, u.last_name, u.first_name, u.username,
       g.deals, g.won, g.lost, g.revenue
FROM (
    SELECT d.responsible_id,
           COUNT(*) AS deals,
           COUNT(*) FILTER (WHERE s.semantics = 'won') AS won,
           COUNT(*) FILTER (WHERE s.semantics = 'lost') AS lost,
           SUM(d.amount * c.rate) FILTER (WHERE s.semantics = 'won') AS revenue
    FROM deals_deal d
    JOIN deals_stage s ON s.id = d.stage_id
    JOIN catalog_currency c ON c.code = d.currency_id
    GROUP BY d.responsible_id
) g
LEFT JOIN accounts_user u ON u.id = g.responsible_id
ORDER BY u.last_name, u.first_name, g.responsible_id
"""


def deals_by_manager_expected(rows: list[tuple], moment: Moment) -> tuple[list[dict], dict]:
    expected = []
    for _id, last_name, first_name, username, deals, won, lost, revenue in rows:
        expected.append(
            {
                "manager": _person(last_name, first_name, username),
                "deals": deals,
                "in_progress": deals - won - lost,
                "won": won,
                "lost": lost,
                "won_share": share(won, deals),
                "lost_share": share(lost, deals),
                "revenue": _decimal(revenue) or 0,
            }
        )
    totals = sum_totals(expected, ("deals", "in_progress", "won", "lost", "revenue"), manager=TOTAL)
    totals["won_share"] = share(totals["won"], totals["deals"])
    totals["lost_share"] = share(totals["lost"], totals["deals"])
    return expected, totals


# --- deals by contact ----------------------------------------------------------------------

# a deal counts for each of its contacts; the last line (is_total) counts each deal once
CONTACT_LIMIT = 500
DEALS_BY_CONTACT = """
SELECT * FROM (
    SELECT 0 AS is_total, g.contact_id, ct.last_name, ct.first_name, ct.middle_name,
           g.deals, g.won, g.lost, g.revenue
    FROM (
        SELECT dc.contact_id,
               COUNT(*) AS deals,
               COUNT(*) FILTER (WHERE s.semantics = 'won') AS won,
               COUNT(*) FILTER (WHERE s.semantics = 'lost') AS lost,
               SUM(d.amount * c.rate) FILTER (WHERE s.semantics = 'won') AS revenue
        FROM deals_dealcontact dc
        JOIN deals_deal d ON d.id = dc.deal_id
        JOIN deals_stage s ON s.id = d.stage_id
        JOIN catalog_currency c ON c.code = d.currency_id
        GROUP BY dc.contact_id
        ORDER BY deals DESC, dc.contact_id
        LIMIT 501
    ) g
    JOIN contacts_contact ct ON ct.id = g.contact_id
    UNION ALL
    SELECT 1, NULL, NULL, NULL, NULL,
           COUNT(*),
           COUNT(*) FILTER (WHERE s.semantics = 'won'),
           COUNT(*) FILTER (WHERE s.semantics = 'lost'),
           SUM(d.amount * c.rate) FILTER (WHERE s.semantics = 'won')
    FROM deals_deal d
    JOIN deals_stage s ON s.id = d.stage_id
    JOIN catalog_currency c ON c.code = d.currency_id
    WHERE EXISTS (SELECT 1 FROM deals_dealcontact dc WHERE dc.deal_id = d.id)
) lines
ORDER BY is_total, deals DESC, contact_id
"""


def deals_by_contact_expected(rows: list[tuple], moment: Moment) -> tuple[list[dict], dict]:
    """The first 500 contacts (the SQL fetches 501 to know whether the list is cut)."""
    expected, totals = [], {}
    for is_total, contact_id, last_name, first_name, middle_name, deals, won, lost, revenue in rows:
        figures = {"deals": deals, "won": won, "lost": lost, "revenue": money(_decimal(revenue))}
        if is_total:
            totals = {"contact": TOTAL, **figures}
            continue
        names = {"last_name": last_name, "first_name": first_name, "middle_name": middle_name}
        expected.append({"contact_id": contact_id, "contact": contact_name(names), **figures})
    if len(expected) > CONTACT_LIMIT:
        expected = expected[:CONTACT_LIMIT]
        totals["note"] = _(
            "The %(limit)d contacts with the most deals are listed; the total counts every deal."
        ) % {"limit": CONTACT_LIMIT}
    return expected, totals


# --- deals and revenue by company ----------------------------------------------------------

# the first COMPANY_LIMIT groups (the SQL fetches one more to know whether the list is cut);
# the window sums every group, listed or not, into the totals
COMPANY_LIMIT = 500
DEALS_BY_COMPANY = """
SELECT g.company_id, co.title, g.deals, g.won, g.lost, g.all_deals, g.all_won, g.all_lost
FROM (
    SELECT d.company_id,
           COUNT(*) AS deals,
           COUNT(*) FILTER (WHERE s.semantics = 'won') AS won,
           COUNT(*) FILTER (WHERE s.semantics = 'lost') AS lost,
           SUM(COUNT(*)) OVER () AS all_deals,
           SUM(COUNT(*) FILTER (WHERE s.semantics = 'won')) OVER () AS all_won,
           SUM(COUNT(*) FILTER (WHERE s.semantics = 'lost')) OVER () AS all_lost
    FROM deals_deal d
    JOIN deals_stage s ON s.id = d.stage_id
    GROUP BY d.company_id
    ORDER BY deals DESC, d.company_id NULLS LAST
    LIMIT 501
) g
LEFT JOIN contacts_company co ON co.id = g.company_id
ORDER BY g.deals DESC, g.company_id NULLS LAST
"""


def companies_cut(expected: list[dict], totals: dict) -> list[dict]:
    """The first COMPANY_LIMIT lines, and the totals' note when there were more."""
    if len(expected) > COMPANY_LIMIT:
        totals["note"] = _(
            "The %(limit)d companies at the top are listed; the total counts every deal."
        ) % {"limit": COMPANY_LIMIT}
    return expected[:COMPANY_LIMIT]


def deals_by_company_expected(rows: list[tuple], moment: Moment) -> tuple[list[dict], dict]:
    expected = [
        {
            "company_id": company_id,
            "company": title or _("Without a company"),
            "deals": deals,
            "won": won,
            "lost": lost,
            "in_progress": deals - won - lost,
            "won_share": share(won, deals),
        }
        for company_id, title, deals, won, lost, *_all in rows
    ]
    all_deals, all_won, all_lost = (int(value) for value in rows[0][5:]) if rows else (0, 0, 0)
    totals = {"company": TOTAL, "deals": all_deals, "won": all_won, "lost": all_lost,
              "in_progress": all_deals - all_won - all_lost, "won_share": share(all_won, all_deals)}  # fmt: skip
    return companies_cut(expected, totals), totals


REVENUE_BY_COMPANY = """
SELECT g.company_id, co.title, g.deals, g.revenue, g.all_deals, g.all_revenue
FROM (
    SELECT d.company_id, COUNT(*) AS deals, SUM(d.amount * c.rate) AS revenue,
           SUM(COUNT(*)) OVER () AS all_deals, SUM(SUM(d.amount * c.rate)) OVER () AS all_revenue
    FROM deals_deal d
    JOIN deals_stage s ON s.id = d.stage_id
    JOIN catalog_currency c ON c.code = d.currency_id
    WHERE s.semantics = 'won'
    GROUP BY d.company_id
    ORDER BY revenue DESC, d.company_id NULLS LAST
    LIMIT 501
) g
LEFT JOIN contacts_company co ON co.id = g.company_id
ORDER BY g.revenue DESC, g.company_id NULLS LAST
"""


def revenue_by_company_expected(rows: list[tuple], moment: Moment) -> tuple[list[dict], dict]:
    all_deals, all_revenue = (rows[0][4], rows[0][5]) if rows else (0, 0)
    totals = {"company": TOTAL, "deals": int(all_deals), "revenue": money(_decimal(all_revenue))}
    expected = [
        {
            "company_id": company_id,
            "company": title or _("Without a company"),
            "deals": deals,
            "revenue": money(_decimal(revenue)),
            "share": share(money(_decimal(revenue)), totals["revenue"]),
        }
        for company_id, title, deals, revenue, *_all in rows
    ]
    totals["share"] = share(totals["revenue"], totals["revenue"])
    return companies_cut(expected, totals), totals


# --- won deals -----------------------------------------------------------------------------

# the last closed first, at most WON_DEALS_LIMIT; the totals count and sum all of them (the
# window runs over every won deal before the limit); names joined for the listed ones only
WON_DEALS = f"""
SELECT w.id, w.title, co.title, w.closed_at, u.last_name, u.first_name, u.username,
       w.amount_in_base, w.deals, w.amount
FROM (
    SELECT d.id, d.title, d.company_id, d.responsible_id, d.closed_at,
           d.amount * c.rate AS amount_in_base,
           COUNT(*) OVER () AS deals, SUM(d.amount * c.rate) OVER () AS amount
    FROM deals_deal d
    JOIN deals_stage s ON s.id = d.stage_id
    JOIN catalog_currency c ON c.code = d.currency_id
    WHERE s.semantics = 'won'
    ORDER BY d.closed_at DESC, d.id DESC
    LIMIT {WON_DEALS_LIMIT}
) w
LEFT JOIN contacts_company co ON co.id = w.company_id
LEFT JOIN accounts_user u ON u.id = w.responsible_id
ORDER BY w.closed_at DESC, w.id DESC
"""


def won_deals_expected(rows: list[tuple], moment: Moment) -> tuple[list[dict], dict]:
    expected = []
    for deal_id, title, company, closed_at, last, first, username, amount, _n, _total in rows:
        closed_at = _datetime(closed_at)
        expected.append(
            {
                "deal_id": deal_id,
                "title": title,
                "company": company or "",
                "responsible": _person(last, first, username),
                "amount": money(_decimal(amount)),
                "closed": timezone.localdate(closed_at) if closed_at else None,
            }
        )
    count = rows[0][8] if rows else 0
    totals = {
        "title": TOTAL,
        "deals": count,
        "amount": money(_decimal(rows[0][9]) if rows else None),
    }
    if count > len(expected):
        totals["note"] = _(
            "The %(shown)d deals closed last of %(count)d are listed; the total counts them all."
        ) % {"shown": len(expected), "count": count}
    return expected, totals


# --- open deals: overdue, expected, by stage -----------------------------------------------

OVERDUE_DEALS = """
SELECT g.responsible_id, u.last_name, u.first_name, u.username, g.deals, g.amount, g.oldest
FROM (
    SELECT d.responsible_id, COUNT(*) AS deals, SUM(d.amount * c.rate) AS amount,
           MIN(d.closes_on) AS oldest
    FROM deals_deal d
    JOIN deals_stage s ON s.id = d.stage_id
    JOIN catalog_currency c ON c.code = d.currency_id
    WHERE s.semantics = 'in_progress' AND d.closes_on < %s
    GROUP BY d.responsible_id
) g
LEFT JOIN accounts_user u ON u.id = g.responsible_id
ORDER BY u.last_name, u.first_name, g.responsible_id
"""


def overdue_deals_expected(rows: list[tuple], moment: Moment) -> tuple[list[dict], dict]:
    expected = []
    for _id, last_name, first_name, username, deals, amount, oldest in rows:
        oldest = _date(oldest)
        expected.append(
            {
                "manager": _person(last_name, first_name, username),
                "deals": deals,
                "amount": money(_decimal(amount)),
                "oldest": oldest,
                "days_overdue": (moment.today - oldest).days,
            }
        )
    totals = sum_totals(expected, ("deals", "amount"), manager=TOTAL)
    totals["oldest"] = min((row["oldest"] for row in expected), default=None)
    totals["days_overdue"] = max((row["days_overdue"] for row in expected), default=0)
    return expected, totals


EXPECTED_SALES = """
SELECT g.responsible_id, u.last_name, u.first_name, u.username, g.deals, g.amount, g.weighted
FROM (
    SELECT d.responsible_id, COUNT(*) AS deals, SUM(d.amount * c.rate) AS amount,
           SUM(d.amount * c.rate * COALESCE(d.probability, 0) * 0.01) AS weighted
    FROM deals_deal d
    JOIN deals_stage s ON s.id = d.stage_id
    JOIN catalog_currency c ON c.code = d.currency_id
    WHERE s.semantics = 'in_progress' AND d.closes_on >= %s AND d.closes_on <= %s
    GROUP BY d.responsible_id
) g
LEFT JOIN accounts_user u ON u.id = g.responsible_id
ORDER BY u.last_name, u.first_name, g.responsible_id
"""


def expected_sales_expected(rows: list[tuple], moment: Moment) -> tuple[list[dict], dict]:
    expected = [
        {
            "manager": _person(last_name, first_name, username),
            "deals": deals,
            "amount": money(_decimal(amount)),
            "weighted_amount": money(_decimal(weighted)),
        }
        for _id, last_name, first_name, username, deals, amount, weighted in rows
    ]
    totals = sum_totals(expected, ("deals", "amount", "weighted_amount"), manager=TOTAL)
    return expected, totals


# the default pipeline (else the first one): the report's choice when none is given
DEFAULT_PIPELINE = (
    "(SELECT p.id FROM deals_pipeline p ORDER BY p.is_default DESC, p.sort, p.id LIMIT 1)"
)

OPEN_DEALS_BY_STAGE = f"""
WITH stages AS (
    SELECT st.id FROM deals_stage st
    WHERE st.pipeline_id = {DEFAULT_PIPELINE} AND st.semantics = 'in_progress'
)
SELECT st.id, st.name, COALESCE(g.deals, 0), g.amount
FROM deals_stage st
LEFT JOIN (
    SELECT d.stage_id, COUNT(*) AS deals, SUM(d.amount * c.rate) AS amount
    FROM deals_deal d
    JOIN catalog_currency c ON c.code = d.currency_id
    WHERE d.stage_id IN (SELECT id FROM stages)
    GROUP BY d.stage_id
) g ON g.stage_id = st.id
WHERE st.id IN (SELECT id FROM stages)
ORDER BY st.sort, st.id
"""


def open_deals_by_stage_expected(rows: list[tuple], moment: Moment) -> tuple[list[dict], dict]:
    expected = [
        {"stage_id": stage_id, "stage": name, "deals": deals, "amount": money(_decimal(amount))}
        for stage_id, name, deals, amount in rows
    ]
    totals = sum_totals(expected, ("deals", "amount"), stage=TOTAL)
    for row in expected:
        row["share"] = share(row["deals"], totals["deals"])
    totals["share"] = share(totals["deals"], totals["deals"])
    return expected, totals


# --- revenue by product --------------------------------------------------------------------


def revenue_by_product_sql(vendor: str) -> str:
    # a catalog product is a group of its own; rows not from the catalog group by their name
    # (and unit); the section's full name is its ancestors' names from the root
    section_title = JOINED_NAMES[vendor].format(
        rows="SELECT a.name, a.path FROM catalog_section a "
        "WHERE a.path = substr(sec.path, 1, length(a.path))"
    )
    return f"""
SELECT g.product_id,
       COALESCE(p.name, g.product_name) AS name,
       COALESCE(p.measure, g.measure) AS measure,
       CASE WHEN sec.id IS NULL THEN NULL ELSE {section_title} END AS section,
       g.quantity, g.amount
FROM (
    SELECT r.product_id,
           CASE WHEN r.product_id IS NULL THEN r.product_name END AS product_name,
           CASE WHEN r.product_id IS NULL THEN r.measure END AS measure,
           SUM(r.quantity) AS quantity,
           SUM(r.line_total * c.rate) AS amount
    FROM catalog_productrow r
    JOIN deals_deal d ON d.id = r.deal_id
    JOIN deals_stage s ON s.id = d.stage_id
    JOIN catalog_currency c ON c.code = d.currency_id
    WHERE s.semantics = 'won'
    GROUP BY 1, 2, 3
) g
LEFT JOIN catalog_product p ON p.id = g.product_id
LEFT JOIN catalog_section sec ON sec.id = p.section_id
ORDER BY g.amount DESC, g.product_id NULLS LAST, g.product_name, g.measure
"""


def revenue_by_product_expected(rows: list[tuple], moment: Moment) -> tuple[list[dict], dict]:
    measures = dict(Product.Measure.choices)
    expected = [
        {
            "product_id": product_id,
            "product": name,
            "section": section or "",
            "quantity": _decimal(quantity),
            "measure": measures.get(measure, measure),
            "amount": money(_decimal(amount)),
        }
        for product_id, name, measure, section, quantity, amount in rows
    ]
    totals = {"product": TOTAL, "amount": sum((row["amount"] for row in expected), 0)}
    for row in expected:
        row["share"] = share(row["amount"], totals["amount"])
    totals["share"] = share(totals["amount"], totals["amount"])
    return expected, totals


# --- sales funnel --------------------------------------------------------------------------

# a deal of the pipeline counts at every in-progress or won stage up to the furthest one its
# stage history entered
SALES_FUNNEL = f"""
WITH funnel AS (
    SELECT st.id, st.name, st.sort
    FROM deals_stage st
    WHERE st.pipeline_id = {DEFAULT_PIPELINE} AND st.semantics IN ('in_progress', 'won')
),
furthest AS (
    SELECT h.deal_id, MAX(f.sort) AS sort
    FROM deals_dealstagechange h
    JOIN funnel f ON f.id = h.to_stage_id
    GROUP BY h.deal_id
),
by_furthest AS (
    SELECT fu.sort, COUNT(*) AS deals, SUM(d.amount * c.rate) AS amount
    FROM furthest fu
    JOIN deals_deal d ON d.id = fu.deal_id
    JOIN catalog_currency c ON c.code = d.currency_id
    WHERE d.pipeline_id = {DEFAULT_PIPELINE}
    GROUP BY fu.sort
)
SELECT f.id, f.name, COALESCE(SUM(b.deals), 0), SUM(b.amount)
FROM funnel f
LEFT JOIN by_furthest b ON b.sort >= f.sort
GROUP BY f.id, f.name, f.sort
ORDER BY f.sort, f.id
"""


def sales_funnel_expected(rows: list[tuple], moment: Moment) -> tuple[list[dict], dict]:
    expected = [
        {"stage": name, "deals": deals, "amount": _decimal(amount) or Decimal(0)}
        for _id, name, deals, amount in rows
    ]
    for index, row in enumerate(expected):
        row["conversion_previous"] = (
            share(row["deals"], expected[index - 1]["deals"]) if index else None
        )
        row["conversion_first"] = share(row["deals"], expected[0]["deals"])
    return expected, {}


# --- leads by status and source ------------------------------------------------------------


def leads_by_status_and_source_sql(vendor: str) -> str:
    # one line per source and status (a status without leads: one line without a source),
    # turned into a row per source and a column per status in Python
    time_to_convert = TIME_BETWEEN[vendor].format(later="l.converted_at", earlier="l.created_at")
    return f"""
SELECT g.status_id IS NULL AS no_leads, g.source_id, so.name, st.id, st.code, st.sort,
       st.semantics, g.leads, g.timed, g.time_to_convert
FROM leads_leadstatus st
LEFT JOIN (
    SELECT l.source_id, l.status_id, COUNT(*) AS leads, COUNT(l.converted_at) AS timed,
           SUM({time_to_convert}) AS time_to_convert
    FROM leads_lead l
    GROUP BY l.source_id, l.status_id
) g ON g.status_id = st.id
LEFT JOIN leads_source so ON so.id = g.source_id
ORDER BY 1, so.sort NULLS LAST, so.name, g.source_id, st.sort, st.id
"""


def leads_by_status_and_source_expected(
    rows: list[tuple], moment: Moment
) -> tuple[list[dict], dict]:
    statuses = sorted({(sort, status_id, code) for _n, _s, _m, status_id, code, sort, *_ in rows})
    status_keys = [f"status_{code}" for _sort, _id, code in statuses]
    counts = ["leads", *status_keys, "converted"]
    by_source: dict[Any, dict] = {}  # in the statement's order
    for no_leads, source_id, name, _id, code, _sort, semantics, leads, timed, time in rows:
        if no_leads:
            continue
        source = by_source.setdefault(
            source_id,
            {"source": name or NO_SOURCE, **dict.fromkeys(counts, 0), "timed": 0, "time": None},
        )
        source["leads"] += leads
        source[f"status_{code}"] += leads
        if semantics == "converted":
            source["converted"] += leads
            source["timed"] += timed
            if time is not None:
                source["time"] = (source["time"] or datetime.timedelta(0)) + _duration(time)
    expected, timed_total, time_total = [], 0, datetime.timedelta(0)
    for source in by_source.values():
        timed, time = source.pop("timed"), source.pop("time")
        source["conversion"] = share(source["converted"], source["leads"])
        source["time_to_convert"] = seconds(time / timed) if timed else None
        timed_total += timed
        time_total += time or datetime.timedelta(0)
        expected.append(source)
    totals = {"source": TOTAL, **{key: sum(row[key] for row in expected) for key in counts}}
    totals["conversion"] = share(totals["converted"], totals["leads"])
    totals["time_to_convert"] = seconds(time_total / timed_total) if timed_total else None
    return expected, totals


# --- campaigns -----------------------------------------------------------------------------

CAMPAIGNS = """
SELECT ca.name, ca.cost * cu.rate, COALESCE(l.leads, 0), COALESCE(g.deals, 0),
       COALESCE(g.revenue, 0)
FROM leads_campaign ca
JOIN catalog_currency cu ON cu.code = ca.currency_id
LEFT JOIN (
    SELECT l.campaign_id, COUNT(*) AS leads
    FROM leads_lead l
    WHERE l.campaign_id IS NOT NULL
    GROUP BY l.campaign_id
) l ON l.campaign_id = ca.id
LEFT JOIN (
    SELECT d.campaign_id, COUNT(*) AS deals,
           SUM(d.amount * c.rate) FILTER (WHERE s.semantics = 'won') AS revenue
    FROM deals_deal d
    JOIN deals_stage s ON s.id = d.stage_id
    JOIN catalog_currency c ON c.code = d.currency_id
    WHERE d.campaign_id IS NOT NULL
    GROUP BY d.campaign_id
) g ON g.campaign_id = ca.id
ORDER BY ca.name, ca.id
"""


def campaigns_expected(rows: list[tuple], moment: Moment) -> tuple[list[dict], dict]:
    expected = []
    for name, cost, leads, deals, revenue in rows:
        cost, revenue = _decimal(cost), _decimal(revenue)
        expected.append(
            {
                "campaign": name,
                "cost": cost,
                "leads": leads,
                "deals": deals,
                "revenue": revenue,
                "roi": roi(revenue, cost),
            }
        )
    totals = {
        "campaign": TOTAL,
        "cost": sum((row["cost"] for row in expected), Decimal(0)),
        "leads": sum(row["leads"] for row in expected),
        "deals": sum(row["deals"] for row in expected),
        "revenue": sum((row["revenue"] for row in expected), Decimal(0)),
    }
    totals["roi"] = roi(totals["revenue"], totals["cost"])
    return expected, totals


# --- manager activity ----------------------------------------------------------------------

MANAGER_ACTIVITY = """
SELECT g.responsible_id, u.last_name, u.first_name, u.username,
       g.calls, g.meetings, g.tasks, g.emails, g.overdue
FROM (
    SELECT a.responsible_id,
           COUNT(*) FILTER (WHERE a.status = 'done' AND a.kind = 'call') AS calls,
           COUNT(*) FILTER (WHERE a.status = 'done' AND a.kind = 'meeting') AS meetings,
           COUNT(*) FILTER (WHERE a.status = 'done' AND a.kind = 'task') AS tasks,
           COUNT(*) FILTER (
               WHERE a.status = 'done' AND a.kind = 'email' AND a.direction <> 'incoming'
           ) AS emails,
           COUNT(*) FILTER (WHERE a.status = 'planned' AND a.deadline < %s) AS overdue
    FROM activities_activity a
    WHERE (a.status = 'done' AND a.kind IN ('call', 'meeting', 'task'))
       OR (a.status = 'done' AND a.kind = 'email' AND a.direction <> 'incoming')
       OR (a.status = 'planned' AND a.deadline < %s)
    GROUP BY a.responsible_id
) g
LEFT JOIN accounts_user u ON u.id = g.responsible_id
ORDER BY u.last_name, u.first_name, g.responsible_id
"""

ACTIVITY_COUNTS = ("calls", "meetings", "tasks", "emails", "overdue")


def manager_activity_expected(rows: list[tuple], moment: Moment) -> tuple[list[dict], dict]:
    expected = [
        {
            "manager": _person(last_name, first_name, username),
            **dict(zip(ACTIVITY_COUNTS, counts, strict=True)),
        }
        for _id, last_name, first_name, username, *counts in rows
    ]
    totals = {
        "manager": TOTAL,
        **{key: sum(row[key] for row in expected) for key in ACTIVITY_COUNTS},
    }
    return expected, totals


def _fixed(sql: str) -> Callable[[str], str]:
    return lambda vendor: sql


HAND_WRITTEN = {
    statement.key: statement
    for statement in (
        HandWritten(
            "deals_by_manager", _fixed(DEALS_BY_MANAGER), no_params, deals_by_manager_expected
        ),
        HandWritten(
            "deals_by_contact", _fixed(DEALS_BY_CONTACT), no_params, deals_by_contact_expected
        ),
        HandWritten(
            "deals_by_company", _fixed(DEALS_BY_COMPANY), no_params, deals_by_company_expected
        ),
        HandWritten(
            "revenue_by_company", _fixed(REVENUE_BY_COMPANY), no_params, revenue_by_company_expected
        ),
        HandWritten("won_deals", _fixed(WON_DEALS), no_params, won_deals_expected),
        HandWritten(
            "overdue_deals", _fixed(OVERDUE_DEALS), _moment_params("today"), overdue_deals_expected
        ),
        HandWritten(
            "expected_sales",
            _fixed(EXPECTED_SALES),
            _moment_params("today", "horizon"),
            expected_sales_expected,
        ),
        HandWritten(
            "open_deals_by_stage",
            _fixed(OPEN_DEALS_BY_STAGE),
            no_params,
            open_deals_by_stage_expected,
        ),
        HandWritten(
            "revenue_by_product", revenue_by_product_sql, no_params, revenue_by_product_expected
        ),
        HandWritten("sales_funnel", _fixed(SALES_FUNNEL), no_params, sales_funnel_expected),
        HandWritten(
            "leads_by_status_and_source",
            leads_by_status_and_source_sql,
            no_params,
            leads_by_status_and_source_expected,
        ),
        HandWritten("campaigns", _fixed(CAMPAIGNS), no_params, campaigns_expected),
        HandWritten(
            "manager_activity",
            _fixed(MANAGER_ACTIVITY),
            _moment_params("now", "now"),
            manager_activity_expected,
        ),
    )
}
