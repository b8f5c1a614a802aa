import dataclasses
import json

import pytest

from accounts.models import User
from bench import reports as reports_benchmark
from bench import seeding
from bench.reports_sql import HAND_WRITTEN
from reports.definitions import REPORTS

pytestmark = pytest.mark.django_db

SIZE = 300


def test_the_reports_benchmark_times_every_report_beside_its_sql_and_reports_last(capsys):
    reports_benchmark.run(size=SIZE, seed=7)

    figures = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    keys = [report.key for report in REPORTS.all()]
    assert [figure["metric"] for figure in figures] == [
        *(
            metric
            for key in keys
            for metric in (f"{key}_p50_ms", f"{key}_sql_p50_ms", f"{key}_ratio_vs_sql")
        ),
        "worst_ratio_vs_sql",
    ]
    assert all(figure["bench"] == "reports" and figure["size"] == SIZE for figure in figures)
    assert all(figure["value"] > 0 for figure in figures)
    by_metric = {figure["metric"]: figure for figure in figures}
    ratios = [by_metric[f"{key}_ratio_vs_sql"]["value"] for key in keys]
    assert by_metric["worst_ratio_vs_sql"]["value"] == max(ratios)
    assert {by_metric[f"{key}_p50_ms"]["unit"] for key in keys} == {"ms"}


def test_every_standard_report_has_one_statement():
    assert set(HAND_WRITTEN) == {report.key for report in REPORTS.all()}


@pytest.fixture
def director() -> User:
    seeding.seed_up_to(SIZE, random_seed=7)
    return reports_benchmark._director()


@pytest.mark.parametrize("key", sorted(HAND_WRITTEN))
def test_every_report_shows_what_its_hand_written_sql_computes(director, key):
    result = reports_benchmark.check(REPORTS.get(key), HAND_WRITTEN[key], director)

    assert result.rows  # the seeded data gives every report something to show


def test_the_check_fails_loudly_when_a_figure_differs(director):
    statement = HAND_WRITTEN["deals_by_manager"]

    def one_deal_more(rows, moment):
        expected, totals = statement.expected(rows, moment)
        expected[0]["deals"] += 1
        return expected, totals

    doctored = dataclasses.replace(statement, expected=one_deal_more)

    with pytest.raises(reports_benchmark.ReportMismatch, match=r"row 0: deals = \d+"):
        reports_benchmark.check(REPORTS.get("deals_by_manager"), doctored, director)


def test_the_check_fails_loudly_when_the_rows_differ(director):
    statement = HAND_WRITTEN["revenue_by_product"]

    def one_row_less(rows, moment):
        return statement.expected(rows[1:], moment)

    doctored = dataclasses.replace(statement, expected=one_row_less)

    with pytest.raises(reports_benchmark.ReportMismatch, match="the SQL has"):
        reports_benchmark.check(REPORTS.get("revenue_by_product"), doctored, director)
