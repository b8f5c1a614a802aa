"""What every kanban shares (deals by stage, leads by status): a column's count and sum in the
base currency aggregated in the database, keyset paging of a column's cards, and the cursor a
column's "load more" carries.

The boards themselves (which columns, what a card shows) stay in each app's selectors.
"""

import datetime
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum
from django.utils.dateparse import parse_datetime

from core.templatetags.crm import money

Cursor = tuple[datetime.datetime, int]
CENT = Decimal("0.01")


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
