"""Pulling orders from a shop over CommerceML: `checkauth` → `init` → `query` → keep the
document → ingest it → `success`, again until a query brings no documents. One pull per shop
at a time, by a lease on the shop row that the pull renews after every document: a worker
killed mid-pull never holds the shop for longer than the lease. `success` is said only after
the document's orders are committed, so a pull cut short is repeated whole by the next one
(the intake is idempotent: nothing is lost or doubled)."""

import datetime
import logging

from django.utils import timezone
from django.utils.translation import gettext_noop

from activities.services import notification_send_to_administrators
from core.leases import RowLease
from core.urls import entity_url

from .commerceml.client import ExchangeClient, ExchangeError
from .documents import document_ingest
from .models import Shop, SyncRun
from .sync_runs import sync_run_finish, sync_run_start

logger = logging.getLogger(__name__)

MAX_DOCUMENTS = 100  # per pull: a shop that keeps answering is stopped, the next pull goes on


class ShopBusy(Exception):
    """Another pull of the shop holds its lease."""


# longer than any one document takes to ingest
SHOP_LEASE = RowLease(Shop, until="sync_lease_until", owner="sync_lease_owner",
                      duration=datetime.timedelta(minutes=10), busy=ShopBusy)  # fmt: skip


def shop_pull(*, shop_id: int) -> list[SyncRun]:
    """Pull every waiting document from the shop: a run per document. Raises ShopBusy when
    another pull holds the shop; an exchange failure ends the pull with a failed run (and
    administrators are told), the documents already taken stay taken."""
    owner = SHOP_LEASE.take(shop_id)
    shop = Shop.objects.get(pk=shop_id)
    runs: list[SyncRun] = []
    try:
        client = ExchangeClient(url=shop.exchange_url, login=shop.login, password=shop.password,
                                version=shop.commerceml_version)  # fmt: skip
        client.open()
        for _ in range(MAX_DOCUMENTS):
            document = client.query()
            run = document_ingest(shop=shop, document=document, kind=SyncRun.Kind.PULL)
            runs.append(run)
            if run.status == SyncRun.Status.FAILED:  # unreadable: not confirmed, kept for replay
                _report_failure(shop, run)
                break
            client.success()
            SHOP_LEASE.renew(shop_id, owner)
            if not run.seen and not run.skipped:  # an empty answer: nothing waits any more
                break
    except ExchangeError as error:
        failed = sync_run_start(shop=shop, kind=SyncRun.Kind.PULL)
        runs.append(sync_run_finish(run=failed, seen=0, failed=1, errors=[("", str(error))]))
        _report_failure(shop, failed)
        if error.retryable:
            logger.warning("Pull from shop %s failed, to be retried: %s", shop.pk, error)
    finally:
        SHOP_LEASE.release(shop_id, owner, last_pull_at=timezone.now())
    return runs


def shops_due_for_pull() -> list[int]:
    """The active shops with an exchange URL whose interval has passed since their last pull
    and that no pull holds now."""
    now = timezone.now()
    shops = Shop.objects.filter(is_active=True).exclude(exchange_url="").filter(SHOP_LEASE.free())
    return [
        shop.pk
        for shop in shops.only("pk", "last_pull_at", "sync_interval_minutes")
        if shop.last_pull_at is None
        or shop.last_pull_at + datetime.timedelta(minutes=shop.sync_interval_minutes) <= now
    ]


def _report_failure(shop: Shop, run: SyncRun) -> None:
    reason = run.errors[0]["reason"] if run.errors else ""
    notification_send_to_administrators(
        title=gettext_noop("Orders from %(shop)s could not be taken"),
        message="%(reason)s",
        params={"shop": shop.name, "reason": reason},
        url=entity_url(run),
    )
