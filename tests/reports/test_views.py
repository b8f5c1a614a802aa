"""The report pages, their CSV and the reports API, on the hand-built world of
tests/reports/conftest.py (its deals' figures are written out in its docstring)."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import PermissionAction, PermissionEntity
from catalog.models import Currency
from reports.definitions import REPORTS
from reports.templatetags.report_format import plain_value, report_cell
from reports.views import report_sections
from tests.factories import DealFactory, UserFactory, role

# "Rostov Roman": R1–R4 (2 won, 1 lost, 1 in progress; revenue 1000 + 10 USD × 90)
ROSTOV = ["Rostov Roman", "4", "1", "2", "1", "50.0%", "25.0%", "1,900.00 RUB"]
ROSTOV_CSV = ["Rostov Roman", "4", "1", "2", "1", "50.0", "25.0", "1900.00"]
DETAIL = "reports:detail"


def detail_url(key: str = "deals_by_manager") -> str:
    return reverse(DETAIL, args=[key])


def export_url(key: str = "deals_by_manager") -> str:
    return reverse("reports:export", args=[key])


def api_url(key: str | None = "deals_by_manager") -> str:
    return reverse("api:report-detail", args=[key]) if key else reverse("api:report-list")


def texts(table: dict) -> list[list[str]]:
    return [[cell.text for cell in row] for row in table["rows"]]


def read_csv(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content.removeprefix("\ufeff"))))


def api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.fixture
def clerk(db):
    """Somebody whose role covers deals but not reports."""
    user = UserFactory(username="clerk")
    user.roles.add(role("Clerk", "all", entities=[PermissionEntity.DEAL]))
    return user


@pytest.fixture
def viewer(world):
    """Somebody who may view reports (all figures) but not export them."""
    user = UserFactory(username="viewer")
    user.roles.add(role("Viewer", "all", actions=[PermissionAction.VIEW]))
    return user


def test_the_index_shows_every_standard_report_once_in_its_section(client, world):
    client.force_login(world.users["responsible"])

    response = client.get(reverse("reports:index"))

    assert response.status_code == 200
    sections = response.context["sections"]
    assert [section["key"] for section in sections] == ["deals", "leads", "activities"]
    listed = [report.key for section in sections for report in section["reports"]]
    assert sorted(listed) == sorted(report.key for report in REPORTS.all())
    deals = next(section for section in sections if section["key"] == "deals")
    assert "deals_by_manager" in [report.key for report in deals["reports"]]
    page = response.content.decode()
    report = REPORTS.get("deals_by_manager")
    assert f'href="{detail_url()}"' in page
    assert str(report.description) in page
    assert 'data-testid="my-reports"' in page


def test_reports_are_grouped_into_deals_leads_and_activity(db):
    sections = {
        section["key"]: [r.key for r in section["reports"]] for section in report_sections()
    }

    assert list(sections) == ["deals", "leads", "activities"]
    assert sections["deals"][0] == "deals_by_manager"
    assert "sales_funnel" in sections["deals"]
    assert sections["leads"] == ["leads_by_status_and_source", "campaigns"]
    assert sections["activities"] == ["manager_activity"]


def test_the_report_pages_and_api_need_the_report_right_and_count_only_own_figures(
    client, world, clerk
):
    """Access rule of every report route: without the report right 403 on the pages, the CSV
    and the API; a manager's page, CSV and API count only the manager's own deals, a
    director's everybody's."""
    # given: somebody without the report right
    client.force_login(clerk)
    api = api_for(clerk)

    # then: every route refuses
    pages = [reverse("reports:index"), detail_url(), export_url()]
    assert [client.get(url).status_code for url in pages] == [403, 403, 403]
    assert [api.get(url).status_code for url in (api_url(None), api_url())] == [403, 403]
    assert api.get(api_url()).json()["error"]["code"] == "permission_denied"

    # given: a manager with the report right (own scope)
    responsible = world.users["responsible"]
    client.force_login(responsible)

    # then: the page, the CSV and the API hold the manager's own row only
    assert client.get(reverse("reports:index")).status_code == 200
    assert texts(client.get(detail_url()).context["table"]) == [ROSTOV]
    assert read_csv(client.get(export_url()))[1:] == [ROSTOV_CSV, ["Total", *ROSTOV_CSV[1:]]]
    api_rows = api_for(responsible).get(api_url()).json()["rows"]
    assert [row["manager"] for row in api_rows] == ["Rostov Roman"]

    # and a director sees every manager
    client.force_login(world.users["director"])
    managers = [row[0] for row in texts(client.get(detail_url()).context["table"])]
    assert managers == ["Hedin Hugo", "Orlova Olga", "Rostov Roman"]

    # and anonymous visitors are sent to log in, the API answers 401
    client.logout()
    assert client.get(detail_url()).status_code == 302
    assert APIClient().get(api_url()).status_code == 401


def test_the_report_page_shows_the_filters_chart_table_and_totals(client, world):
    client.force_login(world.users["director"])
    report = REPORTS.get("deals_by_manager")

    response = client.get(detail_url())

    assert response.status_code == 200
    context = response.context
    assert list(context["form"].fields) == list(report.filters)
    result = report.run(actor=world.users["director"], params={})
    base = Currency.objects.get(is_base=True)
    assert texts(context["table"]) == [
        [report_cell(row[column.key], column.kind, base) for column in result.columns]
        for row in result.rows
    ]  # fmt: skip
    assert ROSTOV in texts(context["table"])
    assert [cell.text for cell in context["table"]["totals"]][0] == "Total"
    chart = context["chart"]
    assert chart["kind"] == "bar"
    assert chart["labels"] == ["Hedin Hugo", "Orlova Olga", "Rostov Roman"]
    assert [dataset["key"] for dataset in chart["datasets"]] == ["won", "lost", "in_progress"]
    assert chart["datasets"][0]["data"][2] == "2"  # Rostov's won deals
    page = response.content.decode()
    assert 'id="report-chart-data"' in page and 'data-testid="report-chart"' in page
    assert "vendor/chartjs/chart.umd.min.js" in page and "js/reports.js" in page
    assert f'href="{export_url()}"' in page
    assert f'hx-get="{detail_url()}"' in page and 'hx-push-url="true"' in page


def test_a_filter_narrows_the_figures_and_an_htmx_request_gets_the_report_block(client, world):
    client.force_login(world.users["director"])
    query = {"responsible": world.users["responsible"].pk, "period_from": "2026-01-01"}

    page = client.get(detail_url(), query)
    block = client.get(detail_url(), query, headers={"HX-Request": "true"})

    assert texts(page.context["table"]) == [ROSTOV]
    assert block.status_code == 200
    html = block.content.decode()
    assert html.lstrip().startswith('<div id="report"')
    assert "<html" not in html
    assert "Rostov Roman" in html and "Orlova Olga" not in html
    # the export link keeps the filters
    assert f"{export_url()}?responsible={world.users['responsible'].pk}" in html
    assert "HX-Request" in block["Vary"]


def test_invalid_filters_show_their_errors_and_no_figures(client, world):
    client.force_login(world.users["director"])

    response = client.get(detail_url(), {"period_from": "2026-03-01", "period_to": "2026-01-01",
                                         "amount_min": "lots"})  # fmt: skip

    assert response.status_code == 200
    assert response.context["result"] is None
    assert response.context["table"] is None and response.context["chart"] is None
    page = response.content.decode()
    assert "The period ends before it starts." in page
    assert "Enter a number." in page
    assert 'data-testid="report-invalid"' in page
    assert 'data-testid="report-table"' not in page and "report-chart-data" not in page
    assert client.get(export_url(), {"amount_min": "lots"}).status_code == 400


def test_an_unknown_report_is_404(client, world):
    client.force_login(world.users["director"])

    assert client.get(detail_url("no_such_report")).status_code == 404
    assert client.get(export_url("no_such_report")).status_code == 404
    response = api_for(world.users["director"]).get(api_url("no_such_report"))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_csv_holds_the_columns_rows_and_totals_of_the_table(client, world):
    director = world.users["director"]
    client.force_login(director)
    query = {"period_to": "2026-02-28"}  # O2 (2026-03-01) is left out

    table = client.get(detail_url(), query).context["table"]
    rows = read_csv(client.get(export_url(), query))

    report = REPORTS.get("deals_by_manager")
    result = report.run(actor=director, params={"period_to": datetime.date(2026, 2, 28)})
    assert rows[0] == [str(column.label) if column.kind != "money" else f"{column.label}, RUB"
                       for column in table["columns"]]  # fmt: skip
    assert len(rows) == 1 + len(table["rows"]) + 1  # the header, the rows, the totals
    assert [row[0] for row in rows[1:]] == [row[0] for row in texts(table)] + ["Total"]
    assert rows[1:-1] == [
        [str(plain_value(row[column.key], column.kind)) for column in result.columns]
        for row in result.rows
    ]  # fmt: skip
    assert rows[-1] == [str(plain_value(result.totals.get(column.key), column.kind))
                        for column in result.columns]  # fmt: skip
    assert ROSTOV_CSV in rows
    # Orlova Olga without O2: one won deal of 3000
    assert ["Orlova Olga", "1", "0", "1", "0", "100.0", "0.0", "3000.00"] in rows


def test_the_csv_needs_the_report_export_right(client, world, viewer):
    client.force_login(viewer)

    page = client.get(detail_url())

    assert page.status_code == 200
    assert 'data-testid="report-export"' not in page.content.decode()
    assert client.get(export_url()).status_code == 403


def test_the_api_lists_the_reports_and_gives_the_table_of_the_page(client, world):
    director = world.users["director"]
    api = api_for(director)
    client.force_login(director)
    query = {"responsible": [world.users["responsible"].pk, world.users["other"].pk]}

    listing = api.get(api_url(None))
    table = api.get(api_url(), query)
    page = client.get(detail_url(), query).context["table"]

    assert listing.status_code == 200
    summaries = {item["key"]: item for item in listing.json()}
    assert set(summaries) == {report.key for report in REPORTS.all()}
    assert summaries["deals_by_manager"] == {
        "key": "deals_by_manager",
        "title": "Deal volume by manager",
        "description": str(REPORTS.get("deals_by_manager").description),
        "filters": list(REPORTS.get("deals_by_manager").filters),
        "chart": {"kind": "bar", "label": "manager", "values": ["won", "lost", "in_progress"]},
    }
    assert table.status_code == 200
    body = table.json()
    assert [column["key"] for column in body["columns"]] == [
        "manager", "deals", "in_progress", "won", "lost", "won_share", "lost_share", "revenue"]  # fmt: skip
    assert [row["manager"] for row in body["rows"]] == [row[0] for row in texts(page)]
    rostov = next(row for row in body["rows"] if row["manager"] == "Rostov Roman")
    assert rostov == {"manager": "Rostov Roman", "deals": 4, "in_progress": 1, "won": 2,
                      "lost": 1, "won_share": "50.0", "lost_share": "25.0",
                      "revenue": "1900.00"}  # fmt: skip
    assert body["totals"]["manager"] == "Total"
    assert body["totals"]["revenue"] == "4900.00"  # 1900 + Orlova's 3000
    assert body["totals"]["deals"] == 6


def test_the_api_answers_400_with_the_fields_of_invalid_filters(world):
    api = api_for(world.users["director"])

    response = api.get(api_url(), {"period_from": "2026-03-01", "period_to": "2026-01-01",
                                   "responsible": "someone"})  # fmt: skip

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"period_to", "responsible"}


def test_every_report_page_renders_for_a_director(client, world):
    client.force_login(world.users["director"])

    for report in REPORTS.all():
        response = client.get(detail_url(report.key))
        assert response.status_code == 200, report.key
        assert response.context["result"] is not None, report.key


# the session and the user, the grants, the base currency, the responsible filter's check, the
# roles (settings link), the stages' ids and the report's query, the notifications' badge, the
# filters' choices (pipelines, users, sources, campaigns): none of them repeated per row
QUERIES = 13


@pytest.mark.parametrize("user", ["responsible", "director"])
def test_the_report_page_takes_a_bounded_number_of_queries(
    client, world, user, django_assert_max_num_queries
):
    # given: more managers with deals than the world has
    for number in range(4):
        DealFactory(responsible=UserFactory(username=f"extra{number}"), pipeline=world.pipeline)
    client.force_login(world.users[user])
    query = {"responsible": [world.users["responsible"].pk, world.users["other"].pk]}
    client.get(detail_url(), query)  # the session and the content types are warm

    with django_assert_max_num_queries(QUERIES):
        response = client.get(detail_url(), query)
    with django_assert_max_num_queries(QUERIES - 1):  # no responsible to check
        everybody = client.get(detail_url())

    assert response.status_code == 200
    assert len(everybody.context["table"]["rows"]) == (7 if user == "director" else 1)


def test_durations_read_in_days_and_hours_and_money_in_the_base_currency():
    assert report_cell(3 * 86400 + 4 * 3600 + 59, "duration") == "3 d 4 h"
    assert report_cell(5 * 3600 + 20 * 60, "duration") == "5 h 20 min"
    assert report_cell(12 * 60, "duration") == "12 min"
    assert report_cell(Decimal("1234.5"), "money", "RUB") == "1,234.50 RUB"
    assert report_cell(Decimal("12.34"), "percent") == "12.3%"
    assert report_cell(None, "money", "RUB") == ""
    assert plain_value(3 * 86400 + 6 * 3600, "duration") == Decimal("78.0")
    assert plain_value(Decimal("1900.000000"), "money") == Decimal("1900.00")
