"""What a report is: a registered class that computes a table (columns and rows) in the
database, within the user's permission scope, from the filters it accepts; and which chart
draws it. The pages, the CSV export, the API and the builder all show a ReportResult.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import DecimalField, F, Func, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.expressions import CombinedExpression
from django.utils.functional import Promise

from catalog.pricing import round_money


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    # text, number, money (in the base currency), percent, duration (seconds), date
    kind: str = "text"


@dataclass(frozen=True)
class Chart:
    kind: str  # bar, funnel, pie, line
    label: str  # the column whose values name the bars / slices / points
    values: tuple[str, ...]  # the columns plotted


@dataclass
class ReportResult:
    columns: list[Column]
    rows: list[dict[str, Any]]
    totals: dict[str, Any] = field(default_factory=dict)


class Report:
    """A standard report. `filters` names the fields of reports.filters.ReportFilterForm it
    accepts; `run` returns its table in a bounded number of queries whatever the data."""

    key: ClassVar[str]
    title: ClassVar[str | Promise]
    description: ClassVar[str | Promise] = ""
    filters: ClassVar[tuple[str, ...]] = ()
    chart: ClassVar[Chart | None] = None

    def run(self, *, actor: AbstractBaseUser, params: dict) -> ReportResult:
        raise NotImplementedError


class ReportRegistry:
    def __init__(self):
        self._reports: dict[str, Report] = {}

    def register(self, report_class: type[Report]) -> type[Report]:
        if report_class.key in self._reports:
            raise ValueError(f"Two reports with the key {report_class.key}")
        self._reports[report_class.key] = report_class()
        return report_class

    def get(self, key: str) -> Report:
        """The report of that key; LookupError for an unknown one."""
        try:
            return self._reports[key]
        except KeyError:
            raise LookupError(key) from None

    def all(self) -> list[Report]:
        return list(self._reports.values())


REPORTS = ReportRegistry()
register = REPORTS.register

MONEY = DecimalField(max_digits=30, decimal_places=2)


def amount_in_base(relation: str = "") -> CombinedExpression:
    """AMOUNT_IN_BASE of the deal reached through `relation` ("deal__" from a deal's row)."""
    return F(f"{relation}amount") * F(f"{relation}currency__rate")


# an item's amount in the base currency (the rate of its currency to the base one)
AMOUNT_IN_BASE = amount_in_base()


def sum_in_base(*conditions: Q, **lookups) -> Sum:
    """Sum of amounts in the base currency, of the rows matching `conditions` and `lookups` (a
    filtered aggregate: one GROUP BY computes several sums)."""
    matching = Q(*conditions, **lookups)
    return Sum(AMOUNT_IN_BASE, filter=matching or None, output_field=MONEY)


def share(part: int | Decimal, whole: int | Decimal) -> Decimal:
    """part / whole in percent, rounded to one decimal; 0 for an empty whole."""
    if not whole:
        return Decimal("0.0")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def money(value: Decimal | None) -> Decimal:
    """A sum from the database in cents (an empty sum is 0)."""
    return round_money(value) if value is not None else Decimal("0.00")


class OverAllGroups(Func):
    """SUM(<aggregate>) OVER (): in a grouped query, the aggregate summed over every group, on
    each row; so a list cut to its first lines still carries the whole total."""

    template = "SUM(%(expressions)s) OVER ()"


def over_all_groups(aggregates: dict) -> dict:
    """OverAllGroups of each of `aggregates`, under the key `all_<name>`."""
    return {
        f"all_{name}": OverAllGroups(aggregate, output_field=aggregate.output_field)
        for name, aggregate in aggregates.items()
    }


def all_groups_totals(listed: list[dict], aggregates: dict) -> dict:
    """The totals an over_all_groups query carries on its rows (zeros when there are none)."""
    first = listed[0] if listed else {}
    return {name: first.get(f"all_{name}") or 0 for name in aggregates}


def sum_totals(rows: list[dict], keys: tuple[str, ...], **fixed) -> dict:
    """The total line: `fixed` values and the sum of each of `keys` over the rows."""
    return fixed | {key: sum((row[key] for row in rows), 0) for key in keys}


def person_name(row: dict, prefix: str = "responsible") -> str:
    """A person's name from a values() row: "Last First", else the login, else a dash."""
    name = " ".join(
        part for part in (row.get(f"{prefix}__last_name"), row.get(f"{prefix}__first_name"))
        if part
    )  # fmt: skip
    return name or row.get(f"{prefix}__username") or "—"


def responsible_names(key: str = "responsible_id") -> dict[str, Subquery]:
    """The responsible's name fields, as person_name reads them, each looked up by the key
    `key` (a correlated subquery). Given to an annotate() of its own after the aggregates, the
    GROUP BY stays on the key alone and the names are fetched once per group."""
    users = get_user_model()._base_manager.filter(pk=OuterRef(key)).order_by()
    return {
        f"responsible__{field}": Subquery(users.values(field)[:1])
        for field in ("last_name", "first_name", "username")
    }


def by_responsible(queryset: QuerySet, /, **aggregates) -> list[dict]:
    """`aggregates` per responsible, with their names (as person_name reads them), in the
    order of the names; those without a responsible last. Two queries: the grouped one stays
    free of lookups into other tables, which would keep PostgreSQL from aggregating in
    parallel; then the names of the groups' users, sorted by the database."""
    groups = {
        row["responsible_id"]: row
        for row in queryset.order_by().values("responsible_id").annotate(**aggregates)
    }
    users = (
        get_user_model()
        ._base_manager.filter(pk__in=[key for key in groups if key is not None])
        .order_by("last_name", "first_name", "pk")
        .values("pk", "last_name", "first_name", "username")
    )
    named = [
        groups.pop(user["pk"])
        | {
            f"responsible__{field}": user[field]
            for field in ("last_name", "first_name", "username")
        }
        for user in users
    ]
    return named + list(groups.values())  # what is left: no responsible
