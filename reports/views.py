"""The report pages: the index of the standard reports, a report (its filters, chart and table)
and its CSV export.

Every page needs the report right (reports.scope.require_reports: 403 without it); a report
counts only what the user may see (each report reads through reports.scope). The report page
answers an htmx request (its filter form changed) with the report block alone, for a swap
without a reload; the CSV holds the same columns and rows as the table, with its totals.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from accounts.models import PermissionAction, PermissionEntity
from accounts.policy import grant_for
from catalog.models import Currency
from core.csv_export import csv_response

from .definitions import REPORTS, Column, Report, ReportResult
from .filters import ReportFilterForm
from .scope import require_reports
from .templatetags.report_format import DAY, HOUR, TENTH, plain_value, report_cell, seconds_of

PAGE = "reports/report_detail.html"
# The index's sections. A report's section: its own `section` if it names one, else the one
# given here for the reports of reports/standard that are not in a module named after their
# section, else its module's name (reports/standard/deals.py → "deals"), else "other".
SECTIONS = (
    ("deals", gettext_lazy("Deals")),
    ("leads", gettext_lazy("Leads")),
    ("activities", gettext_lazy("Activity")),
)
SECTION_OF_REPORT = {
    "sales_funnel": "deals",
    "leads_by_status_and_source": "leads",
    "campaigns": "leads",
    "manager_activity": "activities",
}
OTHER_SECTION = ("other", gettext_lazy("Other"))


@dataclass(frozen=True)
class Cell:
    text: str
    kind: str


def _report(key: str) -> Report:
    try:
        return REPORTS.get(key)
    except LookupError:
        raise Http404 from None


def _base_currency() -> Currency | None:
    return Currency.objects.filter(is_base=True).first()


def _section_of(report: Report) -> str:
    return (
        getattr(report, "section", "")
        or SECTION_OF_REPORT.get(report.key)
        or type(report).__module__.rpartition(".")[2]
    )


def report_sections() -> list[dict]:
    """The standard reports in their sections (deals, leads, activity, then any other), each
    section in the order its reports were registered; empty sections left out."""
    known = dict(SECTIONS)
    by_section: dict[str, list[Report]] = {}
    for report in REPORTS.all():
        section = _section_of(report)
        by_section.setdefault(section if section in known else OTHER_SECTION[0], []).append(report)
    return [
        {"key": key, "title": title, "reports": by_section[key]}
        for key, title in (*SECTIONS, OTHER_SECTION)
        if by_section.get(key)
    ]


def can_export_reports(user) -> bool:
    """The export right on reports (superusers have every right)."""
    return not grant_for(user, PermissionEntity.REPORT, PermissionAction.EXPORT).is_nothing


def _cells(values: dict, columns: list[Column], currency: Currency | None) -> list[Cell]:
    return [
        Cell(report_cell(values.get(column.key), column.kind, currency), column.kind)
        for column in columns
    ]


def _chart_number(value, kind: str, unit: int):
    if value is None or value == "":
        return None
    if kind == "duration":
        return str((Decimal(seconds_of(value)) / unit).quantize(TENTH))
    return str(value)


def chart_data(report: Report, result: ReportResult, currency: Currency | None) -> dict | None:
    """What static/js/reports.js draws: the chart's kind, the labels (the label column as the
    table shows it) and a dataset per value column, in the table's row order (a funnel's
    stages in pipeline order). Durations are plotted in days, or in hours when all are under
    two days. None when the report has no chart or no rows."""
    chart = report.chart
    if chart is None or not result.rows:
        return None
    columns = {column.key: column for column in result.columns}
    label_kind = columns[chart.label].kind if chart.label in columns else "text"
    datasets = []
    for key in chart.values:
        column = columns.get(key, Column(key, key))
        label, unit = str(column.label), 1
        if column.kind == "duration":
            longest = max((seconds_of(row[key]) for row in result.rows if row.get(key)), default=0)
            unit = DAY if longest >= 2 * DAY else HOUR
            label = (_("%(label)s, days") if unit == DAY else _("%(label)s, hours")) % {
                "label": label
            }
        elif column.kind == "money" and currency is not None:
            label = f"{label}, {currency.symbol or currency.code}"
        datasets.append(
            {
                "key": key,
                "label": label,
                "kind": column.kind,
                "data": [_chart_number(row.get(key), column.kind, unit) for row in result.rows],
            }
        )
    return {
        "kind": chart.kind,
        "labels": [report_cell(row.get(chart.label), label_kind, currency) for row in result.rows],
        "datasets": datasets,
    }


def report_table(result: ReportResult, currency: Currency | None) -> dict:
    """The table as the page shows it: a header, the rows' cells, and the totals' (None when
    the report has no totals)."""
    return {
        "columns": result.columns,
        "rows": [_cells(row, result.columns, currency) for row in result.rows],
        "totals": _cells(result.totals, result.columns, currency) if result.totals else None,
    }


def _filter_form(request, report: Report) -> ReportFilterForm:
    """The report's filters from the query string; an empty one is valid (no filter)."""
    return ReportFilterForm(request.GET, fields=report.filters)


@require_GET
@login_required
def report_index_view(request):
    """The standard reports in their sections, each with its description."""
    require_reports(request.user)
    context = {
        "section": "reports",
        "sections": report_sections(),
        # the report builder's reports of the user (title, description, url), when it fills them
        "my_reports": [],
    }
    return render(request, "reports/report_index.html", context)


@require_GET
@login_required
def report_detail_view(request, key: str):
    """A report: its filters, chart and table, and the CSV of the same. Invalid filters show
    their errors and no figures. An htmx request (the filter form changed) gets the report
    block alone, which replaces the one on the page."""
    require_reports(request.user)
    report = _report(key)
    form = _filter_form(request, report)
    currency = _base_currency()
    result = report.run(actor=request.user, params=form.cleaned_data) if form.is_valid() else None
    context = {
        "section": "reports",
        "report": report,
        "form": form,
        "result": result,
        "table": report_table(result, currency) if result is not None else None,
        "chart": chart_data(report, result, currency) if result is not None else None,
        "can_export": can_export_reports(request.user),
        "query": request.GET.urlencode(),
    }
    is_swap = request.htmx and not request.htmx.history_restore_request
    response = render(request, f"{PAGE}#report" if is_swap else PAGE, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
@login_required
def report_export_view(request, key: str):
    """The report's table as CSV under the same filters: its columns, its rows and a totals
    row; money in the base currency to the cent, durations in hours. Needs the report right
    and the report export right (403); invalid filters answer 400 with the errors."""
    require_reports(request.user)
    if not can_export_reports(request.user):
        raise PermissionDenied(_("Your role does not let you export reports."))
    report = _report(key)
    form = _filter_form(request, report)
    if not form.is_valid():
        return render(request, PAGE, _invalid_context(report, form), status=400)
    result = report.run(actor=request.user, params=form.cleaned_data)
    currency = _base_currency()
    header = [_csv_heading(column, currency) for column in result.columns]
    rows = [[plain_value(row.get(column.key), column.kind) for column in result.columns]
            for row in result.rows]  # fmt: skip
    if result.totals:
        rows.append(
            [plain_value(result.totals.get(column.key), column.kind) for column in result.columns]
        )
    return csv_response(filename=f"{report.key}.csv", header=header, rows=rows)


def _invalid_context(report: Report, form: ReportFilterForm) -> dict:
    return {"section": "reports", "report": report, "form": form, "result": None,
            "table": None, "chart": None, "can_export": False, "query": ""}  # fmt: skip


def _csv_heading(column: Column, currency: Currency | None) -> str:
    if column.kind == "money" and currency is not None:
        return f"{column.label}, {currency.code}"
    if column.kind == "duration":
        return _("%(label)s, hours") % {"label": column.label}
    return str(column.label)
