"""The report builder: what a user may count (the entities), group by and aggregate, the check
of a definition, and its run.

A definition (what reports.models.SavedReport.definition holds) is
    {"group_by": ["responsible"] or ["responsible", "month"],
     "measures": [{"aggregate": "count", "field": ""}, {"aggregate": "sum", "field": "amount"}],
     "filters": {"period_from": "2026-01-01", "responsible": [3, 5], ...},
     "chart": "bar" | "funnel" | "pie" | "line" | ""}
and only the words of the whitelists below are accepted: each grouping and measure maps to an
ORM expression, so a definition never reaches the database as text.

A run is one GROUP BY query over the items the actor may view (reports.scope, or the contact
and company selectors), and one aggregate of the same items for the totals row: the figures
are computed by the database, the number of queries does not grow with the data, and a report
shared with others shows each of them the figures within their own scope.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import (
    Avg,
    Count,
    DateField,
    F,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncDay, TruncMonth, TruncWeek
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from activities.models import Activity
from catalog.models import ProductRow
from contacts.models import Company, Contact
from contacts.selectors import company_list, contact_list
from deals.models import Deal, Stage
from leads.models import LeadStatus

from .definitions import (
    AMOUNT_IN_BASE,
    MONEY,
    REPORTS,
    Chart,
    Column,
    Report,
    ReportResult,
    person_name,
)
from .filters import DEAL_FILTERS, ReportFilterForm, deals_filtered, in_stages, stage_ids
from .models import SavedReport
from .scope import report_activities, report_deals, report_leads
from .standard.leads_and_activity import leads_filtered, within_period

Entity = SavedReport.Entity
GROUP_LIMIT = 1000
MAX_GROUPINGS = 2
MAX_MEASURES = 6
CHART_KINDS = {
    "bar": _("Bars"),
    "line": _("Line over time"),
    "pie": _("Pie"),
    "funnel": _("Funnel"),
    "": _("No chart"),
}
CENT, TENTH, QUANTUM = Decimal("0.01"), Decimal("0.1"), Decimal("0.0001")


# --- the filters ---------------------------------------------------------------------------


class BuilderFilterForm(ReportFilterForm):
    """The standard reports' filters and a few of the builder's own entities: each entity
    keeps the fields of its `filters`."""

    outcome = forms.ChoiceField(label=_("Outcome"), required=False,
                                choices=[("", "—"), *Stage.Semantics.choices])  # fmt: skip
    lead_status = forms.ModelChoiceField(LeadStatus.objects.all(), label=_("Lead status"),
                                         required=False)  # fmt: skip
    activity_kind = forms.ChoiceField(label=_("Activity kind"), required=False,
                                      choices=[("", "—"), *Activity.Kind.choices])  # fmt: skip
    activity_status = forms.ChoiceField(label=_("Activity status"), required=False,
                                        choices=[("", "—"), *Activity.Status.choices])  # fmt: skip


def filter_data(form: forms.Form) -> dict:
    """A valid filter form's choices as JSON (what a definition keeps and a form reads back):
    ids for chosen items, ISO dates, decimals as strings; empty filters left out."""
    data = {}
    for name, value in form.cleaned_data.items():
        if value is None or value == "" or value == []:
            continue
        if isinstance(value, QuerySet):
            ids = sorted(value.values_list("pk", flat=True))
            if ids:
                data[name] = ids
        elif hasattr(value, "pk"):
            data[name] = value.pk
        elif isinstance(value, datetime.date):
            data[name] = value.isoformat()
        elif isinstance(value, Decimal):
            data[name] = str(value)
        else:
            data[name] = value
    return data


def _items_of_deals(actor, params: dict, *, closing: bool) -> QuerySet:
    """The deals `actor` may view under the filters; the period applies to the closing date
    when the report is grouped by a period of closing, else to the creation date."""
    deals = deals_filtered(
        report_deals(actor), params, date_field="closed_at" if closing else "created_at"
    )
    if params.get("outcome"):
        deals = deals.filter(in_stages(stage_ids()[params["outcome"]]))
    return deals


def _items_of_product_rows(actor, params: dict, *, closing: bool) -> QuerySet:
    """The product rows of the deals `actor` may view under the deal filters."""
    deals = _items_of_deals(actor, params, closing=closing)
    rows = ProductRow.objects.filter(deal__in=deals.values("pk"))
    if params.get("section"):
        rows = rows.filter(product__section__path__startswith=params["section"].path)
    return rows


def _items_of_leads(actor, params: dict, *, closing: bool) -> QuerySet:
    leads = leads_filtered(report_leads(actor), params)
    lookups = {
        "amount__gte": params.get("amount_min"),
        "amount__lte": params.get("amount_max"),
        "status": params.get("lead_status"),
    }
    return leads.filter(**{key: value for key, value in lookups.items() if value is not None})


def _narrowed(items: QuerySet, params: dict, **lookups) -> QuerySet:
    """`items` created within the period, of the chosen responsibles, matching `lookups` (the
    ones with a value)."""
    items = items.filter(
        within_period("created_at", params),
        **{key: value for key, value in lookups.items() if value not in (None, "")},
    )
    if params.get("responsible"):
        items = items.filter(responsible__in=params["responsible"])
    return items


def _items_of_contacts(actor, params: dict, *, closing: bool) -> QuerySet:
    return _narrowed(contact_list(actor=actor), params, source=params.get("source"))


def _items_of_companies(actor, params: dict, *, closing: bool) -> QuerySet:
    return _narrowed(company_list(actor=actor), params, source=params.get("source"))


def _items_of_activities(actor, params: dict, *, closing: bool) -> QuerySet:
    return _narrowed(report_activities(actor), params, kind=params.get("activity_kind"),
                     status=params.get("activity_status"))  # fmt: skip


# --- the groupings -------------------------------------------------------------------------


@dataclass(frozen=True)
class Grouping:
    """A dimension of the builder: the values() fields that identify and name a group (and
    that the order uses), the order of the groups, the cell shown for a grouped row, and any
    annotation the fields refer to (a truncated date)."""

    key: str
    label: str | Promise
    values: tuple[str, ...]
    order: tuple
    text: Callable[[dict], Any]
    kind: str = "text"
    annotations: Callable[[], dict] = dict
    is_time: bool = False
    is_closing: bool = False


NO_RESPONSIBLE = _("No responsible")


def _responsible(relation: str = "") -> Grouping:
    path = f"{relation}responsible"
    return Grouping(
        "responsible",
        _("Responsible"),
        values=(f"{path}_id", f"{path}__last_name", f"{path}__first_name", f"{path}__username"),
        order=(F(f"{path}__last_name").asc(nulls_last=True),
               F(f"{path}__first_name").asc(nulls_last=True), F(f"{path}_id").asc(nulls_last=True)),
        text=lambda row: person_name(row, path) if row[f"{path}_id"] else NO_RESPONSIBLE,
    )  # fmt: skip


def _related(key: str, label, path: str, name: str, *, empty, order: tuple[str, ...] = ()):
    """Groups by the item `path` points to, named by its `name` field, in the order of its
    `order` fields (else its name); items without one make a group named `empty`."""
    sort_fields = [f"{path}__{field_name}" for field_name in order or (name,)]
    return Grouping(
        key,
        label,
        values=(f"{path}_id", f"{path}__{name}", *sort_fields),
        order=(*(F(field_path).asc(nulls_last=True) for field_path in sort_fields),
               F(f"{path}_id").asc(nulls_last=True)),
        text=lambda row: row[f"{path}__{name}"] if row[f"{path}_id"] is not None else empty,
    )  # fmt: skip


def _department(relation: str = "") -> Grouping:
    return _related("department", _("Department"), f"{relation}responsible__department", "name",
                    empty=_("Without a department"), order=("path",))  # fmt: skip


NOT_SET = _("Not set")


def _choice(key: str, label, path: str, choices, *, empty=NOT_SET) -> Grouping:
    names = dict(choices)
    return Grouping(
        key,
        label,
        values=(path,),
        order=(F(path).asc(nulls_last=True),),
        text=lambda row: names.get(row[path], row[path]) if row[path] else empty,
    )


TRUNCATIONS = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}
PERIOD_LABELS = {
    ("day", False): _("Day created"),
    ("week", False): _("Week created"),
    ("month", False): _("Month created"),
    ("day", True): _("Day closed"),
    ("week", True): _("Week closed"),
    ("month", True): _("Month closed"),
}
NOT_CLOSED = _("Not closed")


def _period(unit: str, path: str, *, closing: bool = False) -> Grouping:
    """Groups by the day, week (from Monday) or month of the date-time `path`, in the current
    time zone; a group's cell is the period's first day."""
    key = f"closed_{unit}" if closing else unit
    alias = f"group_{key}"
    truncation = TRUNCATIONS[unit]
    return Grouping(
        key,
        PERIOD_LABELS[(unit, closing)],
        values=(alias,),
        order=(F(alias).asc(nulls_last=True),),
        text=lambda row: row[alias] if row[alias] is not None else NOT_CLOSED,
        kind="date",
        annotations=lambda: {alias: truncation(path, output_field=DateField())},
        is_time=True,
        is_closing=closing,
    )


def _periods(path: str, *, closing: bool = False) -> list[Grouping]:
    return [_period(unit, path, closing=closing) for unit in TRUNCATIONS]


def _deal_groupings(relation: str = "") -> list[Grouping]:
    """The groupings of deals, or of the items of a deal reached through `relation`."""
    return [
        _responsible(relation),
        _department(relation),
        _related("stage", _("Stage"), f"{relation}stage", "name", empty=_("Without a stage"),
                 order=("pipeline__sort", "pipeline_id", "sort")),
        _related("pipeline", _("Pipeline"), f"{relation}pipeline", "name",
                 empty=_("Without a pipeline"), order=("sort",)),
        _related("company", _("Company"), f"{relation}company", "title",
                 empty=_("Without a company")),
        _related("source", _("Source"), f"{relation}source", "name", empty=_("No source"),
                 order=("sort", "name")),
        _related("campaign", _("Campaign"), f"{relation}campaign", "name",
                 empty=_("Without a campaign")),
        _choice("deal_type", _("Deal type"), f"{relation}deal_type", Deal.Type.choices),
        *_periods(f"{relation}created_at"),
        *_periods(f"{relation}closed_at", closing=True),
    ]  # fmt: skip


PRODUCT = Grouping(
    "product",
    _("Product"),
    values=("product_id", "group_product"),
    order=(F("group_product").asc(nulls_last=True), F("product_id").asc(nulls_last=True)),
    # rows not from the catalog make a group per name, as in the revenue by product report
    text=lambda row: row["group_product"],
    annotations=lambda: {"group_product": Coalesce(F("product__name"), F("product_name"))},
)


# --- the measures --------------------------------------------------------------------------

AGGREGATES = {
    "count": (Count, _("count")),
    "sum": (Sum, _("sum")),
    "avg": (Avg, _("average")),
    "min": (Min, _("minimum")),
    "max": (Max, _("maximum")),
}
EVERY_AGGREGATE = tuple(AGGREGATES)


@dataclass(frozen=True)
class MeasureField:
    """A numeric field the builder aggregates: its expression (in the base currency for
    money), the kind of its column, the aggregates that make sense for it and the rows it
    applies to (`condition`; a count of it counts those rows)."""

    key: str
    label: str | Promise
    expression: Callable[[], Any]
    kind: str = "number"
    aggregates: tuple[str, ...] = EVERY_AGGREGATE
    condition: Callable[[], Q | None] = lambda: None
    count_label: str | Promise = ""  # the column of its count, when "field (count)" reads badly


def _rate_or_one(path: str) -> Coalesce:
    """The rate of the currency at `path`, 1 (the base currency) when there is none."""
    return Coalesce(F(path), Value(Decimal(1)), output_field=MONEY)


DEAL_FIELDS = [
    MeasureField("amount", _("Amount"), lambda: AMOUNT_IN_BASE, "money"),
    MeasureField("won_amount", _("Amount won"), lambda: AMOUNT_IN_BASE, "money",
                 condition=lambda: in_stages(stage_ids()[Stage.Semantics.WON]),
                 count_label=_("Deals won")),
    MeasureField("probability", _("Probability, %"), lambda: F("probability"), "percent",
                 aggregates=("count", "avg", "min", "max")),
]  # fmt: skip
LEAD_FIELDS = [
    MeasureField("amount", _("Amount"), lambda: AMOUNT_IN_BASE, "money"),
    MeasureField("converted", _("Converted"), lambda: F("pk"), aggregates=("count",),
                 condition=lambda: Q(status__semantics=LeadStatus.Semantics.CONVERTED),
                 count_label=_("Leads converted")),
]  # fmt: skip
COMPANY_FIELDS = [
    MeasureField("revenue", _("Annual revenue"),
                 lambda: F("revenue") * _rate_or_one("currency__rate"), "money"),
    MeasureField("employees", _("Employees"), lambda: F("employees")),
]  # fmt: skip
PRODUCT_ROW_FIELDS = [
    MeasureField("quantity", _("Quantity"), lambda: F("quantity")),
    MeasureField("line_total", _("Line total"),
                 lambda: F("line_total") * F("deal__currency__rate"), "money"),
]  # fmt: skip


# --- the entities --------------------------------------------------------------------------


@dataclass(frozen=True)
class EntitySpec:
    """What the builder may count: the items of one kind the actor may view (`items`, under
    the cleaned filters), its groupings, its numeric fields, the filters it accepts and the
    definition a new report of it starts from."""

    key: str
    label: str | Promise
    count_label: str | Promise
    items: Callable[..., QuerySet]
    groupings: dict[str, Grouping]
    fields: dict[str, MeasureField]
    filters: tuple[str, ...]
    default: dict = field(default_factory=dict)


def _spec(key, label, count_label, items, groupings, fields, filters, default) -> EntitySpec:
    return EntitySpec(str(key), label, count_label, items,
                      {grouping.key: grouping for grouping in groupings},
                      {measure.key: measure for measure in fields}, filters,
                      {"filters": {}, "chart": "bar"} | default)  # fmt: skip


def _count(field_key: str = "", aggregate: str = "count") -> dict:
    return {"aggregate": aggregate, "field": field_key}


PERIOD = ("period_from", "period_to")
ENTITIES: dict[str, EntitySpec] = {
    spec.key: spec
    for spec in (
        _spec(Entity.DEALS, _("deals"), _("Deals"), _items_of_deals, _deal_groupings(),
              DEAL_FIELDS, (*DEAL_FILTERS, "outcome"),
              {"group_by": ["responsible"], "measures": [_count(), _count("amount", "sum")]}),
        _spec(Entity.LEADS, _("leads"), _("Leads"), _items_of_leads,
              [_responsible(), _department(),
               _related("status", _("Status"), "status", "name", empty=_("Without a status"),
                        order=("sort",)),
               _related("source", _("Source"), "source", "name", empty=_("No source"),
                        order=("sort", "name")),
               _related("campaign", _("Campaign"), "campaign", "name",
                        empty=_("Without a campaign")),
               *_periods("created_at")],
              LEAD_FIELDS,
              (*PERIOD, "amount_min", "amount_max", "responsible", "source", "campaign",
               "lead_status"),
              {"group_by": ["responsible"], "measures": [_count(), _count("amount", "sum")]}),
        _spec(Entity.CONTACTS, _("contacts"), _("Contacts"), _items_of_contacts,
              [_responsible(), _department(),
               _related("source", _("Source"), "source", "name", empty=_("No source"),
                        order=("sort", "name")),
               _choice("contact_type", _("Contact type"), "contact_type", Contact.Type.choices),
               *_periods("created_at")],
              [], (*PERIOD, "responsible", "source"),
              {"group_by": ["responsible"], "measures": [_count()]}),
        _spec(Entity.COMPANIES, _("companies"), _("Companies"), _items_of_companies,
              [_responsible(), _department(),
               _related("source", _("Source"), "source", "name", empty=_("No source"),
                        order=("sort", "name")),
               _choice("company_type", _("Company type"), "company_type", Company.Type.choices),
               _choice("industry", _("Industry"), "industry", Company.Industry.choices),
               *_periods("created_at")],
              COMPANY_FIELDS, (*PERIOD, "responsible", "source"),
              {"group_by": ["responsible"], "measures": [_count()]}),
        _spec(Entity.ACTIVITIES, _("activities"), _("Activities"), _items_of_activities,
              [_responsible(), _department(),
               _choice("kind", _("Activity kind"), "kind", Activity.Kind.choices),
               _choice("status", _("Activity status"), "status", Activity.Status.choices),
               *_periods("created_at")],
              [], (*PERIOD, "responsible", "activity_kind", "activity_status"),
              {"group_by": ["responsible"], "measures": [_count()]}),
        _spec(Entity.PRODUCT_ROWS, _("product rows"), _("Product rows"), _items_of_product_rows,
              [PRODUCT,
               _related("section", _("Catalog section"), "product__section", "name",
                        empty=_("Not from the catalog"), order=("path",)),
               *_deal_groupings("deal__")],
              PRODUCT_ROW_FIELDS, (*DEAL_FILTERS, "outcome", "section"),
              {"group_by": ["product"],
               "measures": [_count("quantity", "sum"), _count("line_total", "sum")]}),
    )
}  # fmt: skip


def entity_spec(entity: str) -> EntitySpec:
    """The builder's entity of that key; LookupError for an unknown one."""
    try:
        return ENTITIES[entity]
    except KeyError:
        raise LookupError(entity) from None


def builder_filter_form(entity: str, data: dict | None) -> BuilderFilterForm:
    """The entity's filters bound to `data` (a query string, or a definition's filters)."""
    return BuilderFilterForm(data if data is not None else {}, fields=entity_spec(entity).filters)


def measure_key(measure: dict) -> str:
    """The column key of a measure: "count" for the count of items, else "sum_amount"…"""
    if measure["aggregate"] == "count" and not measure["field"]:
        return "count"
    return f"{measure['aggregate']}_{measure['field']}"


def measure_label(spec: EntitySpec, measure: dict) -> str | Promise:
    if not measure["field"]:
        return spec.count_label
    measure_field = spec.fields[measure["field"]]
    if measure["aggregate"] == "count" and measure_field.count_label:
        return measure_field.count_label
    return format_lazy(
        _("{field} ({aggregate})"),
        field=spec.fields[measure["field"]].label,
        aggregate=AGGREGATES[measure["aggregate"]][1],
    )


def measure_kind(spec: EntitySpec, measure: dict) -> str:
    if measure["aggregate"] == "count":
        return "number"
    return spec.fields[measure["field"]].kind


# --- checking a definition -----------------------------------------------------------------


def _names(keys) -> str:
    return ", ".join(keys)


def _check_group_by(spec: EntitySpec, group_by: Any, errors: dict) -> list[str]:
    if isinstance(group_by, str):
        group_by = [group_by]
    if not isinstance(group_by, list) or not 1 <= len(group_by) <= MAX_GROUPINGS:
        errors["group_by"] = [
            _("Group the report by one or two of: %(choices)s.")
            % {"choices": _names(spec.groupings)}
        ]
        return []
    problems = [
        _("“%(key)s” is not a grouping of %(entity)s; choose one of: %(choices)s.")
        % {"key": key, "entity": spec.label, "choices": _names(spec.groupings)}
        for key in group_by
        if not isinstance(key, str) or key not in spec.groupings
    ]
    if not problems and len(set(group_by)) != len(group_by):
        problems.append(_("Group by two different things."))
    if problems:
        errors["group_by"] = problems
    return group_by


def _check_measure(spec: EntitySpec, measure: Any) -> tuple[dict | None, str | None]:
    """The measure in its normal form, or what is wrong with it."""
    if not isinstance(measure, dict):
        return None, _("A measure names an aggregate and a field.")
    aggregate, field_key = measure.get("aggregate"), measure.get("field") or ""
    if aggregate not in AGGREGATES:
        return None, _(
            "“%(aggregate)s” is not an aggregate: choose count, sum, avg, min or max."
        ) % {"aggregate": aggregate}
    if not isinstance(field_key, str) or (field_key and field_key not in spec.fields):
        return None, _(
            "“%(field)s” is not a numeric field of %(entity)s; choose one of: %(choices)s."
        ) % {"field": field_key, "entity": spec.label,
             "choices": _names(spec.fields) or _("none, only the count")}  # fmt: skip
    if not field_key and aggregate != "count":
        return None, _("The %(aggregate)s needs a field to aggregate.") % {
            "aggregate": AGGREGATES[aggregate][1]
        }
    if field_key and aggregate not in spec.fields[field_key].aggregates:
        return None, _("The %(aggregate)s of “%(field)s” means nothing; choose: %(choices)s.") % {
            "aggregate": AGGREGATES[aggregate][1],
            "field": spec.fields[field_key].label,
            "choices": _names(spec.fields[field_key].aggregates),
        }
    return {"aggregate": aggregate, "field": field_key}, None


def _check_measures(spec: EntitySpec, measures: Any, errors: dict) -> list[dict]:
    if not isinstance(measures, list) or not 1 <= len(measures) <= MAX_MEASURES:
        errors["measures"] = [_("Add from one to %(count)d measures.") % {"count": MAX_MEASURES}]
        return []
    checked, problems = [], []
    for measure in measures:
        normal, problem = _check_measure(spec, measure)
        if problem:
            problems.append(problem)
        elif measure_key(normal) in {measure_key(other) for other in checked}:
            problems.append(
                _("The measure “%(label)s” is there twice.")
                % {"label": measure_label(spec, normal)}
            )
        else:
            checked.append(normal)
    if problems:
        errors["measures"] = problems
    return checked


def _check_filters(spec: EntitySpec, filters: Any, errors: dict) -> dict:
    if filters is None:
        return {}
    if not isinstance(filters, dict):
        errors["filters"] = [_("The filters are a JSON object of filter names and values.")]
        return {}
    unknown = [name for name in filters if name not in spec.filters]
    if unknown:
        errors["filters"] = [
            _("“%(name)s” is not a filter of %(entity)s; choose from: %(choices)s.")
            % {"name": name, "entity": spec.label, "choices": _names(spec.filters)}
            for name in unknown
        ]
        return {}
    form = builder_filter_form(spec.key, filters)
    if not form.is_valid():
        errors["filters"] = [
            f"{form.fields[name].label if name in form.fields else _('Filters')}: {message}"
            for name, messages in form.errors.items()
            for message in messages
        ]
        return {}
    return filter_data(form)


def builder_definition_validate(entity: str, definition: Any) -> dict:
    """The definition in its normal form (see the module docstring), checked against the
    entity's whitelists. Raises ValidationError with a message per problem, keyed by
    "entity", "group_by", "measures", "filters" or "chart"."""
    if entity not in ENTITIES:
        raise ValidationError(
            {"entity": _("Choose what the report counts: %(choices)s.")
             % {"choices": _names(ENTITIES)}}
        )  # fmt: skip
    if not isinstance(definition, dict):
        raise ValidationError(
            {"group_by": _("A report definition is a JSON object with a grouping and measures.")}
        )
    spec, errors = ENTITIES[entity], {}
    group_by = _check_group_by(spec, definition.get("group_by"), errors)
    measures = _check_measures(spec, definition.get("measures"), errors)
    filters = _check_filters(spec, definition.get("filters"), errors)
    chart = definition.get("chart", "bar")
    if chart is None:
        chart = ""
    if chart not in CHART_KINDS:
        errors["chart"] = [
            _("“%(chart)s” is not a chart: choose bar, line, pie, funnel or none.")
            % {"chart": chart}
        ]
    if errors:
        raise ValidationError(errors)
    return {"group_by": group_by, "measures": measures, "filters": filters, "chart": chart}


# --- running a definition ------------------------------------------------------------------


def _plain_number(value) -> int | Decimal:
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if number == number.to_integral_value():
        return int(number)
    return number.quantize(QUANTUM).normalize()


def _cell(value, kind: str, aggregate: str):
    """A figure from the database as the result holds it: money to the cent, percent to a
    tenth, other numbers without trailing zeros; an empty sum is 0, an empty average none."""
    if value is None:
        if aggregate not in ("count", "sum"):
            return None
        value = 0
    if kind == "money":
        return Decimal(value).quantize(CENT)
    if kind == "percent" and aggregate != "count":
        return Decimal(repr(value) if isinstance(value, float) else value).quantize(TENTH)
    return _plain_number(value)


def _aggregate(spec: EntitySpec, measure: dict):
    function = AGGREGATES[measure["aggregate"]][0]
    if not measure["field"]:
        return Count("pk")
    measure_field = spec.fields[measure["field"]]
    output = {"output_field": MONEY} if measure_field.kind == "money" else {}
    if measure["aggregate"] == "count":
        output = {}
    return function(measure_field.expression(), filter=measure_field.condition(), **output)


def builder_columns(spec: EntitySpec, definition: dict) -> list[Column]:
    groupings = [spec.groupings[key] for key in definition["group_by"]]
    return [
        *(Column(grouping.key, grouping.label, grouping.kind) for grouping in groupings),
        *(Column(measure_key(measure), measure_label(spec, measure), measure_kind(spec, measure))
          for measure in definition["measures"]),
    ]  # fmt: skip


def builder_run(
    *, actor: AbstractBaseUser, entity: str, definition: dict, params: dict
) -> ReportResult:
    """The table of a checked definition (builder_definition_validate) under the cleaned
    filters `params` (builder_filter_form), within what `actor` may view: a row per group
    (at most GROUP_LIMIT, in the order of the groupings) and the totals of all the items.
    Two queries: the GROUP BY and the totals' aggregate (after the actor's grants, read
    once per request)."""
    spec = entity_spec(entity)
    groupings = [spec.groupings[key] for key in definition["group_by"]]
    measures = definition["measures"]
    items = spec.items(actor, params, closing=any(grouping.is_closing for grouping in groupings))
    aggregates = {f"measure_{index}": _aggregate(spec, measure)
                  for index, measure in enumerate(measures)}  # fmt: skip
    annotations: dict = {}
    for grouping in groupings:
        annotations |= grouping.annotations()
    values = list(dict.fromkeys(name for grouping in groupings for name in grouping.values))
    order = [expression for grouping in groupings for expression in grouping.order]
    grouped = list(
        items.order_by()
        .annotate(**annotations)
        .values(*values)
        .annotate(**aggregates)
        .order_by(*order)[: GROUP_LIMIT + 1]
    )
    totals = items.order_by().aggregate(**aggregates)

    def figures(row: dict) -> dict:
        return {
            measure_key(measure): _cell(
                row[f"measure_{index}"], measure_kind(spec, measure), measure["aggregate"]
            )
            for index, measure in enumerate(measures)
        }

    rows = [
        {**{grouping.key: grouping.text(row) for grouping in groupings}, **figures(row)}
        for row in grouped[:GROUP_LIMIT]
    ]
    total_row = {groupings[0].key: _("Total"), **figures(totals)}
    if len(grouped) > GROUP_LIMIT:
        total_row["note"] = _(
            "Only the first %(limit)d groups are shown; the totals count every item."
        ) % {"limit": GROUP_LIMIT}
    return ReportResult(columns=builder_columns(spec, definition), rows=rows, totals=total_row)


class SavedReportRunner(Report):
    """A builder definition read like a standard report, so that its page, CSV and API are
    those of the standard ones: a saved report (`for_saved`), or the builder's preview."""

    def __init__(self, *, entity: str, definition: dict, title="", description="",
                 key: str = "builder", saved_report: SavedReport | None = None):  # fmt: skip
        self.spec = entity_spec(entity)
        self.entity, self.definition = entity, definition
        self.key, self.title, self.description = key, title, description
        self.saved_report = saved_report
        self.filters = self.spec.filters
        self.group_by = [self.spec.groupings[key] for key in definition["group_by"]]
        kind = definition.get("chart") or ""
        # the measures of the first one's kind: counts are not drawn on the scale of money
        first = measure_kind(self.spec, definition["measures"][0])
        measures = tuple(measure_key(measure) for measure in definition["measures"]
                         if measure_kind(self.spec, measure) == first)  # fmt: skip
        self.chart = Chart(kind, self.group_by[0].key, measures) if kind else None

    @classmethod
    def for_saved(cls, saved_report: SavedReport) -> "SavedReportRunner":
        return cls(entity=saved_report.entity, definition=saved_report.definition,
                   title=saved_report.name, description=saved_report.description,
                   key=f"saved_{saved_report.pk}", saved_report=saved_report)  # fmt: skip

    def filter_form(self, query=None) -> BuilderFilterForm:
        """The filters from `query` (a page's or an API request's query string) when it names
        any of them, else the ones saved with the definition."""
        if query is not None and any(name in query for name in self.filters):
            return builder_filter_form(self.entity, query)
        return builder_filter_form(self.entity, self.definition.get("filters") or {})

    def run(self, *, actor, params: dict) -> ReportResult:
        return builder_run(actor=actor, entity=self.entity, definition=self.definition,
                           params=params)  # fmt: skip


# --- starting from a standard report -------------------------------------------------------

WON = {"outcome": Stage.Semantics.WON}
OPEN = {"outcome": Stage.Semantics.IN_PROGRESS}
# The standard reports whose figures a builder definition comes close to: the builder's copy
# of one starts from it. The others (by contact, the sales funnel: not a GROUP BY of one kind
# of item) start from their entity's default.
STANDARD_STARTS: dict[str, tuple[str, dict]] = {
    "deals_by_manager": (Entity.DEALS, {
        "group_by": ["responsible"], "chart": "bar",
        "measures": [_count(), _count("won_amount"), _count("won_amount", "sum")]}),
    "deals_by_company": (Entity.DEALS, {
        "group_by": ["company"], "chart": "bar",
        "measures": [_count(), _count("won_amount")]}),
    "revenue_by_company": (Entity.DEALS, {
        "group_by": ["company"], "chart": "pie", "filters": WON,
        "measures": [_count(), _count("amount", "sum")]}),
    "won_deals": (Entity.DEALS, {
        "group_by": ["closed_month"], "chart": "line", "filters": WON,
        "measures": [_count(), _count("amount", "sum")]}),
    "overdue_deals": (Entity.DEALS, {
        "group_by": ["responsible"], "chart": "bar", "filters": OPEN,
        "measures": [_count(), _count("amount", "sum")]}),
    "expected_sales": (Entity.DEALS, {
        "group_by": ["responsible"], "chart": "bar", "filters": OPEN,
        "measures": [_count(), _count("amount", "sum"), _count("probability", "avg")]}),
    "open_deals_by_stage": (Entity.DEALS, {
        "group_by": ["stage"], "chart": "funnel", "filters": OPEN,
        "measures": [_count(), _count("amount", "sum")]}),
    "revenue_by_product": (Entity.PRODUCT_ROWS, {
        "group_by": ["product"], "chart": "bar", "filters": WON,
        "measures": [_count("quantity", "sum"), _count("line_total", "sum")]}),
    "leads_by_status_and_source": (Entity.LEADS, {
        "group_by": ["source", "status"], "chart": "bar",
        "measures": [_count(), _count("converted")]}),
    "campaigns": (Entity.LEADS, {
        "group_by": ["campaign"], "chart": "bar",
        "measures": [_count(), _count("converted"), _count("amount", "sum")]}),
    "manager_activity": (Entity.ACTIVITIES, {
        "group_by": ["responsible", "kind"], "chart": "bar", "measures": [_count()]}),
}  # fmt: skip


def builder_default(entity: str) -> dict:
    """The definition a new report of `entity` starts from."""
    return dict(entity_spec(entity).default)


def builder_copy_of_standard(key: str) -> dict:
    """The start of a new report copied from the standard report `key`: its entity, the
    closest definition (the entity's default when none comes close), its title and
    description. LookupError for an unknown report."""
    report = REPORTS.get(key)
    entity, definition = STANDARD_STARTS.get(key, (Entity.DEALS, None))
    return {
        "entity": str(entity),
        "definition": {"filters": {}, "chart": "bar", **(definition or builder_default(entity))},
        "name": str(report.title),
        "description": str(report.description),
    }


def builder_copy_of_saved(saved_report: SavedReport) -> dict:
    """The start of a new report copied from a saved one (the caller checked it may be seen)."""
    return {
        "entity": saved_report.entity,
        "definition": saved_report.definition,
        "name": str(_("%(name)s (copy)") % {"name": saved_report.name}),
        "description": saved_report.description,
    }


def builder_vocabulary(entity: str) -> dict:
    """The words a definition of `entity` may use, for the builder's form: the groupings, the
    aggregates, the fields and which aggregates each allows."""
    spec = entity_spec(entity)
    return {
        "groupings": [(grouping.key, grouping.label) for grouping in spec.groupings.values()],
        "aggregates": [(key, label) for key, (_function, label) in AGGREGATES.items()],
        "fields": [("", spec.count_label),
                   *((measure.key, measure.label) for measure in spec.fields.values())],
        "charts": list(CHART_KINDS.items()),
    }  # fmt: skip
