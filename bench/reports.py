"""Benchmark "reports": every standard report over N deals, for a director, beside the same
figures computed by one hand-written SQL statement.

Tops the database up to N deals (bench.seeding.seed_up_to) and runs each registered report
(reports.definitions.REPORTS) for a superuser (the whole data: no scope filter) with no
filters, and its statement from bench/reports_sql.py. The first run of each is the warm-up and
the check: the report must show exactly what the statement computes (every row and total),
else the benchmark stops with the differences. Then REPEATS runs of each, alternating, are
timed: the report's `run` (its queries and the Python that arranges their rows), and the
statement's execution with the fetching of all its rows; a fast report gets more runs (up to
MAX_REPEATS, within TIME_BUDGET_S), so that the medians hold on a busy machine.

On PostgreSQL the tables the reports read are vacuumed and analysed first, as autovacuum
would have them (it never analyses a table of fewer than 50 changed rows, such as the stages
or the currencies, and may be off on a benchmark machine).

Figures, per report in the registry's order: <key>_p50_ms, <key>_sql_p50_ms and
<key>_ratio_vs_sql (report p50 / statement p50); then worst_ratio_vs_sql.
"""

import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from unittest import mock

from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.functional import Promise

import reports.standard  # noqa: F401 (registers the standard reports)
from accounts.models import User
from deals.models import Deal
from reports.definitions import REPORTS, Report, ReportResult

from . import seeding
from .bulk_insert import BulkInserter
from .reporting import log, report
from .reports_sql import HAND_WRITTEN, HandWritten, Moment

BENCH = "reports"
REPEATS = 7  # timed runs of each, at least
MAX_REPEATS = 25
TIME_BUDGET_S = 3.0  # per report: more runs than REPEATS only while within it
# the tables the standard reports read
READ_TABLES = (
    "deals_deal", "deals_stage", "deals_pipeline", "deals_dealcontact", "deals_dealstagechange",
    "catalog_currency", "catalog_productrow", "catalog_product", "catalog_section",
    "contacts_contact", "contacts_company", "accounts_user", "leads_lead", "leads_leadstatus",
    "leads_source", "leads_campaign", "activities_activity",
)  # fmt: skip
DIRECTOR = "bench.reports.director"
# SQLite sums decimals as floats: there, money may differ by a cent and a share by 0.1
SQLITE_TOLERANCE = {"percent": Decimal("0.1"), "other": Decimal("0.011")}


class ReportMismatch(AssertionError):
    """A report does not show what its hand-written statement computes."""


def run(*, size: int, seed: int) -> None:
    added = seeding.seed_up_to(size, random_seed=seed)
    log(f"seeded {added} deals; the database holds {Deal.objects.count()}")
    director = _director()
    _analyze_read_tables()
    standard = REPORTS.all()
    _check_every_report_has_a_statement(standard)

    figures: dict[str, tuple[float, float]] = {}
    with override_settings(DEBUG=False):  # no query log, as in production
        for standard_report in standard:
            statement = HAND_WRITTEN[standard_report.key]
            result = check(standard_report, statement, director)  # also the warm-up
            _warn_when_nothing_is_counted(standard_report.key, result)
            report_ms, sql_ms = _timings(
                lambda r=standard_report: r.run(actor=director, params={}), statement.execute
            )
            figures[standard_report.key] = (statistics.median(report_ms), statistics.median(sql_ms))
            log(
                f"{standard_report.key:<28} {len(result.rows):>8} rows  report "
                f"{figures[standard_report.key][0]:>9.1f} ms  SQL "
                f"{figures[standard_report.key][1]:>9.1f} ms"
            )

    ratios = []
    for key, (report_p50, sql_p50) in figures.items():
        ratio = round(report_p50 / sql_p50, 2)
        ratios.append(ratio)
        report(
            bench=BENCH, metric=f"{key}_p50_ms", value=round(report_p50, 2), unit="ms", size=size
        )
        report(
            bench=BENCH, metric=f"{key}_sql_p50_ms", value=round(sql_p50, 2), unit="ms", size=size
        )
        report(bench=BENCH, metric=f"{key}_ratio_vs_sql", value=ratio, unit="ratio", size=size)
    report(bench=BENCH, metric="worst_ratio_vs_sql", value=max(ratios), unit="ratio", size=size)


def check(standard_report: Report, statement: HandWritten, actor: User) -> ReportResult:
    """Run the report and its statement at one frozen moment ("now" and "today" the same for
    both) and raise ReportMismatch unless the report shows what the statement computes."""
    now = timezone.now()
    moment = Moment(now=now, today=timezone.localdate(now))
    with mock.patch("django.utils.timezone.now", return_value=now):
        result = standard_report.run(actor=actor, params={})
        rows = statement.execute(moment)
    expected_rows, expected_totals = statement.expected(rows, moment)
    differences = differences_between(result, expected_rows, expected_totals)
    if differences:
        shown = "\n  ".join(differences[:20])
        raise ReportMismatch(
            f"{standard_report.key}: the report differs from its hand-written SQL "
            f"({len(differences)} differences):\n  {shown}"
        )
    return result


def differences_between(
    result: ReportResult, expected_rows: list[dict], expected_totals: dict
) -> list[str]:
    """Each cell where the report's rows or totals differ from the expected ones."""
    percent_keys = {column.key for column in result.columns if column.kind == "percent"}
    same = _sameness(percent_keys)
    differences = []
    if len(result.rows) != len(expected_rows):
        differences.append(f"{len(result.rows)} rows, the SQL has {len(expected_rows)}")
    for index, (row, expected) in enumerate(zip(result.rows, expected_rows, strict=False)):
        differences.extend(_dict_differences(f"row {index}", row, expected, same))
    differences.extend(_dict_differences("totals", result.totals, expected_totals, same))
    return differences


def _dict_differences(
    where: str, shown: dict, expected: dict, same: Callable[[str, Any, Any], bool]
) -> list[str]:
    differences = []
    for key in sorted(shown.keys() | expected.keys()):
        if key not in shown or key not in expected:
            differences.append(
                f"{where}: {key} only in {'the SQL' if key in expected else 'the report'}"
            )
        elif not same(key, shown[key], expected[key]):
            differences.append(f"{where}: {key} = {shown[key]!r}, the SQL says {expected[key]!r}")
    return differences


def _sameness(percent_keys: set[str]) -> Callable[[str, Any, Any], bool]:
    approximate = connection.vendor == "sqlite"

    def same(key: str, shown: Any, expected: Any) -> bool:
        shown, expected = _plain(shown), _plain(expected)
        if approximate and _is_fraction(shown) and _is_fraction(expected):
            tolerance = SQLITE_TOLERANCE["percent" if key in percent_keys else "other"]
            return abs(Decimal(str(shown)) - Decimal(str(expected))) <= tolerance
        return shown == expected and (
            type(shown) is type(expected) or _equal_numbers(shown, expected)
        )

    return same


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Promise) else value


def _is_fraction(value: Any) -> bool:
    return isinstance(value, Decimal | float | int) and not isinstance(value, bool)


def _equal_numbers(shown: Any, expected: Any) -> bool:
    """Numbers equal in value (an int 0 and Decimal 0.00 are the same figure)."""
    return _is_fraction(shown) and _is_fraction(expected) and shown == expected


def _timings(
    run_report: Callable[[], object], run_statement: Callable[[], object]
) -> tuple[list[float], list[float]]:
    """Timings of each in ms, alternating which goes first: REPEATS, or more (up to
    MAX_REPEATS) while the runs so far took less than TIME_BUDGET_S."""
    report_ms, sql_ms = [], []
    started_all = time.perf_counter()
    for repeat in range(MAX_REPEATS):
        if repeat >= REPEATS and time.perf_counter() - started_all > TIME_BUDGET_S:
            break
        pair = [(run_report, report_ms), (run_statement, sql_ms)]
        for call, timings in pair if repeat % 2 == 0 else reversed(pair):
            started = time.perf_counter()
            call()
            timings.append((time.perf_counter() - started) * 1000)
    return report_ms, sql_ms


def _analyze_read_tables() -> None:
    """Every table the reports read vacuumed and analysed, as a running database's autovacuum
    keeps them: small tables changed since the seeding (stages, currencies) would otherwise
    keep a stale guess that mis-plans the hand-written SQL, and the deals the triggers updated
    keep dead row versions."""
    BulkInserter().analyze(sorted(READ_TABLES))


def _check_every_report_has_a_statement(standard: list[Report]) -> None:
    keys = {standard_report.key for standard_report in standard}
    if keys != HAND_WRITTEN.keys():
        raise ReportMismatch(
            f"reports without a hand-written statement: {sorted(keys - HAND_WRITTEN.keys())}; "
            f"statements without a report: {sorted(HAND_WRITTEN.keys() - keys)}"
        )


def _warn_when_nothing_is_counted(key: str, result: ReportResult) -> None:
    """Say so when the data gives a column of counts or money nothing to count (the seeder
    lacks something this report needs)."""
    empty = [
        column.key
        for column in result.columns
        if column.kind in ("number", "money")
        and not any(row.get(column.key) for row in result.rows)
    ]
    if empty:
        log(f"warning: {key}: nothing to count in {', '.join(empty)} ({len(result.rows)} rows)")


def _director() -> User:
    """A superuser: the reports count the whole data for them, without a scope filter."""
    director, _created = User.objects.get_or_create(
        username=DIRECTOR,
        defaults={"first_name": "Бенчмарк", "last_name": "Директор", "is_superuser": True},
    )
    if not director.is_superuser:
        director.is_superuser = True
        director.save(update_fields=["is_superuser"])
    return director
