"""Running robots: scheduling a stage's robots when an item enters it, executing a run
exactly once, cancelling runs whose item left, retrying and reporting failures.

The database is the schedule: every run is a RobotRun row, created when the item enters
the stage. Celery is the executor: a run due soon is queued with its time (eta); a later
one waits in the table until the minute sweep (robot_runs_sweep) queues it. A run is done
in one transaction with its effect, under a row lock, so a task delivered twice, or
redelivered after its worker died, finds the run finished (or rolled back) and does it
once.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from activities.models import TimelineEvent
from activities.services import (
    notification_send_to_administrators,
    timeline_record,
)
from core.errors import ApplicationError, error_text
from core.services import lock_for_update, row_exists
from core.urls import entity_url

from .actions import ACTIONS, ActionRefused, RunContext, WaitAgain
from .conditions import condition_holds
from .items import ITEM_KINDS, item_kind, locked_item
from .models import Robot, RobotRun
from .timing import robot_due_at

Status = RobotRun.Status
UNFINISHED = (Status.QUEUED, Status.WAITING, Status.RUNNING)
# a queued run whose message has not been picked up for this long is queued again
LOST_AFTER = datetime.timedelta(minutes=5)


@transaction.atomic
def robots_schedule(
    *, entity_type: str, entity_id: int, place_id: int, entry: str, is_first_entry: bool = False
) -> list[RobotRun]:
    """Record a run of every active robot of the place (stage or lead status) that the item
    entered with `entry`, and cancel the unfinished runs of its earlier entries (a new item,
    `is_first_entry`, has none). A robot "after the previous" waits for the run above it.
    Idempotent: a second call for the same entry finds the runs made by the first. Runs due
    soon are queued on commit."""
    now = timezone.now()
    place_filter = {"stage_id": place_id} if entity_type == "deal" else {"lead_status_id": place_id}
    if is_first_entry and not row_exists(Robot, is_active=True, **place_filter):
        return []  # the common case of a new item in a place without robots, cheaply
    robots = list(Robot.objects.filter(is_active=True, **place_filter).order_by("sort", "id"))
    if robots:
        kind = item_kind(entity_type)
        item = kind.get(entity_id)
        if not entry or kind.place_id(item) != place_id or kind.current_entry(item) != entry:
            return []  # moved on already: the newer entry schedules its own robots
    if not is_first_entry:
        _cancel_earlier_entries(entity_type, entity_id, entry, now)
    runs, previous = [], None
    for robot in robots:
        waits = robot.after_previous and previous is not None
        due_at = None if waits else robot_due_at(robot, item, start=now)
        run, created = RobotRun.objects.get_or_create(
            robot=robot, entity_type=entity_type, entity_id=entity_id, entry=entry,
            defaults={"status": Status.WAITING if waits else Status.QUEUED, "due_at": due_at,
                      "after": previous},
        )  # fmt: skip
        if created and not waits and due_at is None:
            _finish(
                run,
                Status.CANCELLED,
                now,
                error=_("The item has no %(field)s to time the robot by.")
                % {"field": robot.date_field},
            )
        runs.append(run)
        previous = run
    _enqueue_due_soon([run for run in runs if run.status == Status.QUEUED], now)
    return runs


def _cancel_earlier_entries(entity_type: str, entity_id: int, entry: str, now) -> None:
    RobotRun.objects.filter(
        entity_type=entity_type, entity_id=entity_id, status__in=UNFINISHED
    ).exclude(entry=entry).update(
        status=Status.CANCELLED, finished_at=now, updated_at=now,
        error=_("The item left the stage before the robot was due."),
    )  # fmt: skip


def _enqueue_due_soon(runs: list[RobotRun], now: datetime.datetime) -> None:
    """Queue the runs due within the eager window, with their time, once the transaction
    commits; mark them queued so the sweep does not queue them again."""
    window = now + datetime.timedelta(seconds=settings.AUTOMATION_EAGER_WINDOW_SECONDS)
    soon = [run for run in runs if run.due_at is not None and run.due_at <= window]
    if not soon:
        return
    RobotRun.objects.filter(pk__in=[run.pk for run in soon]).update(enqueued_at=now)
    from .tasks import robot_run_task

    def send():
        for run in soon:
            robot_run_task.apply_async((run.pk,), eta=max(run.due_at, now))

    transaction.on_commit(send)


def robot_run_start(*, run_id: int) -> bool:
    """Mark a due run running (in its own transaction, so the attempt shows even if the
    worker dies). False when there is nothing to do: finished, waiting, not due yet."""
    now = timezone.now()
    with transaction.atomic():
        run = RobotRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status not in (Status.QUEUED, Status.RUNNING):
            return False
        if run.due_at and run.due_at > now + datetime.timedelta(seconds=1):
            return False  # an early delivery; the sweep queues it again when due
        run.status, run.started_at, run.attempts = Status.RUNNING, now, run.attempts + 1
        run.save(update_fields=["status", "started_at", "attempts", "updated_at"])
    return True


@transaction.atomic
def robot_run_execute(*, run_id: int) -> RobotRun:
    """Do a running run's action, if its item is still in the entry the run is for and the
    robot's condition holds; record the outcome on the run and the item's timeline; release
    the runs waiting for it. The effect and the record commit together. Raises
    RetryableError (from the action) for a passing failure, leaving nothing done; an
    ActionRefused or a refusal of a service (ApplicationError, ValidationError) fails the
    run at once."""
    run = lock_for_update(RobotRun(pk=run_id))
    if run.status != Status.RUNNING:
        return run  # finished by an earlier delivery
    now, robot = timezone.now(), run.robot
    kind = item_kind(run.entity_type)
    item = locked_item(kind, run.entity_id)
    if item is None:
        return _finish(run, Status.CANCELLED, now, error=_("The item was deleted."))
    if kind.place_id(item) != (robot.stage_id or robot.lead_status_id) or (
        kind.current_entry(item) != run.entry
    ):
        return _finish(run, Status.CANCELLED, now,
                       error=_("The item left the stage before the robot was due."))  # fmt: skip
    if not condition_holds(robot.condition, item, run.entity_type):
        _finish(run, Status.CANCELLED, now, error=_("The robot's condition does not hold."))
        _release_next(run, item, now)
        return run
    try:
        action = ACTIONS.get(robot.action)
    except LookupError:
        return _refused(run, item, now, _("Unknown action %(key)s.") % {"key": robot.action})
    try:
        with transaction.atomic():  # a refused action leaves nothing behind
            result = action.run(RunContext(item=item, kind=kind, settings=robot.settings,
                                           robot=robot, run=run))  # fmt: skip
    except WaitAgain as wait:
        return _wait_again(run, item, wait, now)
    except (ActionRefused, ApplicationError, ValidationError) as error:
        return _refused(run, item, now, error_text(error))
    run.result = result or {}
    _finish(run, Status.DONE, timezone.now())
    timeline_record(
        entity=item, kind=TimelineEvent.Kind.ROBOT_RAN, actor=None,
        payload={"robot": robot.name, "action": str(action.label),
                 "summary": str(run.result.get("summary", ""))[:300], "run": run.pk},
    )  # fmt: skip
    _release_next(run, item, now)
    return run


def _refused(run: RobotRun, item, now, reason: str) -> RobotRun:
    run = robot_run_fail(run=run, error=reason)
    _release_next(run, item, now)
    return run


def _wait_again(run: RobotRun, item, wait: WaitAgain, now) -> RobotRun:
    """Look again later, or give the run up once its waiting time is over."""
    if wait.give_up_at is not None and now >= wait.give_up_at:
        _finish(run, Status.CANCELLED, now, error=_("The awaited condition did not come true."))
        _release_next(run, item, now)
        return run
    run.status, run.due_at = Status.QUEUED, now + datetime.timedelta(seconds=wait.seconds)
    run.save(update_fields=["status", "due_at", "updated_at"])
    _enqueue_due_soon([run], now)
    return run


def _finish(run: RobotRun, status: str, now, *, error: str = "") -> RobotRun:
    run.status, run.finished_at, run.error = status, now, error
    run.save(update_fields=["status", "finished_at", "error", "result", "updated_at"])
    return run


def _release_next(run: RobotRun, item, now) -> None:
    """The runs that waited for `run` become due: timed from now."""
    waiting = list(run.next_runs.filter(status=Status.WAITING).select_related("robot"))
    for next_run in waiting:
        next_run.due_at = robot_due_at(next_run.robot, item, start=now)
        if next_run.due_at is None:
            _finish(next_run, Status.CANCELLED, now,
                    error=_("The item has no %(field)s to time the robot by.")
                    % {"field": next_run.robot.date_field})  # fmt: skip
            continue
        next_run.status = Status.QUEUED
        next_run.save(update_fields=["due_at", "status", "updated_at"])
    _enqueue_due_soon([r for r in waiting if r.status == Status.QUEUED], now)


@transaction.atomic
def robot_run_record_error(*, run_id: int, error: str, retry_in: float) -> None:
    """Note a passing failure on a run that is tried again in `retry_in` seconds (the sweep
    counts it lost only after that)."""
    now = timezone.now()
    RobotRun.objects.filter(pk=run_id, status=Status.RUNNING).update(
        status=Status.QUEUED, error=error[:2000], updated_at=now,
        enqueued_at=now + datetime.timedelta(seconds=retry_in),
    )  # fmt: skip


@transaction.atomic
def robot_run_fail(*, run: RobotRun, error: str) -> RobotRun:
    """Give a run up: record the error, journal it on the item and tell the administrators."""
    run = lock_for_update(run)
    if run.is_finished:
        return run
    _finish(run, Status.FAILED, timezone.now(), error=error[:2000])
    item = ITEM_KINDS[run.entity_type].model.objects.filter(pk=run.entity_id).first()
    if item is not None:
        timeline_record(
            entity=item, kind=TimelineEvent.Kind.ROBOT_RAN, actor=None,
            payload={"robot": run.robot.name, "failed": True, "summary": error[:300], "run": run.pk},
        )  # fmt: skip
    notification_send_to_administrators(
        title=gettext_noop("Robot %(robot)s failed"),
        message=gettext_noop("%(error)s"),
        params={"robot": run.robot.name, "error": error[:500]},
        url=entity_url(item) if item is not None else "",
    )
    return run


def robot_runs_sweep(*, now: datetime.datetime | None = None, batch_size: int = 1000) -> int:
    """Queue the runs that are due (or due within a minute) and not queued yet, and those
    whose message was lost (queued or running long ago without finishing). Safe to run
    beside itself and beside the workers. Returns how many it queued."""
    now = now or timezone.now()
    lost_before = now - LOST_AFTER
    due = (
        RobotRun.objects.filter(status__in=(Status.QUEUED, Status.RUNNING),
                                due_at__lte=now + datetime.timedelta(minutes=1))
        .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=lost_before))
        .order_by("due_at")[:batch_size]
    )  # fmt: skip
    with transaction.atomic():
        runs = list(due.select_for_update(skip_locked=True))
        RobotRun.objects.filter(pk__in=[run.pk for run in runs]).update(enqueued_at=now)
        from .tasks import robot_run_task

        transaction.on_commit(
            lambda: [
                robot_run_task.apply_async((run.pk,), eta=max(run.due_at, now)) for run in runs
            ]  # fmt: skip
        )
    return len(runs)
