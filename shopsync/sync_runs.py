"""The record of every exchange with a shop: started, finished, what its orders became and
why some failed."""

from collections import Counter

from django.utils import timezone

from core.errors import error_text

from .models import Shop, SyncRun


def sync_run_start(*, shop: Shop, kind: str) -> SyncRun:
    return SyncRun.objects.create(shop=shop, kind=kind, started_at=timezone.now())


def sync_run_finish(
    *,
    run: SyncRun,
    seen: int,
    outcomes: list[str] = (),
    failed: int = 0,
    skipped: int = 0,
    errors: list[tuple[str, Exception | str]] = (),
    is_recovered: bool = False,
) -> SyncRun:
    """Close the run with its figures: `outcomes` are order_ingest's (created, updated,
    unchanged); `errors` (order id, error or reason) are kept with their message."""
    counted = Counter(outcomes)
    run.seen, run.failed, run.skipped = seen, failed, skipped
    run.created, run.updated, run.unchanged = (
        counted["created"],
        counted["updated"],
        counted["unchanged"],
    )
    run.errors = [
        {"order": order_id, "reason": reason if isinstance(reason, str) else error_text(reason)}
        for order_id, reason in errors
    ]
    run.is_recovered = is_recovered
    run.status = SyncRun.Status.FAILED if failed and not counted else SyncRun.Status.DONE
    run.finished_at = timezone.now()
    run.save()
    return run
