"""What every kanban shares (deals by stage, leads by status): its columns with their count
and sum in the base currency aggregated in the database, keyset paging of a column's cards,
the cursor a column's "load more" carries, and the quick add box (its form, and its answer
when the new card is refused). The markup is templates/includes/board*.html.

The boards themselves (which columns, what a card shows) stay in each app's selectors.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.db.models import Count, DecimalField, F, Model, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from core.templatetags.crm import money

Cursor = tuple[datetime.datetime, int]
CENT = Decimal("0.01")


@dataclass
class BoardColumn:
    """One column of a kanban: the stage or status it stands for (`group`), how many items and
    what sum (in the base currency) it holds under the current filters, and its first cards."""

    group: Model
    count: int = 0
    total: Decimal = Decimal(0)
    cards: list = field(default_factory=list)
    has_more: bool = False


def board_columns(
    items: QuerySet, *, groups: Iterable[Model], group_field: str, size: int
) -> list[BoardColumn]:
    """A column per group (e.g. the stages of a pipeline) with the totals of the `items` whose
    `group_field` (e.g. "stage") is that group, and their newest `size` cards.

    Costs one aggregate query plus one per group, whatever the number of items."""
    totals = column_totals(items, column=f"{group_field}_id")
    columns = []
    for group in groups:
        count, total = totals.get(group.pk, (0, Decimal(0)))
        cards, has_more = keyset_page(items.filter(**{group_field: group}), size=size)
        columns.append(BoardColumn(group, count, total, cards, has_more))
    return columns


def column_totals(items: QuerySet, *, column: str) -> dict[int, tuple[int, Decimal]]:
    """Count and sum of `amount` converted to the base currency (`amount * currency.rate`) per
    value of `column` (e.g. "stage_id"): one aggregate query, whatever the number of items."""
    in_base = F("amount") * F("currency__rate")
    rows = (
        items.order_by()
        .values(column)
        .annotate(
            count=Count("pk"),
            total=Sum(in_base, output_field=DecimalField(max_digits=30, decimal_places=2)),
        )
    )
    return {
        row[column]: (row["count"], (row["total"] or Decimal(0)).quantize(CENT)) for row in rows
    }


def column_totals_json(totals: dict[int, tuple[int, Decimal]], currency) -> dict:
    """Totals as a board's script shows them after a drop: {column id: {count, total}}."""
    return {
        key: {"count": count, "total": money(total, currency)}
        for key, (count, total) in totals.items()
    }


def keyset_page(items: QuerySet, *, after: Cursor | None = None, size: int) -> tuple[list, bool]:
    """The next `size` items, newest first, after the item (`created_at`, `id`) a column last
    showed, and whether more follow: keyset paging, as fast on page 500 as on page 1."""
    items = items.order_by("-created_at", "-id")
    if after is not None:
        created_at, item_id = after
        items = items.filter(
            Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=item_id)
        )
    page = list(items[: size + 1])
    return page[:size], len(page) > size


def cursor_parse(value: str) -> Cursor | None:
    """`<created_at ISO>_<id>` (as a column's "load more" link carries it) → (moment, id), or
    None when it is not one."""
    created_at, _sep, item_id = value.rpartition("_")
    moment = parse_datetime(created_at) if created_at else None
    return (moment, int(item_id)) if moment and item_id.isdigit() else None


class QuickAddForm(forms.Form):
    """A kanban's add box at the top of a column: the title and amount of a new card."""

    title = forms.CharField(max_length=255, label=_("Title"))
    amount = forms.DecimalField(
        required=False, min_value=0, max_digits=18, decimal_places=2, label=_("Amount")
    )


def quick_add_refused(request: HttpRequest, form: forms.Form, *, errors_id: str) -> HttpResponse:
    """The quick add box's errors, put (by htmx) into the element `errors_id` under the box
    instead of a new card."""
    response = render(request, "includes/quick_add_errors.html", {"form": form})
    response["HX-Retarget"] = f"#{errors_id}"
    response["HX-Reswap"] = "innerHTML"
    return response
