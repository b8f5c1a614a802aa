"""Benchmark "kanban": the deal board of one pipeline holding N deals, for a director.

Tops the database up so that the seeder's busier pipeline holds about N deals (it gets 75% of
all deals: bench.deal_rows.PIPELINE_SHARES), gives a director a role that sees every deal, and
requests the board page (/deals/?pipeline=…) repeatedly: server time from the session to the
rendered HTML, with every column's count and base-currency sum aggregated over all N deals
and the first cards of each column.

Figures: p50_ms, p95_ms, queries (per board: the same at every N), pipeline_deals (the deals
actually on the board).
"""

import math

from django.db.models import Count
from django.urls import reverse

from accounts.models import User
from deals.models import Deal

from . import seeding
from .deal_rows import PIPELINE_SHARES
from .pages import time_page
from .people import SEES_EVERY_DEAL, role_granting, staff_holding
from .reporting import log, report

BENCH = "kanban"
ROLE = "Бенчмарк: директор"
DIRECTOR = "bench.director"


def run(*, size: int, seed: int) -> None:
    busy_share = PIPELINE_SHARES[0] / sum(PIPELINE_SHARES)
    added = seeding.seed_up_to(math.ceil(size / busy_share), random_seed=seed)
    log(f"seeded {added} deals; the database holds {Deal.objects.count()}")
    busiest = (
        Deal.objects.values("pipeline_id").order_by().annotate(n=Count("pk")).order_by("-n").first()
    )
    director = _director()
    url = f"{reverse('deals:board')}?pipeline={busiest['pipeline_id']}"
    log(f"board: {url} with {busiest['n']} deals, for {director.username}")

    page = time_page(director, url)

    report(bench=BENCH, metric="p50_ms", value=page.p50_ms, unit="ms", size=size)
    report(bench=BENCH, metric="p95_ms", value=page.p95_ms, unit="ms", size=size)
    report(bench=BENCH, metric="queries", value=page.queries, unit="queries", size=size)
    report(bench=BENCH, metric="pipeline_deals", value=busiest["n"], unit="deals", size=size)


def _director() -> User:
    """A member of staff whose role sees every deal."""
    return staff_holding(role_granting(ROLE, SEES_EVERY_DEAL), username=DIRECTOR,
                         last_name="Директор")  # fmt: skip
