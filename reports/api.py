"""The standard reports over the REST API: the list of them (what each is, the filters it
accepts, its chart) and one report's table under filters given as query parameters, the same
figures as its page and CSV. Both need the report right (403); a report counts only what the
user may see. Invalid filters answer 400 with the API's error shape; decimals are strings."""

import datetime
from decimal import Decimal

from django import forms
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from .builder import BuilderFilterForm, SavedReportRunner
from .definitions import REPORTS, Report, ReportResult
from .filters import ReportFilterForm
from .models import SavedReport
from .scope import require_reports
from .selectors import saved_report_get
from .templatetags.report_format import CENT

KEY_PATTERN = r"[a-z0-9_]+"


def json_value(value, kind: str = "text"):
    """A report's value in JSON: decimals as strings (exact; money to the cent), dates in
    ISO 8601."""
    if kind == "money" and value is not None:
        return str(Decimal(value).quantize(CENT))
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, Promise):
        return str(value)
    return value


def report_summary(report: Report) -> dict:
    chart = report.chart
    return {
        "key": report.key,
        "title": str(report.title),
        "description": str(report.description),
        "filters": list(report.filters),
        "chart": {"kind": chart.kind, "label": chart.label, "values": list(chart.values)}
        if chart is not None
        else None,
    }


def report_table_json(result: ReportResult) -> dict:
    kinds = {column.key: column.kind for column in result.columns}

    def values(row: dict) -> dict:
        return {key: json_value(value, kinds.get(key, "text")) for key, value in row.items()}

    return {
        "columns": [
            {"key": column.key, "label": str(column.label), "kind": column.kind}
            for column in result.columns
        ],
        "rows": [values(row) for row in result.rows],
        "totals": values(result.totals),
    }


def _parameter(name: str, field: forms.Field) -> OpenApiParameter:
    """A query parameter documenting a field of ReportFilterForm."""
    description = field.label or name
    if isinstance(field, forms.ModelMultipleChoiceField):
        return OpenApiParameter(
            name,
            {"type": "array", "items": {"type": "integer"}},
            explode=True,
            style="form",
            description=format_lazy("{} (ids; repeat the parameter)", description),
        )
    if isinstance(field, forms.ModelChoiceField):
        return OpenApiParameter(
            name, OpenApiTypes.INT, description=format_lazy("{} (id)", description)
        )
    if isinstance(field, forms.DateField):
        return OpenApiParameter(name, OpenApiTypes.DATE, description=description)
    if isinstance(field, forms.DecimalField):
        return OpenApiParameter(name, OpenApiTypes.NUMBER, description=description)
    if isinstance(field, forms.IntegerField):
        schema = {"type": "integer"}
        if field.min_value is not None:
            schema["minimum"] = field.min_value
        if field.max_value is not None:
            schema["maximum"] = field.max_value
        if field.widget.is_hidden:  # an item chosen elsewhere (the company of a card)
            description = format_lazy("{} (id)", description)
        return OpenApiParameter(name, schema, description=description)
    if isinstance(field, forms.ChoiceField):
        values = [str(value) for value, _label in field.choices if value != ""]
        return OpenApiParameter(name, OpenApiTypes.STR, enum=values, description=description)
    return OpenApiParameter(name, OpenApiTypes.STR, description=description)


# Every filter any report accepts (a report ignores the ones it does not).
FILTER_PARAMETERS = [
    _parameter(name, field) for name, field in ReportFilterForm.base_fields.items()
]

CHART = inline_serializer(
    "ReportChart",
    {
        "kind": serializers.ChoiceField(["bar", "funnel", "pie", "line"]),
        "label": serializers.CharField(help_text=_("The column naming the bars or slices.")),
        "values": serializers.ListField(
            child=serializers.CharField(), help_text=_("The columns plotted.")
        ),  # fmt: skip
    },
    allow_null=True,
)
SUMMARIES = inline_serializer(
    "ReportSummary",
    {
        "key": serializers.CharField(),
        "title": serializers.CharField(),
        "description": serializers.CharField(allow_blank=True),
        "filters": serializers.ListField(
            child=serializers.CharField(),
            help_text=_("The query parameters the report accepts."),
        ),
        "chart": CHART,
    },
    many=True,
)
TABLE = inline_serializer(
    "ReportTable",
    {
        "columns": serializers.ListField(
            child=inline_serializer(
                "ReportColumn",
                {
                    "key": serializers.CharField(),
                    "label": serializers.CharField(allow_blank=True),
                    "kind": serializers.ChoiceField(
                        ["text", "number", "money", "percent", "duration", "date"],
                        help_text=_("money: in the base currency; duration: in seconds."),
                    ),
                },
            )
        ),
        "rows": serializers.ListField(
            child=serializers.DictField(),
            help_text=_("A row per line of the table, by column key; decimals are strings."),
        ),
        "totals": serializers.DictField(help_text=_("The totals row, by column key.")),
    },
)
TABLE_EXAMPLE = {
    "columns": [
        {"key": "manager", "label": "Manager", "kind": "text"},
        {"key": "deals", "label": "Deals", "kind": "number"},
        {"key": "won_share", "label": "Won, %", "kind": "percent"},
        {"key": "revenue", "label": "Revenue", "kind": "money"},
    ],
    "rows": [{"manager": "Rostov Roman", "deals": 4, "won_share": "50.0", "revenue": "1900.00"}],
    "totals": {"manager": "Total", "deals": 4, "won_share": "50.0", "revenue": "1900.00"},
}


@extend_schema_view(
    list=extend_schema(summary="The standard reports", responses=SUMMARIES),
    retrieve=extend_schema(
        summary="One report's table under filters",
        description="The same figures as the report's page, within what the user may see. "
        "Each report reads the filters it lists and ignores the others.",
        parameters=[
            OpenApiParameter(
                "key",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                pattern=f"^{KEY_PATTERN}$",
                description="The report's key, e.g. deals_by_manager.",
            ),
            *FILTER_PARAMETERS,
        ],  # fmt: skip
        responses=TABLE,
        examples=[
            OpenApiExample("Deal volume by manager", value=TABLE_EXAMPLE, response_only=True)
        ],  # fmt: skip
    ),
)
class ReportViewSet(viewsets.ViewSet):
    lookup_field = "key"
    lookup_value_regex = KEY_PATTERN
    filter_backends: list = []
    pagination_class = None

    def list(self, request):
        require_reports(request.user)
        return Response([report_summary(report) for report in REPORTS.all()])

    def retrieve(self, request, key: str | None = None):
        require_reports(request.user)
        try:
            report = REPORTS.get(key)
        except LookupError:
            raise NotFound from None
        form = ReportFilterForm(request.query_params, fields=report.filters)
        if not form.is_valid():
            raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
        result = report.run(actor=request.user, params=form.cleaned_data)
        return Response(report_table_json(result))


# The builder's filters beyond the standard reports' ones.
BUILDER_FILTER_PARAMETERS = [
    _parameter(name, field)
    for name, field in BuilderFilterForm.base_fields.items()
    if name not in ReportFilterForm.base_fields
]
SAVED_REPORT_TABLE = inline_serializer(
    "SavedReportTable",
    {
        "id": serializers.IntegerField(),
        "name": serializers.CharField(),
        "description": serializers.CharField(allow_blank=True),
        "entity": serializers.ChoiceField(SavedReport.Entity.values),
        "definition": serializers.DictField(
            help_text=_("The groupings, the measures, the saved filters and the chart.")
        ),
        # the same column component as the standard reports' table
        "columns": serializers.ListField(child=type(TABLE.fields["columns"].child)()),
        "rows": serializers.ListField(
            child=serializers.DictField(),
            help_text=_("A row per group, by column key; decimals are strings."),
        ),
        "totals": serializers.DictField(help_text=_("The totals row, by column key.")),
    },
)


@extend_schema_view(
    retrieve=extend_schema(
        summary="A saved report's table",
        description="A report of the report builder, owned by the user or shared with one of "
        "their roles (404 otherwise), with the same figures as its page and CSV, within what "
        "the user may see. Without filter parameters the saved filters apply; with any, the "
        "ones given replace them. Each entity reads the filters it accepts.",
        parameters=[
            OpenApiParameter(
                "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The saved report's id."
            ),
            *FILTER_PARAMETERS,
            *BUILDER_FILTER_PARAMETERS,
        ],  # fmt: skip
        responses=SAVED_REPORT_TABLE,
    ),
)
class SavedReportViewSet(viewsets.ViewSet):
    filter_backends: list = []
    pagination_class = None

    def retrieve(self, request, pk: str | None = None):
        require_reports(request.user)
        try:
            saved = saved_report_get(actor=request.user, saved_report_id=int(pk))
        except SavedReport.DoesNotExist:
            raise NotFound from None
        report = SavedReportRunner.for_saved(saved)
        form = report.filter_form(request.query_params)
        if not form.is_valid():
            raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
        result = report.run(actor=request.user, params=form.cleaned_data)
        return Response(
            {
                "id": saved.pk,
                "name": saved.name,
                "description": saved.description,
                "entity": saved.entity,
                "definition": saved.definition,
                **report_table_json(result),
            }
        )


# (url prefix, viewset, basename) for crm_project/api_urls.py
ROUTES = [
    ("reports", ReportViewSet, "report"),
    ("reports/saved", SavedReportViewSet, "saved-report"),
]
