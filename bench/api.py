"""Benchmark "api": the REST API under N deals, as a script with a token uses it.

Tops the database up to N deals, takes a director's token (a role that sees every deal and
may add leads) and times, through the whole request (token lookup, throttle, policy, query,
serialisation):
  - GET /api/v1/deals/?responsible=<a manager>&stage=<a stage>: a cursor page of 50;
  - POST /api/v1/leads/: a new lead each time (lead_create, with its timeline and event).

Figures: list_p50_ms, list_p95_ms, list_queries, create_p50_ms, create_p95_ms.
"""

import itertools

from django.db.models import Count
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import PermissionAction, PermissionEntity
from accounts.services import api_token_create
from deals.models import Deal

from . import seeding
from .pages import measure
from .people import SEES_EVERY_DEAL, role_granting, staff_holding
from .reporting import log, report

BENCH = "api"
ROLE = "Бенчмарк: API"
SCRIPT_USER = "bench.api"


def run(*, size: int, seed: int) -> None:
    added = seeding.seed_up_to(size, random_seed=seed)
    log(f"seeded {added} deals; the database holds {Deal.objects.count()}")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {_script_token()}")
    # a busy manager's busiest stage: the filter a script would use for a daily export
    busiest = (
        Deal.objects.values("responsible_id", "stage_id").order_by()
        .annotate(n=Count("pk")).order_by("-n").first()
    )  # fmt: skip
    list_url = f"{reverse('api:deal-list')}?responsible={busiest['responsible_id']}&stage={busiest['stage_id']}"
    log(f"list: {list_url} ({busiest['n']} deals match)")

    listing = measure(lambda: api.get(list_url), expect=200)
    numbers = itertools.count(1)
    creating = measure(
        lambda: api.post(reverse("api:lead-list"), {"title": f"Benchmark lead {next(numbers)}"}),
        expect=201,
    )

    report(bench=BENCH, metric="list_p50_ms", value=listing.p50_ms, unit="ms", size=size)
    report(bench=BENCH, metric="list_p95_ms", value=listing.p95_ms, unit="ms", size=size)
    report(bench=BENCH, metric="list_queries", value=listing.queries, unit="queries", size=size)
    report(bench=BENCH, metric="create_p50_ms", value=creating.p50_ms, unit="ms", size=size)
    report(bench=BENCH, metric="create_p95_ms", value=creating.p95_ms, unit="ms", size=size)


def _script_token() -> str:
    """A fresh token of a user whose role sees all deals and leads and may add leads."""
    role = role_granting(ROLE, (*SEES_EVERY_DEAL, (PermissionEntity.LEAD, PermissionAction.VIEW),
                                (PermissionEntity.LEAD, PermissionAction.ADD)))  # fmt: skip
    user = staff_holding(role, username=SCRIPT_USER, last_name="API")
    _row, token = api_token_create(user=user, name="benchmark")
    return token
