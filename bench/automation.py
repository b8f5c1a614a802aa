"""Benchmark "automation": N deals moved into a stage with an immediate robot, the runs done by
ONE real Celery worker process (solo pool) through a real broker.

Tops the database up to N deals with the shared seeder (so the tables the robot writes to have
their realistic size), then makes its own pipeline "Бенчмарк: роботы" with an immediate robot
on its second stage (automation.add_comment, created through automation.robots.robot_create)
and N deals of its own in the first stage (written in bulk, as the seeder does, each with the
stage change that put it there). It starts one `celery worker --pool solo` on the same
database and broker and moves the N deals, one after the other, through
deals.services.deal_move_to_stage: each move is a committed transaction that records the run
and, on commit, queues it. Then it waits until every run has finished.

The broker is CELERY_BROKER_URL when the environment sets it, else Redis on 127.0.0.1, db 13;
the tasks go to a queue of this run's own, so no other worker takes them.

The moves are PACED: the loop never runs more than 5 moves ahead of the finished runs
(BENCH_AUTOMATION_MAX_AHEAD; 0 turns pacing off). So the worker always has a few runs waiting
(it is measured at its full speed, never idle), moves_per_s is the rate one worker sustains,
and a run's latency is its own time plus the wait behind at most 5 runs queued before it.
Unpaced, the loop moves about twice as fast as one worker runs robots, the runs pile up and
the latency grows with N (a burst of N moves takes ~N / runs-per-second to drain): that
measures the backlog, not the engine. The worker's own runs per second go to stderr.

Figures: moves_per_s (moves / seconds of the move loop), latency_p50_ms and latency_p95_ms
(per run: its finished_at − the DealStageChange.at of the entry it is for, both read from the
database), runs_done, runs_failed.

The benchmark's own deals, with their runs, comments and timeline, are deleted at the end (and
any left by an interrupted run at the start), so other benchmarks do not count them; the
pipeline and its robot stay for the next run.
"""

import datetime
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from kombu import Connection, Exchange, Queue

from activities.models import Activity, ActivityBinding, TimelineEvent
from automation.models import Robot, RobotRun
from automation.robots import robot_create
from crm_project.celery import app
from deals.models import Deal, DealStageChange, Pipeline, Stage
from deals.services import StageSpec, deal_move_to_stage, pipeline_create

from . import seeding
from .reference_data import ReferenceData, reference_data_ensure
from .reporting import log, report

BENCH = "automation"
PIPELINE = "Бенчмарк: роботы"
STAGES = [
    StageSpec("Входящие", 10),
    StageSpec("Приветствие", 20),
    StageSpec("Успешно", 30, Stage.Semantics.WON, "#7BD500"),
    StageSpec("Отказ", 40, Stage.Semantics.LOST, "#FF5752"),
]
ROBOT = {
    "name": "Бенчмарк: комментарий при входе",
    "action": "automation.add_comment",
    "settings": {"text": "Сделка «{title}» принята в работу"},
}
DEFAULT_BROKER = "redis://127.0.0.1:6379/13"
ROOT = Path(__file__).resolve().parent.parent
WORKER_START_SECONDS = 60
STALL_SECONDS = 60  # the wait for the runs gives up when none finishes for this long
PROGRESS_EVERY_SECONDS = 5
# the move loop waits while this many runs are unfinished (BENCH_AUTOMATION_MAX_AHEAD; 0: never)
MAX_AHEAD = 5
PACING_POLL_SECONDS = 0.02
FINISHED = (RobotRun.Status.DONE, RobotRun.Status.FAILED, RobotRun.Status.CANCELLED)


def run(*, size: int, seed: int) -> None:
    added = seeding.seed_up_to(size, random_seed=seed)
    log(f"seeded {added} deals; the database holds {Deal.objects.count()}")
    first_stage, robot_stage, robot = _pipeline_with_robot()
    _bench_deals_delete(first_stage.pipeline)  # left over by an interrupted run
    try:
        reference = reference_data_ensure(manager_count=seeding.MINIMUM_MANAGERS)
        deals = _bench_deals_create(size, first_stage, reference)
        log(f"{len(deals)} deals in {PIPELINE!r}; robot {robot.name!r} on {robot_stage.name!r}")
        last_run_id = RobotRun.objects.order_by("-id").values_list("id", flat=True).first() or 0
        max_ahead = int(os.environ.get("BENCH_AUTOMATION_MAX_AHEAD", MAX_AHEAD))
        log(f"moves at most {max_ahead} ahead of the worker" if max_ahead else "moves unpaced")
        with BenchBroker() as broker, BenchWorker(broker) as worker:
            watch = RunWatch(robot, last_run_id, worker)
            moves_per_s = _move_all(deals, robot_stage, watch, max_ahead)
            runs = _wait_for_runs(watch, len(deals))
        latencies = _latencies_ms(runs)
    finally:
        _bench_deals_delete(first_stage.pipeline)

    done = sum(1 for run in runs if run["status"] == RobotRun.Status.DONE)
    failed = sum(1 for run in runs if run["status"] == RobotRun.Status.FAILED)
    report(bench=BENCH, metric="moves_per_s", value=round(moves_per_s, 1), unit="moves/s",
           size=size)  # fmt: skip
    report(bench=BENCH, metric="latency_p50_ms", value=_percentile(latencies, 0.50), unit="ms",
           size=size)  # fmt: skip
    report(bench=BENCH, metric="latency_p95_ms", value=_percentile(latencies, 0.95), unit="ms",
           size=size)  # fmt: skip
    report(bench=BENCH, metric="runs_done", value=done, unit="runs", size=size)
    report(bench=BENCH, metric="runs_failed", value=failed, unit="runs", size=size)


# --- the data -----------------------------------------------------------------------------


def _pipeline_with_robot() -> tuple[Stage, Stage, Robot]:
    """The benchmark's pipeline (made once) and its robot on the second stage."""
    pipeline = Pipeline.objects.filter(name=PIPELINE).first()
    if pipeline is None:
        pipeline = pipeline_create(name=PIPELINE, stages=STAGES, sort=900)
    first_stage, robot_stage = pipeline.stages.order_by("sort")[:2]
    robot = Robot.objects.filter(stage=robot_stage, name=ROBOT["name"]).first()
    if robot is None:
        robot = robot_create(place=robot_stage, values=ROBOT)
    return first_stage, robot_stage, robot


def _bench_deals_create(count: int, stage: Stage, reference: ReferenceData) -> list[Deal]:
    """`count` deals in `stage`, each with the stage change that put it there: written in
    bulk, as the seeder writes (no events, so no robot runs for that entry)."""
    now = timezone.now()
    managers = reference.managers
    with transaction.atomic():
        deals = Deal.objects.bulk_create(
            [
                Deal(
                    title=f"Бенчмарк роботов №{number}",
                    pipeline_id=stage.pipeline_id,
                    stage=stage,
                    currency=reference.base_currency,
                    amount=Decimal(1000 + number % 97 * 250),
                    probability=10,
                    responsible=managers[number % len(managers)],
                    created_by=managers[number % len(managers)],
                    stage_changed_at=now,
                    created_at=now,
                    updated_at=now,
                )
                for number in range(1, count + 1)
            ],
            batch_size=2000,
        )
        DealStageChange.objects.bulk_create(
            [DealStageChange(deal=deal, from_stage=None, to_stage=stage, at=now) for deal in deals],
            batch_size=2000,
        )
    return deals


def _bench_deals_delete(pipeline: Pipeline) -> None:
    """Delete the benchmark's deals with their runs, comments, timeline and stage history, as
    deals.services.deal_delete would, in bulk."""
    deal_ids = Deal.objects.filter(pipeline=pipeline).values("pk")
    with transaction.atomic():
        RobotRun.objects.filter(robot__stage__pipeline=pipeline).delete()
        bindings = ActivityBinding.objects.filter(entity_type="deal", entity_id__in=deal_ids)
        Activity.objects.filter(pk__in=bindings.values("activity_id")).annotate(
            binding_count=Count("bindings")
        ).filter(binding_count=1).delete()
        bindings.delete()
        TimelineEvent.objects.filter(entity_type="deal", entity_id__in=deal_ids).delete()
        Deal.objects.filter(pipeline=pipeline).delete()


# --- the broker and the worker ------------------------------------------------------------


class BenchBroker:
    """Points the Celery app at the benchmark's broker and a queue of this run's own, with
    tasks sent to the broker (not run eagerly); puts the app back as it was on exit."""

    KEYS = ("broker_url", "task_default_queue", "task_always_eager")

    def __init__(self):
        self.url = os.environ.get("CELERY_BROKER_URL") or DEFAULT_BROKER
        self.queue = f"crm-bench-{uuid.uuid4().hex[:12]}"

    def __enter__(self) -> "BenchBroker":
        self.saved = {key: app.conf[key] for key in self.KEYS}
        if app.conf.broker_url != self.url:
            # the settings' own broker (the development filesystem one) is not used
            self.saved["broker_transport_options"] = app.conf.broker_transport_options
            app.conf.broker_transport_options = {}
        app.conf.broker_url, app.conf.task_default_queue = self.url, self.queue
        app.conf.task_always_eager = False
        log(f"broker {self.url}, queue {self.queue}")
        return self

    def __exit__(self, *exc) -> None:
        for key, value in self.saved.items():
            app.conf[key] = value
        self._queue_delete()

    def _queue_delete(self) -> None:
        """Drop the run's queue and its binding from the broker (they would pile up there)."""
        try:
            with Connection(self.url) as broker:
                queue = Queue(self.queue, Exchange(self.queue), routing_key=self.queue)
                bound = queue(broker.default_channel)
                bound.declare()  # so this channel knows the binding it deletes
                bound.delete()
        except Exception as error:  # noqa: BLE001 (tidying up must not hide the figures)
            log(f"could not delete the queue {self.queue}: {error!r}")


class BenchWorker:
    """One `celery worker --pool solo` process on the benchmark's broker and queue and on
    this process's database; stopped (and killed if it will not stop) on exit."""

    def __init__(self, broker: BenchBroker):
        self.broker = broker
        self.log_file = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed in __exit__)
            mode="w+", prefix="bench-automation-worker-", suffix=".log", delete=False
        )

    @property
    def log(self) -> str:
        return Path(self.log_file.name).read_text(errors="replace")

    def __enter__(self) -> "BenchWorker":
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"],
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": self.broker.url,
            "CELERY_TASK_DEFAULT_QUEUE": self.broker.queue,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "DEBUG": "false",  # as a production worker: no query log kept per task
        }
        self.process = subprocess.Popen(  # noqa: S603 (our own command, no outside input)
            [sys.executable, "-m", "celery", "--app", "crm_project", "worker", "--pool", "solo",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO",
             "--queues", self.broker.queue],
            cwd=ROOT, env=env, stdout=self.log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + WORKER_START_SECONDS
        try:
            while "ready." not in self.log:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the Celery worker did not start:\n{self.log}")
                time.sleep(0.2)
        except BaseException:
            self.__exit__()
            raise
        log(f"worker {self.process.pid} ready (log: {self.log_file.name})")
        return self

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log_file.close()
        if not exc or exc[0] is None:
            os.unlink(self.log_file.name)
        else:
            log(f"the worker's log is kept: {self.log_file.name}")


def _database_url() -> str:
    """The database this process uses, as a URL for the worker's settings."""
    database = connection.settings_dict
    if database["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{database['NAME']}"
    user = quote(database["USER"] or "postgres", safe="")
    password = f":{quote(database['PASSWORD'], safe='')}" if database["PASSWORD"] else ""
    host, port = database["HOST"] or "127.0.0.1", database["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{database['NAME']}"


# --- the moves and the runs ---------------------------------------------------------------


class RunWatch:
    """Counts the finished runs of the robot recorded after run `after_id`; raises
    RuntimeError when the worker is gone or no run has finished for STALL_SECONDS."""

    def __init__(self, robot: Robot, after_id: int, worker: BenchWorker):
        self.runs = RobotRun.objects.filter(robot=robot, pk__gt=after_id)
        self.worker = worker
        self.finished, self.last_progress = 0, time.monotonic()

    def count(self) -> int:
        finished = self.runs.filter(status__in=FINISHED).count()
        if finished > self.finished:
            self.finished, self.last_progress = finished, time.monotonic()
        elif self.worker.process.poll() is not None:
            raise RuntimeError(f"the worker stopped:\n{self.worker.log[-5000:]}")
        elif time.monotonic() - self.last_progress > STALL_SECONDS:
            raise RuntimeError(f"no run finished for {STALL_SECONDS} s ({finished} did):\n"
                               f"{self.worker.log[-5000:]}")  # fmt: skip
        return finished


def _move_all(deals: list[Deal], stage: Stage, watch: RunWatch, max_ahead: int) -> float:
    """Move every deal into `stage`, one committed transaction each, as their responsible
    would, never more than `max_ahead` moves ahead of the finished runs (0: no limit); the
    moves per second of the loop."""
    started = last_report = time.perf_counter()
    finished = 0
    for done, deal in enumerate(deals):
        while max_ahead and done - finished >= max_ahead:
            finished = watch.count()
            if done - finished >= max_ahead:
                time.sleep(PACING_POLL_SECONDS)
        deal_move_to_stage(deal=deal, stage=stage, actor=deal.responsible)
        if time.perf_counter() - last_report >= PROGRESS_EVERY_SECONDS:
            last_report = time.perf_counter()
            rate = (done + 1) / (last_report - started)
            log(f"moved {done + 1} of {len(deals)} deals ({rate:.0f}/s)")
    seconds = time.perf_counter() - started
    log(f"moved {len(deals)} deals in {seconds:.1f} s")
    return len(deals) / seconds


def _wait_for_runs(watch: RunWatch, expected: int) -> list[dict]:
    """The watched runs once `expected` of them have finished."""
    last_report = time.monotonic()
    while (finished := watch.count()) < expected:
        if time.monotonic() - last_report >= PROGRESS_EVERY_SECONDS:
            last_report = time.monotonic()
            log(f"runs finished: {finished} of {expected}")
        time.sleep(0.2)
    rows = list(watch.runs.values("status", "entry", "started_at", "finished_at"))
    first_start = min(row["started_at"] or row["finished_at"] for row in rows)
    last_finish = max(row["finished_at"] for row in rows)
    span = max((last_finish - first_start).total_seconds(), 1e-6)
    log(f"the worker finished {len(rows)} runs in {span:.1f} s ({len(rows) / span:.0f}/s)")
    return rows


def _latencies_ms(runs: list[dict]) -> list[float]:
    """Per run: from the move (its DealStageChange.at) to the run's end, in ms."""
    entries = [int(run["entry"]) for run in runs]
    moved_at = {}
    for start in range(0, len(entries), 5000):
        chunk = entries[start : start + 5000]
        moved_at.update(DealStageChange.objects.filter(pk__in=chunk).values_list("pk", "at"))
    return [
        (run["finished_at"] - moved_at[int(run["entry"])]) / datetime.timedelta(milliseconds=1)
        for run in runs
    ]


def _percentile(values: list[float], share: float) -> float:
    if len(values) == 1:
        return round(values[0], 1)
    if share == 0.5:
        return round(statistics.median(values), 1)
    return round(statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1], 1)
