"""The report builder in a real browser: deals by responsible with their count, previewed as a
table and a chart without a reload, saved, and found under "My reports" (the world of
tests/reports/conftest.py)."""

from playwright.sync_api import expect

from reports.models import SavedReport
from tests.e2e.charts import chart_scripts
from tests.reports.conftest import world  # noqa: F401 (the fixture)

CHART_DRAWN, LABELS = chart_scripts("#builder-preview [data-testid=report-chart]")


def test_a_report_is_built_previewed_saved_and_listed(log_in, world):  # noqa: F811
    # given: the director (every manager's deals) opens the builder from the reports
    page = log_in(world.users["director"])
    page.goto("/reports/")
    page.get_by_test_id("report-builder-link").click()
    page.evaluate("window.notReloaded = true")

    # when: another entity is chosen, the groupings follow it (htmx), and back to deals
    page.get_by_label("Counts").select_option("product_rows")
    expect(page.get_by_label("Group by")).to_have_value("product")
    page.get_by_label("Counts").select_option("deals")
    expect(page.get_by_label("Group by")).to_have_value("responsible")

    # when: deals by responsible with their count only, previewed
    page.get_by_label("Name").fill("Deals per manager")
    page.get_by_label("Group by").select_option("responsible")
    page.get_by_label("Aggregate 1").select_option("count")
    page.get_by_label("Field 1").select_option("")
    page.get_by_label("Aggregate 2").select_option("")
    page.get_by_label("Chart").select_option("bar")
    page.get_by_test_id("builder-preview-button").click()

    # then: the table and the chart show a row and a bar per manager, without a reload
    preview = page.get_by_test_id("builder-preview")
    table = preview.get_by_test_id("report-table")
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(table.locator("thead")).to_have_text("ResponsibleDeals")
    expect(table.locator("tbody tr").nth(2)).to_contain_text("Rostov Roman")
    expect(table.locator("tbody tr").nth(2)).to_contain_text("4")
    expect(preview.get_by_test_id("report-totals")).to_contain_text("7")
    page.wait_for_function(CHART_DRAWN)
    assert page.evaluate(f"() => {LABELS}") == ["Hedin Hugo", "Orlova Olga", "Rostov Roman"]
    assert page.evaluate("window.notReloaded") is True
    assert not SavedReport.objects.exists()

    # when: it is saved
    page.get_by_test_id("builder-save").click()

    # then: its page shows the same table, and the reports list it under "My reports"
    page.wait_for_url("**/reports/saved/*/")
    expect(page.get_by_role("heading", name="Deals per manager")).to_be_visible()
    expect(page.get_by_test_id("report-table").locator("tbody tr")).to_have_count(3)
    page.goto("/reports/")
    mine = page.get_by_test_id("my-reports")
    expect(mine.get_by_role("link", name="Deals per manager")).to_be_visible()
    mine.get_by_role("link", name="Deals per manager").click()
    page.wait_for_function(
        "() => { const c = document.querySelector('[data-testid=report-chart]');"
        " return c && window.Chart && Chart.getChart(c); }"
    )
    saved = SavedReport.objects.get()
    assert (saved.owner, saved.definition["measures"]) == (
        world.users["director"],
        [{"aggregate": "count", "field": ""}],
    )
