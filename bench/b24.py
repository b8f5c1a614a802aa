"""Benchmark "b24": the Bitrix24-compatible REST under N deals, as a shop module calls it.

Tops the database up to N deals, makes an incoming webhook of a director (a role that sees
every deal) and times, through the whole request (webhook lookup, parameters, policy,
queries, Bitrix24's envelope):
  - crm.deal.list filtered by a busy manager and one stage of theirs, ordered by ID: the
    first page of 50 with its total;
  - a batch of 50 commands reading that filter's pages (start=0, 50, … 2450), which is how
    the SDKs fetch every page of a list.

Figures: list_p50_ms, list_p95_ms, list_queries, batch50_p50_ms, batch50_p95_ms.
"""

from django.db.models import Count
from django.test import Client

from b24.services import webhook_create
from b24.stages import stage_id_show
from deals.models import Deal

from . import seeding
from .pages import measure
from .people import SEES_EVERY_DEAL, role_granting, staff_holding
from .reporting import log, report

BENCH = "b24"
ROLE = "Бенчмарк: вебхук Битрикс24"
SCRIPT_USER = "bench.b24"
BATCH = 50


def run(*, size: int, seed: int) -> None:
    added = seeding.seed_up_to(size, random_seed=seed)
    log(f"seeded {added} deals; the database holds {Deal.objects.count()}")
    base = _webhook_url()
    busiest = (
        Deal.objects.values("responsible_id", "pipeline_id", "stage_id").order_by()
        .annotate(n=Count("pk")).order_by("-n").first()
    )  # fmt: skip
    condition = (f"filter[ASSIGNED_BY_ID]={busiest['responsible_id']}"
                 f"&filter[STAGE_ID]={stage_id_show(busiest['pipeline_id'], busiest['stage_id'])}")  # fmt: skip
    query = f"{condition}&order[ID]=ASC&select[]=ID&select[]=TITLE&select[]=OPPORTUNITY"
    log(f"list: crm.deal.list?{query} ({busiest['n']} deals match)")
    commands = {f"page{n}": f"crm.deal.list?{query}&start={n * 50}" for n in range(BATCH)}
    client = Client()

    listing = measure(lambda: client.get(f"{base}crm.deal.list.json?{query}"), expect=200)
    batch = measure(
        lambda: client.post(f"{base}batch.json", {"halt": 0, "cmd": commands},
                            content_type="application/json"),
        expect=200, repeats=10,
    )  # fmt: skip

    report(bench=BENCH, metric="list_p50_ms", value=listing.p50_ms, unit="ms", size=size)
    report(bench=BENCH, metric="list_p95_ms", value=listing.p95_ms, unit="ms", size=size)
    report(bench=BENCH, metric="list_queries", value=listing.queries, unit="queries", size=size)
    report(bench=BENCH, metric="batch50_p50_ms", value=batch.p50_ms, unit="ms", size=size)
    report(bench=BENCH, metric="batch50_p95_ms", value=batch.p95_ms, unit="ms", size=size)


def _webhook_url() -> str:
    """A fresh webhook of a user whose role sees every deal: its base path."""
    user = staff_holding(role_granting(ROLE, SEES_EVERY_DEAL), username=SCRIPT_USER,
                         last_name="Вебхук")  # fmt: skip
    _webhook, code = webhook_create(user=user, name="benchmark", scopes=["crm"])
    return f"/rest/{user.pk}/{code}/"
