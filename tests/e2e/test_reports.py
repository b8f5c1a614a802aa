"""A report in a real browser: the chart drawn and the table, a filter that redraws both without
a reload, and the CSV of what is shown (the world of tests/reports/conftest.py)."""

import csv

from playwright.sync_api import expect

from tests.e2e.charts import chart_scripts
from tests.reports.conftest import world  # noqa: F401 (the fixture)

CHART_DRAWN, LABELS = chart_scripts("[data-testid=report-chart]")


def test_a_report_is_filtered_in_place_and_exported_as_shown(log_in, world):  # noqa: F811
    # given: the director (every manager's figures) on the deal volume report
    page = log_in(world.users["director"])
    page.goto("/reports/")
    page.get_by_role("link", name="Deal volume by manager").click()
    table = page.get_by_test_id("report-table")

    # then: the chart is drawn, a bar group per manager, and the table has their rows
    page.wait_for_function(CHART_DRAWN)
    assert page.evaluate(f"() => {LABELS}") == ["Hedin Hugo", "Orlova Olga", "Rostov Roman"]
    for name in ("Hedin Hugo", "Orlova Olga", "Rostov Roman"):
        expect(table).to_contain_text(name)
    expect(page.get_by_test_id("report-totals")).to_contain_text("Total")

    # when: one responsible is chosen (the page remembers it was not reloaded)
    page.evaluate("window.notReloaded = true")
    responsible = world.users["responsible"]
    page.get_by_label("Responsible").select_option(label="Roman Rostov")

    # then: the table and the chart show the manager's row alone, without a reload
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("Rostov Roman")
    expect(table).not_to_contain_text("Orlova Olga")
    page.wait_for_function(f"() => {LABELS}.join() === 'Rostov Roman'")
    page.wait_for_function(CHART_DRAWN)
    assert page.evaluate("window.notReloaded") is True
    assert f"responsible={responsible.pk}" in page.url

    # when: the CSV is exported
    with page.expect_download() as download_info:
        page.get_by_test_id("report-export").click()
    download = download_info.value

    # then: it holds the rows shown, and the totals (R1–R4: 1000 RUB + 10 USD × 90 won)
    assert download.suggested_filename == "deals_by_manager.csv"
    with open(download.path(), encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    assert rows == [
        ["Manager", "Deals", "In progress", "Won", "Lost", "Won, %", "Lost, %", "Revenue, RUB"],
        ["Rostov Roman", "4", "1", "2", "1", "50.0", "25.0", "1900.00"],
        ["Total", "4", "1", "2", "1", "50.0", "25.0", "1900.00"],
    ]
