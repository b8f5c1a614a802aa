"""Benchmark "access": the first page of the deal list scoped to a head of department.

Tops the database up to N deals (bench.seeding.seed_up_to), spread over a tree of 50
departments and, at N = 1,000,000, 500 managers. The head of "Оптовые продажи" gets a role
that lets them view the deals of their department and its sub-departments, and the deal list
page (/deals/list/) is requested for them: the whole server time of the page, from the
session to the rendered HTML.

Figures: p50_ms, p95_ms, queries (per page), visible_share (deals in scope / all deals).
The PostgreSQL plan of the page's query goes to stderr; `uses_index` is 1 when it reads an
index rather than scanning the deals table.
"""

from django.db import connection
from django.urls import reverse

from accounts.models import Department, PermissionScope
from deals.models import Deal
from deals.selectors import deal_list

from . import seeding
from .pages import time_page
from .people import SEES_EVERY_DEAL, role_granting
from .reporting import log, report

BENCH = "access"
PAGE = 50
DIVISION = "Оптовые продажи"
ROLE = "Бенчмарк: руководитель отдела"


def run(*, size: int, seed: int) -> None:
    added = seeding.seed_up_to(size, random_seed=seed)
    log(f"seeded {added} deals; the database holds {Deal.objects.count()}")
    head = _head_of_division()

    page = time_page(head, reverse("deals:list"))
    plan = _plan(deal_list(actor=head)[:PAGE])
    log(f"plan of the page's query:\n{plan}")
    visible = deal_list(actor=head).count()

    report(
        bench=BENCH,
        metric="p50_ms",
        value=page.p50_ms,
        unit="ms",
        size=size,
    )
    report(bench=BENCH, metric="p95_ms", value=page.p95_ms, unit="ms", size=size)
    report(bench=BENCH, metric="queries", value=page.queries, unit="queries", size=size)
    report(
        bench=BENCH,
        metric="visible_share",
        value=round(visible / Deal.objects.count(), 3),
        unit="ratio",
        size=size,
    )
    report(
        bench=BENCH,
        metric="uses_index",
        value=int("Seq Scan on deals_deal" not in plan),
        unit="bool",
        size=size,
    )


def _head_of_division():
    """The head of DIVISION, holding only a role that views deals of the department and below."""
    division = Department.objects.get(name=DIVISION)
    role = role_granting(ROLE, SEES_EVERY_DEAL, PermissionScope.SUBDEPARTMENTS)
    head = division.head
    head.roles.set([role])
    log(f"head: {head.username} of {division.name}")
    return head


def _plan(queryset) -> str:
    if connection.vendor == "postgresql":
        return queryset.explain(analyze=True, buffers=True)
    return queryset.explain()
