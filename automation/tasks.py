"""Celery tasks of automation: thin wrappers over automation.services."""

import logging

from celery import shared_task
from django.conf import settings

from core.tasks import RetryableError

from .models import RobotRun
from .services import (
    robot_run_execute,
    robot_run_fail,
    robot_run_record_error,
    robot_run_start,
    robot_runs_sweep,
)

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=None)
def robot_run_task(self, run_id: int) -> None:
    """Run one robot run (idempotent: a finished run is left alone). A passing failure is
    retried with exponential backoff, AUTOMATION_MAX_RETRIES times; then, or at once for any
    other error, the run fails and administrators are notified."""
    if not robot_run_start(run_id=run_id):
        return
    try:
        robot_run_execute(run_id=run_id)
    except RetryableError as error:
        if self.request.retries >= settings.AUTOMATION_MAX_RETRIES:
            robot_run_fail(run=RobotRun.objects.get(pk=run_id), error=str(error))
            return
        countdown = min(
            settings.AUTOMATION_RETRY_BASE_SECONDS * 2 ** (self.request.retries + 1), 600
        )
        robot_run_record_error(run_id=run_id, error=str(error), retry_in=countdown)
        raise self.retry(exc=error, countdown=countdown) from error
    except Exception as error:  # a bug or a broken setting: report it, do not retry
        logger.exception("Robot run %s failed", run_id)
        robot_run_fail(run=RobotRun.objects.get(pk=run_id), error=repr(error))


@shared_task
def robot_runs_sweep_task() -> int:
    return robot_runs_sweep()


@shared_task
def triggers_fire_task(
    kind: str, entity_type: str, entity_id: int, details: dict | None = None
) -> int | None:
    """Fire the triggers of `kind` for one item (automation.triggers.triggers_fire): returns
    the id of the trigger that moved it, or None. Idempotent. A move the item's service
    refuses is logged, not retried: it would be refused again."""
    from core.errors import ApplicationError

    from .triggers import triggers_fire

    try:
        trigger = triggers_fire(kind=kind, entity_type=entity_type, entity_id=entity_id,
                                details=details)  # fmt: skip
    except ApplicationError as error:
        logger.warning("Trigger %s refused for %s %s: %s", kind, entity_type, entity_id,
                       error.message)  # fmt: skip
        return None
    return trigger.pk if trigger is not None else None


@shared_task
def scheduled_rules_run_task() -> int:
    """Run every active scheduled rule (automation.rules.scheduled_rules_run): returns how
    many items they acted on. Safe to run twice: each finding fires once."""
    from .rules import scheduled_rules_run

    return scheduled_rules_run()
