"""The standard reports about deals."""

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from ..definitions import Chart, Column, Report, ReportResult, register, share, sum_in_base
from ..filters import DEAL_FILTERS, deals_filtered
from ..scope import report_deals

WON, LOST = "won", "lost"


def person_name(row: dict, prefix: str = "responsible") -> str:
    """A person's name from a values() row: "Last First", else the login, else a dash."""
    name = " ".join(
        part for part in (row.get(f"{prefix}__last_name"), row.get(f"{prefix}__first_name"))
        if part
    )  # fmt: skip
    return name or row.get(f"{prefix}__username") or "—"


@register
class DealsByManagerReport(Report):
    key = "deals_by_manager"
    title = _("Deal volume by manager")
    description = _("Deals worked by each manager, the share won and lost, revenue from won.")
    filters = DEAL_FILTERS
    chart = Chart("bar", "manager", ("won", "lost", "in_progress"))

    def run(self, *, actor, params: dict) -> ReportResult:
        deals = deals_filtered(report_deals(actor), params)
        grouped = (
            deals.order_by()
            .values(
                "responsible_id",
                "responsible__last_name",
                "responsible__first_name",
                "responsible__username",
            )  # fmt: skip
            .annotate(
                deals=Count("pk"),
                won=Count("pk", filter=Q(stage__semantics=WON)),
                lost=Count("pk", filter=Q(stage__semantics=LOST)),
                revenue=sum_in_base(stage__semantics=WON),
            )
            .order_by("responsible__last_name", "responsible__first_name", "responsible_id")
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
        totals = {
            "manager": _("Total"),
            **{
                key: sum(row[key] for row in rows)
                for key in ("deals", "in_progress", "won", "lost", "revenue")
            },  # fmt: skip
        }
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
