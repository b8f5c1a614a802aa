"""The standard reports about the sales funnel, leads, advertising campaigns and managers'
activity. Each computes its table in a fixed number of queries (grouped and filtered
aggregates, correlated subqueries); Python only arranges the grouped rows."""

from datetime import timedelta
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db.models import (
    BooleanField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from activities.models import Activity
from deals.models import FUNNEL_SEMANTICS, Stage
from leads.models import Campaign, LeadStatus, Source

from ..definitions import (
    AMOUNT_IN_BASE,
    MONEY,
    Chart,
    Column,
    Report,
    ReportResult,
    by_responsible,
    person_name,
    register,
    share,
    sum_in_base,
    sum_totals,
)
from ..filters import deals_filtered, default_pipeline_id, filters_given, in_stages, stage_ids
from ..scope import report_activities, report_deals, report_leads

PERIOD = ("period_from", "period_to")
NO_SOURCE = _("No source")


def within_period(field: str, params: dict) -> Q:
    """Rows whose `field` (a date-time) falls on the days of the period, in the current time
    zone, as deals_filtered reads it."""
    lookups = {
        f"{field}__date__gte": params.get("period_from"),
        f"{field}__date__lte": params.get("period_to"),
    }
    return Q(**{lookup: day for lookup, day in lookups.items() if day is not None})


def without(params: dict, *names: str) -> dict:
    return {name: value for name, value in params.items() if name not in names}


def leads_filtered(leads: QuerySet, params: dict) -> QuerySet:
    """`leads` narrowed by the cleaned filters; the period applies to their creation."""
    lookups = {"source": params.get("source"), "campaign": params.get("campaign")}
    leads = leads.filter(
        within_period("created_at", params),
        **{key: value for key, value in lookups.items() if value is not None},
    )
    if params.get("responsible"):
        leads = leads.filter(responsible__in=params["responsible"])
    return leads


def seconds(duration: timedelta | None) -> int | None:
    return None if duration is None else round(duration.total_seconds())


@register
class SalesFunnelReport(Report):
    """One row per in-progress and won stage of the pipeline, in order. A deal counts at every
    stage up to the furthest one it entered within the period (DealStageChange rows dated in
    it): a deal that skipped a stage, or was created straight into a later one, has reached
    the earlier ones too; one moved back still counts where it had been. Lost stages are not
    steps of the funnel. The other filters apply to the deals; deals without stage history
    (written around the services) do not show. Without a period the furthest stage is the one
    the database keeps on each deal (Deal.funnel_stage), so the history is not scanned. The first stage has no conversion from a
    previous one (None); there are no totals: the first row is the whole funnel."""

    key = "sales_funnel"
    title = _("Sales funnel")
    description = _(
        "How many deals reached each stage of the pipeline in the period, the conversion from "
        "the previous stage and from the first, and their amount."
    )
    filters = (*PERIOD, "pipeline", "amount_min", "amount_max", "deal_type", "responsible",
               "company", "source", "campaign")  # fmt: skip
    chart = Chart("funnel", "stage", ("deals",))

    def run(self, *, actor, params: dict) -> ReportResult:
        pipeline = params.get("pipeline")
        if pipeline is not None:
            in_pipeline = Q(pipeline=pipeline)
        else:  # the default pipeline, else the first one
            in_pipeline = Q(pipeline_id=default_pipeline_id())
        stages = list(
            Stage.objects.filter(in_pipeline, semantics__in=FUNNEL_SEMANTICS)
            .order_by("sort", "pk")
            .values("pk", "name", "sort", "pipeline_id")
        )
        if not stages:
            return ReportResult(columns=self.columns(), rows=[])
        pipeline_id = stages[0]["pipeline_id"]
        deals = deals_filtered(report_deals(actor), without(params, *PERIOD, "pipeline")).filter(
            pipeline_id=pipeline_id
        )
        if filters_given(params, PERIOD):
            figures = self._reached_within_period(deals, stages, params)
        else:
            figures = self._reached_ever(deals, stages)
        rows = [
            {
                "stage": stage["name"],
                "deals": figures[f"deals_{index}"],
                "amount": figures[f"amount_{index}"] or Decimal(0),
            }
            for index, stage in enumerate(stages)
        ]
        for index, row in enumerate(rows):
            row["conversion_previous"] = (
                share(row["deals"], rows[index - 1]["deals"]) if index else None  # shown empty
            )
            row["conversion_first"] = share(row["deals"], rows[0]["deals"])
        return ReportResult(columns=self.columns(), rows=rows)

    @staticmethod
    def _reached_ever(deals: QuerySet, stages: list[dict]) -> dict:
        """deals_<i> and amount_<i>: the deals that reached the i-th stage, by the furthest
        funnel stage the database keeps on each deal (Deal.funnel_stage; no scan of the stage
        history): grouped by it, then each stage adds up the groups at or after it."""
        grouped = {
            row["funnel_stage_id"]: row
            for row in deals.filter(funnel_stage_id__in=[stage["pk"] for stage in stages])
            .order_by()
            .values("funnel_stage_id")
            .annotate(deals=Count("pk"), amount=sum_in_base())
        }
        figures = {}
        for index, stage in enumerate(stages):
            at_or_after = [grouped[each["pk"]] for each in stages
                           if each["sort"] >= stage["sort"] and each["pk"] in grouped]  # fmt: skip
            figures[f"deals_{index}"] = sum(group["deals"] for group in at_or_after)
            figures[f"amount_{index}"] = sum(group["amount"] for group in at_or_after)
        return figures

    @staticmethod
    def _reached_within_period(deals: QuerySet, stages: list[dict], params: dict) -> dict:
        """deals_<i> and amount_<i>: the deals with a move of the period into the i-th stage or
        a later one, from the stage history."""
        # each deal's furthest funnel stage entered within the period: all the conditions in
        # one filter() so that they apply to the same join, and deals without such a row drop
        # out with the inner join
        reached = (
            deals.filter(
                within_period("stage_changes__at", params),
                stage_changes__to_stage__pipeline_id=stages[0]["pipeline_id"],
                stage_changes__to_stage__semantics__in=FUNNEL_SEMANTICS,
            )
            .order_by()
            .annotate(
                furthest=Max("stage_changes__to_stage__sort"),
                amount_in_base=ExpressionWrapper(AMOUNT_IN_BASE, output_field=MONEY),
            )
        )
        return reached.aggregate(
            **{
                f"deals_{index}": Count("pk", filter=Q(furthest__gte=stage["sort"]))
                for index, stage in enumerate(stages)
            },
            **{
                f"amount_{index}": Sum(
                    "amount_in_base", filter=Q(furthest__gte=stage["sort"]), output_field=MONEY
                )
                for index, stage in enumerate(stages)
            },
        )

    @staticmethod
    def columns() -> list[Column]:
        return [
            Column("stage", _("Stage")),
            Column("deals", _("Deals reached"), "number"),
            Column("conversion_previous", _("From the previous stage, %"), "percent"),
            Column("conversion_first", _("From the first stage, %"), "percent"),
            Column("amount", _("Amount"), "money"),
        ]


@register
class LeadsByStatusAndSourceReport(Report):
    """One row per source (leads without one last), a column per lead status (keys
    `status_<code>`, in the statuses' order): a source's whole story reads along its row and
    each status down its column. Conversion is converted / all leads of the source; the time
    to convert averages converted_at − created_at over its converted leads, in seconds."""

    key = "leads_by_status_and_source"
    title = _("Leads by status and source")
    description = _(
        "Leads created in the period from each source: how many are in each status, how many "
        "were converted, the conversion rate and the average time to convert."
    )
    filters = (*PERIOD, "responsible", "source", "campaign")
    chart = Chart("bar", "source", ("leads", "converted"))

    def run(self, *, actor, params: dict) -> ReportResult:
        statuses = list(
            LeadStatus.objects.order_by("sort").values("pk", "code", "name", "semantics")
        )
        leads = leads_filtered(report_leads(actor), params)
        time_to_convert = ExpressionWrapper(
            F("converted_at") - F("created_at"), output_field=DurationField()
        )
        # one group per source and status (a few dozen), pivoted below: the statuses become
        # columns of their source's row, and a group counts as converted by its status's
        # semantics, known here; the sources' names in a query of their own. So the grouped
        # query joins nothing (PostgreSQL aggregates it in parallel).
        grouped = (
            leads.order_by()
            .values("source_id", "status_id")
            .annotate(
                leads=Count("pk"),
                timed=Count("converted_at"),
                time_to_convert=Sum(time_to_convert),
            )
        )
        keys = [f"status_{status['code']}" for status in statuses]
        key_of_status = {status["pk"]: key for status, key in zip(statuses, keys, strict=True)}
        converted_statuses = {status["pk"] for status in statuses
                              if status["semantics"] == LeadStatus.Semantics.CONVERTED}  # fmt: skip
        counts = ("leads", *keys, "converted")
        by_source: dict[int | None, dict] = {}
        for group in grouped:
            source = by_source.setdefault(
                group["source_id"],
                {"timed": 0, "time_to_convert": timedelta(0)} | dict.fromkeys(counts, 0),
            )
            source["leads"] += group["leads"]
            if group["status_id"] in converted_statuses:
                source["converted"] += group["leads"]
                source["timed"] += group["timed"]
                source["time_to_convert"] += group["time_to_convert"] or timedelta(0)
            if group["status_id"] in key_of_status:
                source[key_of_status[group["status_id"]]] += group["leads"]
        sources = Source.objects.filter(pk__in=[key for key in by_source if key is not None])
        in_order = [
            by_source.pop(source["pk"]) | {"name": source["name"]}
            for source in sources.order_by("sort", "name", "pk").values("pk", "name")
        ]
        in_order += [group | {"name": None} for group in by_source.values()]  # no source: last
        rows, timed_total, time_total = [], 0, timedelta(0)
        for group in in_order:
            row = {"source": group["name"] or NO_SOURCE}
            row.update({key: group[key] for key in counts})
            row["conversion"] = share(group["converted"], group["leads"])
            row["time_to_convert"] = (
                seconds(group["time_to_convert"] / group["timed"]) if group["timed"] else None
            )
            timed_total += group["timed"]
            time_total += group["time_to_convert"]
            rows.append(row)
        totals = sum_totals(rows, counts, source=_("Total"))
        totals["conversion"] = share(totals["converted"], totals["leads"])
        totals["time_to_convert"] = seconds(time_total / timed_total) if timed_total else None
        return ReportResult(columns=self.columns(statuses), rows=rows, totals=totals)

    @staticmethod
    def columns(statuses: list[dict]) -> list[Column]:
        return [
            Column("source", _("Source")),
            Column("leads", _("Leads"), "number"),
            *(Column(f"status_{status['code']}", status["name"], "number") for status in statuses),
            Column("converted", _("Converted"), "number"),
            Column("conversion", _("Conversion, %"), "percent"),
            Column("time_to_convert", _("Average time to convert"), "duration"),
        ]


def roi(revenue: Decimal, cost: Decimal) -> Decimal | None:
    """(revenue − cost) / cost in percent, to one decimal; empty for a campaign that cost
    nothing."""
    if not cost:
        return None
    return ((revenue - cost) * 100 / cost).quantize(Decimal("0.1"))


@register
class CampaignsReport(Report):
    """One row per campaign that ran during the period (no dates: always running) or brought
    something in it, by name. Cost is the campaign's whole cost in the base currency; leads
    are those created in the period, deals those created in it, revenue that of its deals won
    (closed) in it, each within the user's scope."""

    key = "campaigns"
    title = _("Advertising campaigns")
    description = _(
        "Each campaign's cost, the leads and deals it brought in the period, revenue from its "
        "won deals and the return on investment."
    )
    filters = (*PERIOD, "campaign", "responsible")
    chart = Chart("bar", "campaign", ("cost", "revenue"))

    def run(self, *, actor, params: dict) -> ReportResult:
        # Three grouped queries, one per table (PostgreSQL aggregates each in parallel), put
        # together here. The campaign filter picks the rows; the items are counted per
        # campaign anyway.
        narrowing = without(params, "campaign")
        leads = (
            leads_filtered(report_leads(actor), narrowing)
            .filter(campaign__isnull=False)
            .order_by()
            .values("campaign_id")
            .annotate(count=Count("*"))  # not of a column: the campaign index alone answers
        )
        lead_counts = {row["campaign_id"]: row["count"] for row in leads}
        # the deals created in the period, and the revenue of those won (closed) in it
        created = within_period("created_at", params)
        won = within_period("closed_at", params) & in_stages(stage_ids()[Stage.Semantics.WON])
        deals = (
            deals_filtered(report_deals(actor), without(narrowing, *PERIOD))
            .filter(created | won if created else Q(), campaign__isnull=False)
            .order_by()
            .values("campaign_id")
            # deals counted by their stage (every deal has one): deal_campaign_figures holds
            # every column read then, so the index alone answers
            .annotate(count=Count("stage", filter=created or None), revenue=sum_in_base(won))
        )
        deal_figures = {row["campaign_id"]: row for row in deals}
        start, end = params.get("period_from"), params.get("period_to")
        ran = Q()
        if start:
            ran &= Q(ends_on__isnull=True) | Q(ends_on__gte=start)
        if end:
            ran &= Q(starts_on__isnull=True) | Q(starts_on__lte=end)
        campaigns = Campaign.objects.all()
        if (campaign := params.get("campaign")) is not None:
            campaigns = campaigns.filter(pk=getattr(campaign, "pk", campaign))
        campaigns = campaigns.annotate(
            cost_in_base=ExpressionWrapper(F("cost") * F("currency__rate"), output_field=MONEY),
            ran=ExpressionWrapper(ran, output_field=BooleanField()) if ran else Value(True),
        )
        rows = []
        for campaign in campaigns.order_by("name", "pk").values(
            "pk", "name", "cost_in_base", "ran"
        ):
            figures = deal_figures.get(campaign["pk"], {})
            row = {
                "campaign": campaign["name"],
                "cost": campaign["cost_in_base"],
                "leads": lead_counts.get(campaign["pk"], 0),
                "deals": figures.get("count", 0),
                "revenue": figures.get("revenue") or Decimal(0),
            }
            if campaign["ran"] or row["leads"] or row["deals"] or row["revenue"]:
                row["roi"] = roi(row["revenue"], row["cost"])
                rows.append(row)
        totals = {
            "campaign": _("Total"),
            "cost": sum((row["cost"] for row in rows), Decimal(0)),
            "leads": sum(row["leads"] for row in rows),
            "deals": sum(row["deals"] for row in rows),
            "revenue": sum((row["revenue"] for row in rows), Decimal(0)),
        }
        totals["roi"] = roi(totals["revenue"], totals["cost"])
        return ReportResult(columns=self.columns(), rows=rows, totals=totals)

    @staticmethod
    def columns() -> list[Column]:
        return [
            Column("campaign", _("Campaign")),
            Column("cost", _("Cost"), "money"),
            Column("leads", _("Leads"), "number"),
            Column("deals", _("Deals"), "number"),
            Column("revenue", _("Revenue"), "money"),
            Column("roi", _("ROI, %"), "percent"),
        ]


@register
class ManagerActivityReport(Report):
    """One row per responsible with anything to count: calls, meetings and tasks completed in
    the period, e-mails sent in it (done and not incoming), and the planned activities whose
    deadline has passed by now (whatever the period: they are overdue today)."""

    key = "manager_activity"
    title = _("Manager activity")
    description = _(
        "Calls, meetings and tasks each manager completed in the period, e-mails sent, and "
        "the planned activities now overdue."
    )
    filters = (*PERIOD, "responsible")
    chart = Chart("bar", "manager", ("calls", "meetings", "tasks", "emails", "overdue"))

    def run(self, *, actor, params: dict) -> ReportResult:
        done = Q(within_period("completed_at", params), status=Activity.Status.DONE)
        counted = {
            "calls": done & Q(kind=Activity.Kind.CALL),
            "meetings": done & Q(kind=Activity.Kind.MEETING),
            "tasks": done & Q(kind=Activity.Kind.TASK),
            "emails": done
            & Q(kind=Activity.Kind.EMAIL)
            & ~Q(direction=Activity.Direction.INCOMING),
            "overdue": Q(status=Activity.Status.PLANNED, deadline__lt=timezone.now()),
        }
        activities = report_activities(actor).filter(reduce(or_, counted.values()))
        if params.get("responsible"):
            activities = activities.filter(responsible__in=params["responsible"])
        grouped = by_responsible(
            activities, **{key: Count("pk", filter=condition) for key, condition in counted.items()}
        )
        rows = [
            {"manager": person_name(row), **{key: row[key] for key in counted}} for row in grouped
        ]
        totals = sum_totals(rows, tuple(counted), manager=_("Total"))
        return ReportResult(columns=self.columns(), rows=rows, totals=totals)

    @staticmethod
    def columns() -> list[Column]:
        return [
            Column("manager", _("Manager")),
            Column("calls", _("Calls"), "number"),
            Column("meetings", _("Meetings"), "number"),
            Column("tasks", _("Tasks done"), "number"),
            Column("emails", _("E-mails sent"), "number"),
            Column("overdue", _("Overdue"), "number"),
        ]
