"""What every list page shares: sorting by whitelisted columns and paging without a count.

A page is read as `per_page + 1` rows: the extra row only tells whether there is a next page,
so a list of a million rows costs the same as a list of fifty (the total is counted only on
request, see `count_url`).
"""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import QueryDict

PER_PAGE = 50


@dataclass(frozen=True)
class Column:
    """A list column: its `?sort=` key, its heading and the field it sorts by (empty: the
    column does not sort)."""

    key: str
    label: str
    ordering: str = ""


@dataclass(frozen=True)
class Page:
    rows: list
    number: int
    has_previous: bool
    has_next: bool
    sort: str


def sorted_rows(queryset: QuerySet, *, columns: list[Column], sort: str, default: str) -> tuple:
    """`queryset` ordered by the requested column (`key` or `-key`), else by `default`; the
    primary key breaks ties so that pages never overlap."""
    orderings = {column.key: column.ordering for column in columns if column.ordering}
    key = sort.removeprefix("-")
    if key not in orderings:
        sort, key = default, default.removeprefix("-")
    direction = "-" if sort.startswith("-") else ""
    return queryset.order_by(f"{direction}{orderings[key]}", f"{direction}pk"), sort


def page_of(
    queryset: QuerySet,
    query: QueryDict,
    *,
    columns: list[Column],
    default_sort: str,
    per_page: int = PER_PAGE,
) -> Page:
    """The page `?page=` of `queryset` sorted as `?sort=` asks."""
    queryset, sort = sorted_rows(
        queryset, columns=columns, sort=query.get("sort", ""), default=default_sort
    )
    try:
        number = max(1, int(query.get("page", 1)))
    except ValueError:
        number = 1
    offset = (number - 1) * per_page
    rows = list(queryset[offset : offset + per_page + 1])
    return Page(
        rows=rows[:per_page],
        number=number,
        has_previous=number > 1,
        has_next=len(rows) > per_page,
        sort=sort,
    )


def list_page_context(
    query: QueryDict, *, item_filter, columns: list[Column], default_sort: str
) -> dict:
    """What a list page's table, sort links and pager show: the filter (a django-filter
    FilterSet), the page `?page=` of its rows sorted as `?sort=` asks, the columns, and the
    query strings that keep the filters in the sort and page links."""
    return {
        "filter": item_filter,
        "page": page_of(item_filter.qs, query, columns=columns, default_sort=default_sort),
        "columns": columns,
        "query": query_without(query, "page", "sort"),
        "sort_query": query_without(query, "page"),
    }


def query_without(query: QueryDict, *names: str) -> str:
    """The query string minus `names` (to build sort and page links that keep the filters)."""
    kept = query.copy()
    for name in names:
        kept.pop(name, None)
    return kept.urlencode()
