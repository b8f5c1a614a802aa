"""The standard reports about deals."""

import datetime
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import PermissionEntity
from accounts.policy import sees_everything, stages_visible
from catalog.models import Product, Section
from contacts.models import Company, Contact
from deals.models import Deal, DealContact, Stage

from ..definitions import (
    AMOUNT_IN_BASE,
    MONEY,
    Chart,
    Column,
    Report,
    ReportResult,
    all_groups_totals,
    amount_in_base,
    by_responsible,
    money,
    over_all_groups,
    person_name,
    register,
    responsible_names,
    share,
    sum_in_base,
    sum_totals,
)
from ..filters import (
    DEAL_FILTERS,
    deals_filtered,
    default_pipeline_id,
    filters_given,
    in_stages,
    stage_ids,
)
from ..scope import report_deals

WON, LOST, IN_PROGRESS = "won", "lost", "in_progress"


def company_title(key: str = "company_id") -> Subquery:
    """The title of the company of the key `key` (a correlated subquery; see responsible_names)."""
    return Subquery(Company._base_manager.filter(pk=OuterRef(key)).order_by().values("title")[:1])


def company_titles(keys) -> dict[int, str]:
    """The titles of the companies of these keys, in one query."""
    wanted = {key for key in keys if key is not None}
    return dict(Company._base_manager.filter(pk__in=wanted).values_list("pk", "title"))


def companies_note(limit: int) -> str:
    return _("The %(limit)d companies at the top are listed; the total counts every deal.") % {
        "limit": limit
    }


@register
class DealsByManagerReport(Report):
    key = "deals_by_manager"
    title = _("Deal volume by manager")
    description = _("Deals worked by each manager, the share won and lost, revenue from won.")
    filters = DEAL_FILTERS
    chart = Chart("bar", "manager", ("won", "lost", "in_progress"))

    def run(self, *, actor, params: dict) -> ReportResult:
        deals = deals_filtered(report_deals(actor), params)
        grouped = by_responsible(
            deals,
            deals=Count("pk"),
            won=Count("pk", filter=(won := in_stages((ids := stage_ids())[WON]))),
            lost=Count("pk", filter=in_stages(ids[LOST])),
            revenue=sum_in_base(won),
        )
        rows = [
            {
                "manager": person_name(row),
                "deals": row["deals"],
                "in_progress": row["deals"] - row["won"] - row["lost"],
                "won": row["won"],
                "lost": row["lost"],
                "won_share": share(row["won"], row["deals"]),
                "lost_share": share(row["lost"], row["deals"]),
                "revenue": (row["revenue"] or 0),
            }
            for row in grouped
        ]
        totals = sum_totals(
            rows, ("deals", "in_progress", "won", "lost", "revenue"), manager=_("Total")
        )
        totals["won_share"] = share(totals["won"], totals["deals"])
        totals["lost_share"] = share(totals["lost"], totals["deals"])
        return ReportResult(columns=self.columns(), rows=rows, totals=totals)

    @staticmethod
    def columns() -> list[Column]:
        return [
            Column("manager", _("Manager")),
            Column("deals", _("Deals"), "number"),
            Column("in_progress", _("In progress"), "number"),
            Column("won", _("Won"), "number"),
            Column("lost", _("Lost"), "number"),
            Column("won_share", _("Won, %"), "percent"),
            Column("lost_share", _("Lost, %"), "percent"),
            Column("revenue", _("Revenue"), "money"),
        ]


# --- shared pieces -----------------------------------------------------------------------

WON_DEALS_LIMIT = 500
# The period of the reports about what is still open is "today" (and a horizon), not a period
# of creation: they take the other deal filters only.
OPEN_DEAL_FILTERS = tuple(name for name in DEAL_FILTERS if not name.startswith("period_"))


def today_of(params: dict) -> datetime.date:
    """The day the report is about: `params["today"]` (tests freeze it), else today here."""
    return params.get("today") or timezone.localdate()


def contact_name(contact: dict) -> str:
    """A contact's name from a values() row: "Last First Middle", else a dash."""
    parts = (contact.get("last_name"), contact.get("first_name"), contact.get("middle_name"))
    return " ".join(part for part in parts if part) or "—"


# --- by contact and by company -----------------------------------------------------------


@register
class DealsByContactReport(Report):
    key = "deals_by_contact"
    title = _("Deal volume by contact")
    description = _(
        "Deals with each contact, won and lost, revenue from won. A deal counts for each of "
        "its contacts; the total counts it once."
    )
    filters = DEAL_FILTERS
    chart = Chart("bar", "contact", ("won", "lost"))
    limit = 500  # contacts listed, those with the most deals first; the totals count all

    def run(self, *, actor, params: dict) -> ReportResult:
        deals = deals_filtered(report_deals(actor), params)
        links = self._counted_links(actor, params, deals)
        ranked = list(
            links.order_by()
            .values("contact_id")
            .annotate(deals=Count("*"))  # not of a column: the contact index alone answers
            .order_by("-deals", "contact_id")
            .values_list("contact_id", "deals")[: self.limit + 1]
        )
        ids = stage_ids()
        won, lost = in_stages(ids[WON], through="deal__"), in_stages(ids[LOST], through="deal__")
        # the figures of the listed contacts only: their links, a few thousand at most
        figures = {
            row["contact_id"]: row
            for row in links.filter(
                contact_id__in=[contact_id for contact_id, _deals in ranked[: self.limit]]
            )
            .order_by()
            .values("contact_id")
            .annotate(
                won=Count("deal_id", filter=won),
                lost=Count("deal_id", filter=lost),
                revenue=Sum(amount_in_base("deal__"), filter=won, output_field=MONEY),
            )
        }
        names = {
            contact["pk"]: contact
            for contact in Contact._base_manager.filter(pk__in=list(figures)).values(
                "pk", "last_name", "first_name", "middle_name"
            )
        }
        rows = [
            {
                "contact_id": contact_id,
                "contact": contact_name(names.get(contact_id, {})),
                "deals": deal_count,
                "won": figures[contact_id]["won"],
                "lost": figures[contact_id]["lost"],
                "revenue": money(figures[contact_id]["revenue"]),
            }
            for contact_id, deal_count in ranked[: self.limit]
        ]
        # each deal once, however many contacts it has (the count the database keeps)
        won, lost = in_stages(ids[WON]), in_stages(ids[LOST])
        totals = deals.filter(contact_count__gt=0).aggregate(
            deals=Count("pk"),
            won=Count("pk", filter=won),
            lost=Count("pk", filter=lost),
            revenue=sum_in_base(won),
        )
        totals = {"contact": _("Total"), **totals, "revenue": money(totals["revenue"])}
        if len(ranked) > self.limit:
            totals["note"] = _(
                "The %(limit)d contacts with the most deals are listed; the total counts every "
                "deal."
            ) % {"limit": self.limit}
        return ReportResult(columns=self.columns(), rows=rows, totals=totals)

    @staticmethod
    def _counted_links(actor, params: dict, deals: QuerySet[Deal]) -> QuerySet[DealContact]:
        """The deal-contact links the report counts: those of the deals that pass. When the
        actor sees every deal and no filter narrows them, that is every link, and the links
        are grouped alone (an index-only scan) rather than joined to a million deals."""
        if not filters_given(params) and sees_everything(actor, PermissionEntity.DEAL):
            return DealContact.objects.all()
        return DealContact.objects.filter(deal__in=deals.values("pk"))

    @staticmethod
    def columns() -> list[Column]:
        return [
            Column("contact", _("Contact")),
            Column("deals", _("Deals"), "number"),
            Column("won", _("Won"), "number"),
            Column("lost", _("Lost"), "number"),
            Column("revenue", _("Revenue"), "money"),
        ]


@register
class DealsByCompanyReport(Report):
    key = "deals_by_company"
    title = _("Deal volume by company")
    description = _(
        "Deals with each company: won, lost, in progress and the share won. Deals without "
        "a company make a line of their own."
    )
    filters = DEAL_FILTERS
    chart = Chart("bar", "company", ("won", "lost", "in_progress"))
    limit = 500  # companies listed, those with the most deals first; the totals count all

    def run(self, *, actor, params: dict) -> ReportResult:
        ids = stage_ids()
        won, lost = in_stages(ids[WON]), in_stages(ids[LOST])
        figures = {
            "deals": Count("pk"),
            "won": Count("pk", filter=won),
            "lost": Count("pk", filter=lost),
        }
        listed = list(
            deals_filtered(report_deals(actor), params)
            .order_by()
            .values("company_id")
            .annotate(**figures, **over_all_groups(figures))
            .order_by("-deals", F("company_id").asc(nulls_last=True))[: self.limit + 1]
        )
        titles = company_titles(row["company_id"] for row in listed)
        rows = [
            {
                "company_id": row["company_id"],
                "company": titles.get(row["company_id"], _("Without a company")),
                "deals": row["deals"],
                "won": row["won"],
                "lost": row["lost"],
                "in_progress": row["deals"] - row["won"] - row["lost"],
                "won_share": share(row["won"], row["deals"]),
            }
            for row in listed[: self.limit]
        ]
        totals = {"company": _("Total"), **all_groups_totals(listed, figures)}
        totals["in_progress"] = totals["deals"] - totals["won"] - totals["lost"]
        totals["won_share"] = share(totals["won"], totals["deals"])
        if len(listed) > self.limit:
            totals["note"] = companies_note(self.limit)
        return ReportResult(columns=self.columns(), rows=rows, totals=totals)

    @staticmethod
    def columns() -> list[Column]:
        return [
            Column("company", _("Company")),
            Column("deals", _("Deals"), "number"),
            Column("won", _("Won"), "number"),
            Column("lost", _("Lost"), "number"),
            Column("in_progress", _("In progress"), "number"),
            Column("won_share", _("Won, %"), "percent"),
        ]


# --- won deals and revenue ---------------------------------------------------------------


def won_deals(actor, params: dict) -> QuerySet[Deal]:
    """The won deals the actor may view, filtered, the period applying to the closing date."""
    deals = deals_filtered(report_deals(actor), params, date_field="closed_at")
    return deals.filter(in_stages(stage_ids()[WON]))


@register
class RevenueByCompanyReport(Report):
    key = "revenue_by_company"
    title = _("Revenue by company")
    description = _(
        "Revenue from the deals won with each company and its share of the total; the period "
        "applies to the closing date."
    )
    filters = DEAL_FILTERS
    chart = Chart("pie", "company", ("revenue",))
    limit = 500  # companies listed, the most revenue first; the totals count all

    def run(self, *, actor, params: dict) -> ReportResult:
        figures = {"deals": Count("pk"), "revenue": sum_in_base()}
        listed = list(
            won_deals(actor, params)
            .order_by()
            .values("company_id")
            .annotate(**figures, **over_all_groups(figures))
            .order_by("-revenue", F("company_id").asc(nulls_last=True))[: self.limit + 1]
        )
        titles = company_titles(row["company_id"] for row in listed)
        totals = {"company": _("Total"), **all_groups_totals(listed, figures)}
        totals["revenue"] = money(totals["revenue"])
        rows = [
            {
                "company_id": row["company_id"],
                "company": titles.get(row["company_id"], _("Without a company")),
                "deals": row["deals"],
                "revenue": money(row["revenue"]),
                "share": share(money(row["revenue"]), totals["revenue"]),
            }
            for row in listed[: self.limit]
        ]
        totals["share"] = share(totals["revenue"], totals["revenue"])
        if len(listed) > self.limit:
            totals["note"] = companies_note(self.limit)
        return ReportResult(columns=self.columns(), rows=rows, totals=totals)

    @staticmethod
    def columns() -> list[Column]:
        return [
            Column("company", _("Company")),
            Column("deals", _("Won deals"), "number"),
            Column("revenue", _("Revenue"), "money"),
            Column("share", _("Share, %"), "percent"),
        ]


@register
class WonDealsReport(Report):
    key = "won_deals"
    title = _("Won deals")
    description = _(
        "The deals won, the last closed first (at most 500 lines); the period applies to the "
        "closing date."
    )
    filters = DEAL_FILTERS
    chart = None
    limit = WON_DEALS_LIMIT

    def run(self, *, actor, params: dict) -> ReportResult:
        # The window functions count and sum every matching deal before the limit cuts.
        listed = list(
            won_deals(actor, params)
            .values("pk", "title", "closed_at")
            .annotate(
                amount_in_base=ExpressionWrapper(AMOUNT_IN_BASE, output_field=MONEY),
                total_deals=Window(Count("pk")),
                total_amount=Window(Sum(AMOUNT_IN_BASE), output_field=MONEY),
                # looked up for the listed rows only (PostgreSQL evaluates them after the limit)
                company__title=company_title(),
                **responsible_names(),
            )
            .order_by("-closed_at", "-pk")[: self.limit]
        )
        rows = [
            {
                "deal_id": row["pk"],
                "title": row["title"],
                "company": row["company__title"] or "",
                "responsible": person_name(row),
                "amount": money(row["amount_in_base"]),
                "closed": timezone.localdate(row["closed_at"]) if row["closed_at"] else None,
            }
            for row in listed
        ]
        count = listed[0]["total_deals"] if listed else 0
        totals = {
            "title": _("Total"),
            "deals": count,
            "amount": money(listed[0]["total_amount"] if listed else None),
        }
        if count > len(rows):
            totals["note"] = _(
                "The %(shown)d deals closed last of %(count)d are listed; the total counts "
                "them all."
            ) % {"shown": len(rows), "count": count}
        return ReportResult(columns=self.columns(), rows=rows, totals=totals)

    @staticmethod
    def columns() -> list[Column]:
        return [
            Column("title", _("Deal")),
            Column("company", _("Company")),
            Column("responsible", _("Responsible")),
            Column("amount", _("Amount"), "money"),
            Column("closed", _("Closed"), "date"),
        ]


# --- open deals --------------------------------------------------------------------------


def open_deals(actor, params: dict) -> QuerySet[Deal]:
    """The open (in progress) deals the actor may view, filtered."""
    return deals_filtered(report_deals(actor), params).filter(in_stages(stage_ids()[IN_PROGRESS]))


@register
class OverdueDealsReport(Report):
    key = "overdue_deals"
    title = _("Overdue deals")
    description = _(
        "Open deals whose expected close date has passed, by responsible: how many, for what "
        "amount, and the longest overdue."
    )
    filters = OPEN_DEAL_FILTERS
    chart = Chart("bar", "manager", ("amount",))

    def run(self, *, actor, params: dict) -> ReportResult:
        today = today_of(params)
        grouped = by_responsible(
            open_deals(actor, params).filter(closes_on__lt=today),
            deals=Count("pk"),
            amount_in_base=sum_in_base(),
            oldest=Min("closes_on"),
        )
        rows = [
            {
                "manager": person_name(row),
                "deals": row["deals"],
                "amount": money(row["amount_in_base"]),
                "oldest": row["oldest"],
                "days_overdue": (today - row["oldest"]).days,
            }
            for row in grouped
        ]
        totals = sum_totals(rows, ("deals", "amount"), manager=_("Total"))
        totals["oldest"] = min((row["oldest"] for row in rows), default=None)
        totals["days_overdue"] = max((row["days_overdue"] for row in rows), default=0)
        return ReportResult(columns=self.columns(), rows=rows, totals=totals)

    @staticmethod
    def columns() -> list[Column]:
        return [
            Column("manager", _("Manager")),
            Column("deals", _("Overdue deals"), "number"),
            Column("amount", _("Amount"), "money"),
            Column("oldest", _("Oldest expected close date"), "date"),
            Column("days_overdue", _("Overdue by, days"), "number"),
        ]


@register
class ExpectedSalesReport(Report):
    key = "expected_sales"
    title = _("Expected sales")
    description = _(
        "Open deals expected to close from today to the horizon (30 days unless chosen), by "
        "responsible: how many, their amount, and the amount weighted by each deal's "
        "probability. A deal without a probability counts as zero in the weighted amount."
    )
    filters = (*OPEN_DEAL_FILTERS, "horizon_days")
    chart = Chart("bar", "manager", ("amount", "weighted_amount"))
    default_horizon_days = 30

    def run(self, *, actor, params: dict) -> ReportResult:
        today = today_of(params)
        horizon = today + datetime.timedelta(
            days=params.get("horizon_days") or self.default_horizon_days
        )
        percent = Coalesce(F("probability"), 0) * Value(Decimal("0.01"))
        grouped = by_responsible(
            open_deals(actor, params).filter(closes_on__gte=today, closes_on__lte=horizon),
            deals=Count("pk"),
            amount_in_base=sum_in_base(),
            weighted_in_base=Sum(AMOUNT_IN_BASE * percent, output_field=MONEY),
        )
        rows = [
            {
                "manager": person_name(row),
                "deals": row["deals"],
                "amount": money(row["amount_in_base"]),
                "weighted_amount": money(row["weighted_in_base"]),
            }
            for row in grouped
        ]
        totals = sum_totals(rows, ("deals", "amount", "weighted_amount"), manager=_("Total"))
        return ReportResult(columns=self.columns(), rows=rows, totals=totals)

    @staticmethod
    def columns() -> list[Column]:
        return [
            Column("manager", _("Manager")),
            Column("deals", _("Deals"), "number"),
            Column("amount", _("Amount"), "money"),
            Column("weighted_amount", _("Weighted by probability"), "money"),
        ]


@register
class OpenDealsByStageReport(Report):
    key = "open_deals_by_stage"
    title = _("Open deals by stage")
    description = _(
        "Open deals in each stage of a pipeline (the default one unless chosen), in stage "
        "order: how many, their share, and their amount."
    )
    filters = DEAL_FILTERS
    chart = Chart("funnel", "stage", ("deals",))

    def run(self, *, actor, params: dict) -> ReportResult:
        pipeline = params.get("pipeline") or default_pipeline_id()
        stages = list(
            stages_visible(actor, Stage.objects.filter(pipeline=pipeline, semantics=IN_PROGRESS))
            .order_by("sort", "pk")
            .values("pk", "name")
        )
        grouped = {
            row["stage_id"]: row
            for row in open_deals(actor, params)
            .filter(stage_id__in=[stage["pk"] for stage in stages])
            .order_by()
            .values("stage_id")
            .annotate(deals=Count("pk"), amount_in_base=sum_in_base())
        }
        rows = [
            {
                "stage_id": stage["pk"],
                "stage": stage["name"],
                "deals": grouped.get(stage["pk"], {}).get("deals", 0),
                "amount": money(grouped.get(stage["pk"], {}).get("amount_in_base")),
            }
            for stage in stages
        ]
        totals = sum_totals(rows, ("deals", "amount"), stage=_("Total"))
        for row in rows:
            row["share"] = share(row["deals"], totals["deals"])
        totals["share"] = share(totals["deals"], totals["deals"])
        return ReportResult(columns=self.columns(), rows=rows, totals=totals)

    @staticmethod
    def columns() -> list[Column]:
        return [
            Column("stage", _("Stage")),
            Column("deals", _("Deals"), "number"),
            Column("share", _("Share, %"), "percent"),
            Column("amount", _("Amount"), "money"),
        ]


# --- products ----------------------------------------------------------------------------


def section_titles(paths: set[str]) -> dict[str, str]:
    """Each section path's full name, "Root / Child / Section", in one query for all."""
    steplen = Section.steplen
    ancestry = {
        path: [path[:end] for end in range(steplen, len(path) + 1, steplen)] for path in paths
    }
    names = dict(
        Section.objects.filter(
            path__in={prefix for prefixes in ancestry.values() for prefix in prefixes}
        ).values_list("path", "name")
    )
    return {
        path: " / ".join(names[prefix] for prefix in prefixes if prefix in names)
        for path, prefixes in ancestry.items()
    }


@register
class RevenueByProductReport(Report):
    key = "revenue_by_product"
    title = _("Revenue by product")
    description = _(
        "The product rows of won deals, by product: quantity and amount (after discount, with "
        "tax), with the product's catalog section; rows not from the catalog are grouped by "
        "name. The period applies to the closing date."
    )
    filters = (*DEAL_FILTERS, "section")
    chart = Chart("bar", "product", ("amount",))

    def run(self, *, actor, params: dict) -> ReportResult:
        # Grouped from the deals' side: the scope and the filters apply to the deals' own
        # scan, joined to their product rows (all the row conditions in one filter() so that
        # they share that join); the products' names follow in a second query.
        not_from_catalog = Q(product_rows__product__isnull=True)
        rows_of = {"product_rows__isnull": False}
        if params.get("section"):
            rows_of["product_rows__product__section__path__startswith"] = params["section"].path
        grouped = list(
            won_deals(actor, params)
            .filter(**rows_of)
            .order_by()
            .values(
                product_id=F("product_rows__product_id"),
                # rows not from the catalog group by their name and unit
                row_name=Case(When(not_from_catalog, then=F("product_rows__product_name"))),
                row_measure=Case(When(not_from_catalog, then=F("product_rows__measure"))),
            )
            .annotate(
                total_quantity=Sum("product_rows__quantity"),
                amount_in_base=Sum(
                    F("product_rows__line_total") * F("currency__rate"), output_field=MONEY
                ),
            )
            .order_by(
                "-amount_in_base", F("product_id").asc(nulls_last=True), "row_name", "row_measure"
            )
        )
        products = {
            product["pk"]: product
            for product in Product._base_manager.filter(
                pk__in={row["product_id"] for row in grouped if row["product_id"]}
            ).values("pk", "name", "measure", section_path=F("section__path"))
        }
        for row in grouped:
            product = products.get(row["product_id"], {})
            row["name"] = product.get("name", row["row_name"])
            row["measure_code"] = product.get("measure", row["row_measure"])
            row["section_path"] = product.get("section_path")
        sections = section_titles({row["section_path"] for row in grouped if row["section_path"]})
        measures = dict(Product.Measure.choices)
        rows = [
            {
                "product_id": row["product_id"],
                "product": row["name"],
                "section": sections.get(row["section_path"], ""),
                "quantity": row["total_quantity"],
                "measure": measures.get(row["measure_code"], row["measure_code"]),
                "amount": money(row["amount_in_base"]),
            }
            for row in grouped
        ]
        totals = sum_totals(rows, ("amount",), product=_("Total"))
        for row in rows:
            row["share"] = share(row["amount"], totals["amount"])
        totals["share"] = share(totals["amount"], totals["amount"])
        return ReportResult(columns=self.columns(), rows=rows, totals=totals)

    @staticmethod
    def columns() -> list[Column]:
        return [
            Column("product", _("Product")),
            Column("section", _("Section")),
            Column("quantity", _("Quantity"), "number"),
            Column("measure", _("Unit")),
            Column("amount", _("Amount"), "money"),
            Column("share", _("Share, %"), "percent"),
        ]
