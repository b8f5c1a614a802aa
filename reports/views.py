"""The report pages: the index of the standard reports, a report (its filters, chart and table)
and its CSV export.

Every page needs the report right (reports.scope.require_reports: 403 without it); a report
counts only what the user may see (each report reads through reports.scope). The report page
answers an htmx request (its filter form changed) with the report block alone, for a swap
without a reload; the CSV holds the same columns and rows as the table, with its totals.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import PermissionAction, PermissionEntity
from accounts.policy import grant_for
from catalog.models import Currency
from core.csv_export import csv_response

from .builder import (
    MAX_MEASURES,
    SavedReportRunner,
    builder_copy_of_saved,
    builder_copy_of_standard,
    builder_default,
    builder_definition_validate,
    builder_filter_form,
    builder_vocabulary,
    filter_data,
)
from .definitions import REPORTS, Column, Report, ReportResult
from .filters import ReportFilterForm
from .forms import ReportBuilderForm, builder_posted_definition
from .models import SavedReport
from .scope import require_reports
from .selectors import saved_report_get, saved_report_list
from .services import saved_report_create, saved_report_delete, saved_report_update
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
        # the report builder's reports the user owns or holds a role they are shared with
        "my_reports": my_reports(request.user),
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
    return report_csv(report, report.run(actor=request.user, params=form.cleaned_data))


def _invalid_context(report: Report, form: ReportFilterForm) -> dict:
    return {"section": "reports", "report": report, "form": form, "result": None,
            "table": None, "chart": None, "can_export": False, "query": ""}  # fmt: skip


def _csv_heading(column: Column, currency: Currency | None) -> str:
    if column.kind == "money" and currency is not None:
        return f"{column.label}, {currency.code}"
    if column.kind == "duration":
        return _("%(label)s, hours") % {"label": column.label}
    return str(column.label)


# --- the report builder and the saved reports ------------------------------------------------

BUILDER_PAGE = "reports/report_builder.html"


def my_reports(user) -> list[dict]:
    """The index's "My reports": the user's own reports and those shared with their roles, by
    name (one query)."""
    return [
        {
            "title": saved.name,
            "description": saved.description,
            "url": reverse("reports:saved-detail", args=[saved.pk]),
            "is_own": saved.owner_id == user.pk,
            "owner": saved.owner,
        }
        for saved in saved_report_list(actor=user)
    ]


def _saved_report(request, pk: int, *, owner_only: bool = False) -> SavedReport:
    """The saved report if the user may open it (404 otherwise); with `owner_only`, 403 for a
    user it is shared with who does not own it."""
    try:
        saved = saved_report_get(actor=request.user, saved_report_id=pk)
    except SavedReport.DoesNotExist:
        raise Http404 from None
    if owner_only and saved.owner_id != request.user.pk:
        raise PermissionDenied(
            _("Only the owner of the report changes or deletes it; copy it to make your own.")
        )
    return saved


def _pivot_sort_key(value):
    """Periods in time order, the group of items without a date last."""
    is_date = isinstance(value, datetime.date)
    return (not is_date, value if is_date else datetime.date.min)


def builder_chart_data(
    report: SavedReportRunner, result: ReportResult, currency: Currency | None
) -> dict | None:
    """What static/js/reports.js draws for a builder report. With one grouping, chart_data's
    chart of the measures; with two, the first measure across one grouping (the period, when
    one of them is a period) with a dataset per group of the other. None without a chart or
    rows."""
    if report.chart is None or not result.rows:
        return None
    if len(report.group_by) == 1:
        return chart_data(report, result, currency)
    first, second = report.group_by
    across, series = (second, first) if second.is_time and not first.is_time else (first, second)
    value = next(column for column in result.columns if column.key == report.chart.values[0])
    # a missing pair of groups has no items: nothing counted, nothing summed
    missing = 0 if value.key == "count" or value.key.startswith(("count_", "sum_")) else None
    points = list(dict.fromkeys(row[across.key] for row in result.rows))
    if across.is_time:
        points.sort(key=_pivot_sort_key)
    names = list(dict.fromkeys(row[series.key] for row in result.rows))
    cells = {(row[across.key], row[series.key]): row[value.key] for row in result.rows}
    return {
        "kind": report.chart.kind,
        "labels": [report_cell(point, across.kind, currency) for point in points],
        "datasets": [
            {
                "key": f"{value.key}_{index}",
                "label": report_cell(name, series.kind, currency),
                "kind": value.kind,
                "data": [
                    _chart_number(cells.get((point, name), missing), value.kind, 1)
                    for point in points
                ],  # fmt: skip
            }
            for index, name in enumerate(names)
        ],
    }


def _saved_context(request, saved: SavedReport) -> dict:
    """The report page's context for a saved report: its filters (the query string's, else
    the saved ones), its table and chart within the user's scope."""
    report = SavedReportRunner.for_saved(saved)
    form = report.filter_form(request.GET)
    currency = _base_currency()
    result = report.run(actor=request.user, params=form.cleaned_data) if form.is_valid() else None
    return {
        "section": "reports",
        "report": report,
        "saved_report": saved,
        "is_owner": saved.owner_id == request.user.pk,
        "form": form,
        "result": result,
        "table": report_table(result, currency) if result is not None else None,
        "chart": builder_chart_data(report, result, currency) if result is not None else None,
        "can_export": can_export_reports(request.user),
        "export_url": reverse("reports:saved-export", args=[saved.pk]),
        "query": request.GET.urlencode(),
    }


@require_GET
@login_required
def saved_report_detail_view(request, pk: int):
    """A saved report on the page of the standard ones: its owner's and the role holders' it
    is shared with (404 for others), each seeing the figures within their own scope; the
    filters start from the saved ones. An htmx request gets the report block alone."""
    require_reports(request.user)
    context = _saved_context(request, _saved_report(request, pk))
    is_swap = request.htmx and not request.htmx.history_restore_request
    response = render(request, f"{PAGE}#report" if is_swap else PAGE, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def report_csv(report: Report, result: ReportResult):
    """The CSV of a report's table: its columns, its rows and its totals row."""
    currency = _base_currency()
    header = [_csv_heading(column, currency) for column in result.columns]
    rows = [[plain_value(row.get(column.key), column.kind) for column in result.columns]
            for row in result.rows]  # fmt: skip
    if result.totals:
        rows.append(
            [plain_value(result.totals.get(column.key), column.kind) for column in result.columns]
        )
    return csv_response(filename=f"{report.key}.csv", header=header, rows=rows)


@require_GET
@login_required
def saved_report_export_view(request, pk: int):
    """The saved report's table as CSV, under the filters of the page (the query string's,
    else the saved ones): exactly what the page shows. Needs the report export right (403);
    invalid filters answer 400."""
    require_reports(request.user)
    if not can_export_reports(request.user):
        raise PermissionDenied(_("Your role does not let you export reports."))
    context = _saved_context(request, _saved_report(request, pk))
    if context["result"] is None:
        return render(request, PAGE, context | {"can_export": False}, status=400)
    return report_csv(context["report"], context["result"])


def _measure_rows(definition: dict) -> list[dict]:
    """The measure rows of the form: the definition's, and blank ones to add more."""
    rows = list(definition.get("measures") or [])
    blank = {"aggregate": "", "field": ""}
    return rows + [blank] * max(0, min(MAX_MEASURES, max(3, len(rows) + 1)) - len(rows))


def _builder_context(request, *, form, entity: str, definition: dict, filter_form=None,
                     errors=(), saved_report=None) -> dict:  # fmt: skip
    group_by = list(definition.get("group_by") or [])[:2]
    return {
        "section": "reports",
        "form": form,
        "entity": entity,
        "vocabulary": builder_vocabulary(entity),
        "group_by": group_by + [""] * (2 - len(group_by)),
        "measure_rows": _measure_rows(definition),
        "filter_form": filter_form
        if filter_form is not None
        else builder_filter_form(entity, definition.get("filters") or {}),
        "errors": list(errors),
        "saved_report": saved_report,
    }


def _builder_start(request) -> dict:
    """Where a new report starts: a copy of a standard report (?copy=<key>, with the filters
    of its page), of a saved one the user may open (?copy_saved=<pk>), or the default of the
    chosen entity (?entity=)."""
    if key := request.GET.get("copy"):
        try:
            start = builder_copy_of_standard(key)
        except LookupError:
            raise Http404 from None
        posted = builder_filter_form(start["entity"], request.GET)
        if posted.is_valid() and (chosen := filter_data(posted)):
            filters = start["definition"].get("filters") or {}
            start["definition"] = start["definition"] | {"filters": filters | chosen}
        return start
    if pk := request.GET.get("copy_saved"):
        if not pk.isdigit():
            raise Http404
        return builder_copy_of_saved(_saved_report(request, int(pk)))
    entity = request.GET.get("entity") or SavedReport.Entity.DEALS
    if entity not in SavedReport.Entity.values:
        entity = SavedReport.Entity.DEALS
    return {"entity": entity, "definition": builder_default(entity), "name": "",
            "description": ""}  # fmt: skip


def _builder_post(request, *, saved_report: SavedReport | None):
    """A preview (htmx, action=preview: the table and chart, nothing saved) or a save of the
    builder's form (then to the report's page); errors show on the form."""
    form = ReportBuilderForm(request.POST)
    entity = request.POST.get("entity", "")
    if entity not in SavedReport.Entity.values:
        entity = SavedReport.Entity.DEALS
    definition, filter_form = builder_posted_definition(request.POST, entity)
    errors: list[str] = []
    if not form.is_valid():
        errors += [message for messages in form.errors.values() for message in messages]
    if not filter_form.is_valid():
        errors.append(_("Correct the filters."))
    try:
        checked = builder_definition_validate(entity, definition) if not errors else None
    except ValidationError as error:
        checked, errors = None, errors + error.messages
    if request.POST.get("action") == "preview":
        return _builder_preview(request, entity, checked, errors, form)
    if checked is not None:
        fields = {
            "actor": request.user,
            "name": form.cleaned_data["name"],
            "description": form.cleaned_data["description"],
            "entity": entity,
            "definition": checked,
            "roles": form.cleaned_data["roles"],
        }
        try:
            if saved_report is None:
                saved_report = saved_report_create(**fields)
            else:
                saved_report = saved_report_update(saved_report=saved_report, **fields)
        except ValidationError as error:
            errors += error.messages
        else:
            messages.success(request, _("The report “%(name)s” is saved.") % {
                "name": saved_report.name})  # fmt: skip
            return redirect("reports:saved-detail", pk=saved_report.pk)
    context = _builder_context(request, form=form, entity=entity, definition=definition,
                               filter_form=filter_form, errors=errors,
                               saved_report=saved_report)  # fmt: skip
    return render(request, BUILDER_PAGE, context)


def _builder_preview(request, entity: str, definition: dict | None, errors: list[str], form):
    """The preview block: the table and chart of the definition, or what is wrong with it."""
    context = {"errors": errors, "form": None, "result": None, "can_export": False}
    if definition is not None:
        title = (form.cleaned_data.get("name") if form.is_valid() else "") or _("Preview")
        report = SavedReportRunner(entity=entity, definition=definition, title=title)
        params = builder_filter_form(entity, definition["filters"])
        params.is_valid()
        result = report.run(actor=request.user, params=params.cleaned_data)
        currency = _base_currency()
        context |= {
            "report": report,
            "result": result,
            "table": report_table(result, currency),
            "chart": builder_chart_data(report, result, currency),
        }
    return render(request, f"{BUILDER_PAGE}#preview", context)


@require_http_methods(["GET", "POST"])
@login_required
def report_builder_view(request):
    """The report builder: what to count, the groupings, the measures, the filters, the chart,
    the name and the roles to share with; a preview of the table and chart without saving,
    and Save. An htmx GET (another entity chosen) gets the entity's fields alone. Anyone
    with the report right builds and saves their own reports."""
    require_reports(request.user)
    if request.method == "POST":
        return _builder_post(request, saved_report=None)
    start = _builder_start(request)
    definition = start["definition"]
    form = ReportBuilderForm(initial={"name": start["name"], "entity": start["entity"],
                                      "description": start["description"],
                                      "chart": definition.get("chart", "bar")})  # fmt: skip
    context = _builder_context(request, form=form, entity=start["entity"], definition=definition)
    is_fields = request.htmx and not request.htmx.history_restore_request
    response = render(request, f"{BUILDER_PAGE}#builder-fields" if is_fields else BUILDER_PAGE,
                      context)  # fmt: skip
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_http_methods(["GET", "POST"])
@login_required
def saved_report_update_view(request, pk: int):
    """The builder on a saved report: its owner's only (403 for the holders of a role it is
    shared with, who may copy it; 404 for others)."""
    require_reports(request.user)
    saved = _saved_report(request, pk, owner_only=True)
    if request.method == "POST":
        return _builder_post(request, saved_report=saved)
    form = ReportBuilderForm(
        initial={"name": saved.name, "description": saved.description, "entity": saved.entity,
                 "chart": saved.definition.get("chart", ""),
                 "roles": list(saved.shared_with_roles.all())}
    )  # fmt: skip
    context = _builder_context(request, form=form, entity=saved.entity,
                               definition=saved.definition, saved_report=saved)  # fmt: skip
    return render(request, BUILDER_PAGE, context)


@require_POST
@login_required
def saved_report_delete_view(request, pk: int):
    """Deletes a saved report: its owner only (403 for a role holder, 404 for others)."""
    require_reports(request.user)
    saved = _saved_report(request, pk, owner_only=True)
    saved_report_delete(saved_report=saved, actor=request.user)
    messages.success(request, _("The report “%(name)s” is deleted.") % {"name": saved.name})
    return redirect("reports:index")
