"""The data set benchmarks start from: `seed(size)` adds `size` deals and everything around them.

For `size` deals it adds, in proportion:
  - ~size/10 companies (60 % with requisites, each with an office phone),
  - ~size/2 contacts, each with a mobile phone and an e-mail; 60 % work in a company and every
    company has exactly one decision maker,
  - ~size/2 leads across the lead statuses and sources; a quarter are converted, each into a
    contact and one of the deals; the advertised ones (and the deals made from them) belong to
    the campaign their utm_campaign names,
  - the deals, over the two seeder pipelines (mostly in progress, funnel-shaped; some won or
    lost with closed_at), created over the last two years, each with a primary contact, 1–3
    product rows, one stage change and ~2 activities bound to it,
  - the reference data they need (bench/reference_data.py), including max(10, size/2000)
    managers in a few departments, when it is missing.

This is a factory, not a use of the services: rows are written directly (COPY on PostgreSQL,
executemany elsewhere; see bench/bulk_insert.py), since going through the services would take
hours for a million deals. So it records no timeline events, sends no notifications and
publishes no events, and each deal has only the one stage change that put it in its stage
(from the first stage, or from nowhere for deals still in the first stage). The rows keep
every constraint of the models, and the amounts agree with catalog.pricing.

Work goes in chunks of DEALS_PER_CHUNK deals, each inserted in its own transaction, so memory
stays constant and an interrupted run leaves whole chunks. On PostgreSQL background threads
insert them while the next chunk is generated (bench/chunk_writer.py). Given the same seed and
the same database, the same rows come out (dates are relative to the start of the run);
running it again adds another set, which repeats the names and numbers unless another seed is
given.
"""

import logging
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from activities.models import Activity, ActivityBinding
from catalog.models import ProductRow
from contacts.models import Communication, Company, CompanyRequisite, Contact, ContactCompany
from core.copy_insert import ids_reserve
from deals.models import Deal, DealContact, DealStageChange
from leads.models import Lead

from .bulk_insert import Batch, BulkInserter
from .chunk_writer import ChunkWriter
from .client_rows import ClientGenerator
from .deal_rows import DealGenerator
from .moments import Moments
from .reference_data import ReferenceData, reference_data_ensure

logger = logging.getLogger(__name__)

DEALS_PER_CHUNK = 5_000  # so the largest batch (product rows, activities) stays under 15,000
DEALS_PER_MANAGER = 2_000
MINIMUM_MANAGERS = 10
PROGRESS_EVERY_SECONDS = 10
WRITER_THREADS = 2


@dataclass(frozen=True)
class SeedResult:
    deals: int
    rows: dict[str, int]  # table -> rows inserted (the reference data not counted)
    seconds: float
    reference: ReferenceData

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def seed_up_to(size: int, *, random_seed: int = 42) -> int:
    """Top the database up to `size` deals, so benchmarks of several areas can share one seeded
    database. Returns how many deals were added (0 when it already had enough). Managers are
    counted for `size`, whatever the database held before."""
    missing = size - Deal.objects.count()
    if missing <= 0:
        return 0
    existing = size - missing
    # another seed for each top-up, so a grown set does not repeat names and numbers
    seed(missing, seed=random_seed + existing, manager_count=_manager_count(size))
    return missing


def _manager_count(size: int) -> int:
    return max(MINIMUM_MANAGERS, size // DEALS_PER_MANAGER)


def seed(size: int, *, seed: int = 42, manager_count: int | None = None) -> SeedResult:
    """Add `size` deals with their clients, leads, product rows and activities (see the
    module docstring). Idempotent about reference data; every call adds a new set of deals.
    `manager_count` (default: one per 2,000 deals, at least 10) managers share the deals.
    Logs progress on the `bench.seeding` logger."""
    started = time.perf_counter()
    reference = reference_data_ensure(manager_count=manager_count or _manager_count(size))
    rng = random.Random(seed)
    moments = Moments(rng, timezone.now())
    clients = ClientGenerator(reference, rng, moments)
    deals = DealGenerator(reference, rng, moments)
    inserter = BulkInserter()
    done, last_report = 0, started
    with ChunkWriter(inserter, threads=_writer_threads()) as writer:
        for deal_count in _chunk_sizes(size):
            writer.write(_chunk_batches(deal_count, inserter, clients, deals))
            done += deal_count
            if time.perf_counter() - last_report >= PROGRESS_EVERY_SECONDS:
                last_report = time.perf_counter()
                rate = done / (last_report - started)
                logger.info("seeded %s of %s deals (%.0f deals/s)", done, size, rate)
    inserter.analyze(sorted(writer.rows_written))
    return SeedResult(
        deals=size,
        rows=dict(sorted(writer.rows_written.items())),
        seconds=time.perf_counter() - started,
        reference=reference,
    )


def _writer_threads() -> int:
    """Background writers on PostgreSQL. None on SQLite, which has a single writer, nor
    inside the caller's transaction: the rows must go into it, and other connections could
    not see the reference data it has not committed."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 0
    return WRITER_THREADS


def _chunk_sizes(size: int) -> Iterator[int]:
    full_chunks, rest = divmod(size, DEALS_PER_CHUNK)
    yield from [DEALS_PER_CHUNK] * full_chunks
    if rest:
        yield rest


def _chunk_batches(
    deal_count: int, inserter: BulkInserter, clients: ClientGenerator, deals: DealGenerator
) -> list[Batch]:
    """One chunk's rows, generated and prepared for insertion, parents before children."""
    company_count = max(1, deal_count // 10)
    contact_count = max(company_count, deal_count // 2)
    client_rows = clients.clients(
        ids_reserve(Company, company_count), ids_reserve(Contact, contact_count)
    )
    lead_rows = clients.leads(ids_reserve(Lead, deal_count // 2), client_rows.all_clients)
    deal_rows = deals.deals(ids_reserve(Deal, deal_count), client_rows, lead_rows.converted)
    activity_counts = deals.activity_counts(deal_count)
    activity_rows = deals.activities(
        deal_rows, activity_counts, ids_reserve(Activity, sum(activity_counts))
    )
    rows_by_model = [
        (Company, client_rows.companies),
        (CompanyRequisite, client_rows.requisites),
        (Contact, client_rows.contacts),
        (ContactCompany, client_rows.links),
        (Lead, lead_rows.leads),
        (Communication, client_rows.communications + lead_rows.communications),
        (Deal, deal_rows.deals),
        (DealContact, deal_rows.contacts),
        (ProductRow, deal_rows.product_rows),
        (DealStageChange, deal_rows.stage_changes),
        (Activity, activity_rows.activities),
        (ActivityBinding, activity_rows.bindings),
    ]
    return [inserter.prepare(model, rows) for model, rows in rows_by_model if rows]
