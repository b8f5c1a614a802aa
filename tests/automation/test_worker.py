"""Robots run by a real Celery worker process through Redis (not eager mode): at once, after
a delay, one after the other, cancelled when the item leaves, exactly once when the worker
dies in the middle of a run, and retried and then failed loudly when their webhook fails."""

import datetime
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from activities.models import Activity, Notification, TimelineEvent
from automation.models import Robot, RobotRun
from automation.robots import robot_create
from deals.models import DealStageChange
from deals.services import deal_move_to_stage
from tests.factories import UserFactory
from tests.polling import wait_until

Status = RobotRun.Status
RUN_TIMEOUT = 30  # seconds a run may take on the worker before a test gives up


@pytest.fixture(autouse=True)
def private_targets_allowed(settings):
    """The webhook receiver listens on loopback; the worker gets the same setting from the
    celery_worker fixture (autouse fixtures are set up before it)."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True


@dataclass(frozen=True)
class ReceivedRequest:
    headers: dict
    body: bytes


class SlowReceiver:
    """An HTTP receiver on loopback that waits `delay` seconds before answering `status`, and
    records every request as it arrives (before the wait)."""

    def __init__(self, *, status: int = 200, delay: float = 0.0):
        self.requests: list[ReceivedRequest] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append(ReceivedRequest(dict(self.headers.items()), body))
                time.sleep(delay)
                answer = f"answer {status}".encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the caller died while we waited: that is what the test wanted

            def log_message(self, format, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks/robot"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def slow_receiver():
    """`slow_receiver(status=200, delay=3)`: a started loopback receiver, stopped after the test."""
    started = []

    def start(**options) -> SlowReceiver:
        started.append(SlowReceiver(**options))
        return started[-1]

    yield start
    for receiver in started:
        receiver.stop()


def _robot(place, action: str, settings: dict, **fields) -> Robot:
    return robot_create(
        place=place,
        values={"name": fields.pop("name", action), "action": action, "settings": settings,
                **fields},
    )  # fmt: skip


def _comment_robot(place, text: str, **fields) -> Robot:
    return _robot(place, "automation.add_comment", {"text": text}, name=text, **fields)


def _comments(deal) -> list[str]:
    comments = Activity.objects.filter(
        kind=Activity.Kind.COMMENT, bindings__entity_type="deal", bindings__entity_id=deal.pk
    ).order_by("id")
    return [comment.description for comment in comments]


def _robot_ran_events(deal):
    return TimelineEvent.objects.filter(
        entity_type="deal", entity_id=deal.pk, kind=TimelineEvent.Kind.ROBOT_RAN
    )


def _finished(robot: Robot, deal, worker, *, timeout: float = RUN_TIMEOUT) -> RobotRun:
    """The robot's run for the deal once the worker has finished it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = RobotRun.objects.filter(robot=robot, entity_id=deal.pk).first()
        if run is not None and run.is_finished:
            return run
        time.sleep(0.1)
    runs = list(RobotRun.objects.values("robot__name", "status", "attempts", "error"))
    pytest.fail(f"{robot} did not finish in {timeout} s: {runs}\nworker log:\n{worker.log}")


def _latest_entry(deal) -> DealStageChange:
    return DealStageChange.objects.filter(deal=deal).order_by("-id").first()


def test_an_immediate_robot_runs_on_the_worker_when_the_deal_enters_its_stage(
    celery_worker, deal, stages, manager
):
    # given
    robot = _comment_robot(stages["Negotiation"], "Welcome to the negotiation")

    # when
    deal_move_to_stage(deal=deal, stage=stages["Negotiation"], actor=manager)

    # then
    run = _finished(robot, deal, celery_worker)
    assert (run.status, run.attempts, run.entry) == (Status.DONE, 1, str(_latest_entry(deal).pk))
    assert _comments(deal) == ["Welcome to the negotiation"]
    [event] = _robot_ran_events(deal)
    assert event.payload["robot"] == "Welcome to the negotiation"
    assert "automation.tasks.robot_run_task" in celery_worker.log


def test_a_delayed_robot_runs_only_once_its_delay_is_over(celery_worker, deal, stages, manager):
    # given a robot three seconds after the entry
    robot = _comment_robot(stages["Negotiation"], "Three seconds later", timing="after_delay",
                           delay=3, delay_unit=Robot.Unit.SECONDS)  # fmt: skip

    # when
    deal_move_to_stage(deal=deal, stage=stages["Negotiation"], actor=manager)

    # then nothing is done before its time…
    entry = _latest_entry(deal)
    run = RobotRun.objects.get(robot=robot)
    assert datetime.timedelta(seconds=3) <= run.due_at - entry.at < datetime.timedelta(seconds=4)
    while timezone.now() < run.due_at - datetime.timedelta(seconds=0.3):
        run.refresh_from_db()
        assert run.status == Status.QUEUED and _comments(deal) == []
        time.sleep(0.1)
    # …and it is done after it
    run = _finished(robot, deal, celery_worker)
    assert run.status == Status.DONE
    assert run.started_at >= run.due_at and run.finished_at >= run.due_at
    assert _comments(deal) == ["Three seconds later"]


def test_a_robot_after_the_previous_runs_once_the_one_above_has_finished(
    celery_worker, deal, stages, manager
):
    # given
    first = _comment_robot(stages["Negotiation"], "First")
    second = _comment_robot(stages["Negotiation"], "Second", after_previous=True)

    # when
    deal_move_to_stage(deal=deal, stage=stages["Negotiation"], actor=manager)

    # then
    second_run = _finished(second, deal, celery_worker)
    first_run = RobotRun.objects.get(robot=first)
    assert (first_run.status, second_run.status) == (Status.DONE, Status.DONE)
    assert second_run.after_id == first_run.pk
    assert second_run.started_at >= first_run.finished_at
    assert _comments(deal) == ["First", "Second"]
    events = _robot_ran_events(deal).order_by("id")
    assert [event.payload["run"] for event in events] == [first_run.pk, second_run.pk]


def test_a_delayed_robot_is_cancelled_when_the_deal_leaves_before_its_time(
    celery_worker, deal, stages, manager
):
    # given a run waiting three seconds, its message already with the worker
    robot = _comment_robot(stages["Negotiation"], "Too late", timing="after_delay", delay=3,
                           delay_unit=Robot.Unit.SECONDS)  # fmt: skip
    deal_move_to_stage(deal=deal, stage=stages["Negotiation"], actor=manager)

    # when the deal goes back before the delay is over
    deal_move_to_stage(deal=deal, stage=stages["New"], actor=manager)

    # then the run is cancelled, and when its message comes due the worker does nothing
    run = RobotRun.objects.get(robot=robot)
    assert run.status == Status.CANCELLED and "left the stage" in run.error
    wait_until(lambda: "robot_run_task" in celery_worker.log and "succeeded" in celery_worker.log,
               timeout=RUN_TIMEOUT, message=celery_worker.log)  # fmt: skip
    run.refresh_from_db()
    assert (run.status, run.attempts, run.started_at) == (Status.CANCELLED, 0, None)
    assert _comments(deal) == []
    assert not _robot_ran_events(deal).exists()


def _pool_children(worker) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(worker.process.pid)], capture_output=True,
                           text=True, check=False)  # fmt: skip
    return [int(pid) for pid in found.stdout.split()]


@pytest.mark.celery_worker_options(pool="prefork", concurrency=1)
def test_a_run_whose_worker_dies_is_delivered_again_and_done_exactly_once(
    celery_worker, slow_receiver, deal, stages, manager
):
    # given a webhook robot whose receiver takes three seconds to answer
    receiver = slow_receiver(status=200, delay=3)
    robot = _robot(stages["Negotiation"], "automation.call_webhook",
                   {"url": receiver.url, "timeout_seconds": 10}, name="Tell the ERP")  # fmt: skip
    deal_move_to_stage(deal=deal, stage=stages["Negotiation"], actor=manager)
    wait_until(lambda: receiver.requests, timeout=RUN_TIMEOUT, message=celery_worker.log)

    # when the pool's process running it is killed while it waits for the answer
    [child] = _pool_children(celery_worker)
    subprocess.run(["kill", f"-{signal.SIGKILL.value}", str(child)], check=True)

    # then the message is delivered again (acks late, rejected on a lost worker), and the
    # second attempt does it: the run is done once, with one entry on the timeline
    run = _finished(robot, deal, celery_worker, timeout=45)
    assert "WorkerLostError" in celery_worker.log
    assert (run.status, run.attempts) == (Status.DONE, 2)
    assert _robot_ran_events(deal).count() == 1
    # the receiver was called twice with the same key, so it can tell the repeat
    assert [request.headers["Idempotency-Key"] for request in receiver.requests] == [
        f"robot-run-{run.pk}", f"robot-run-{run.pk}",
    ]  # fmt: skip


@pytest.mark.celery_worker_options(
    env={"AUTOMATION_MAX_RETRIES": "2", "AUTOMATION_RETRY_BASE_SECONDS": "0.2"}
)
def test_a_failing_webhook_is_retried_then_the_run_fails_and_administrators_are_told(
    celery_worker, slow_receiver, deal, stages, manager
):
    # given a receiver that always answers 500, and an administrator
    admin = UserFactory(username="root", is_superuser=True)
    receiver = slow_receiver(status=500)
    robot = _robot(stages["Negotiation"], "automation.call_webhook",
                   {"url": receiver.url, "timeout_seconds": 5}, name="Tell the ERP")  # fmt: skip

    # when
    deal_move_to_stage(deal=deal, stage=stages["Negotiation"], actor=manager)

    # then: the first try and two retries, then the run is given up
    run = _finished(robot, deal, celery_worker)
    assert (run.status, run.attempts) == (Status.FAILED, 3)
    assert "500" in run.error
    assert len(receiver.requests) == 3
    notification = Notification.objects.get(recipient=admin)
    assert notification.title_text == "Robot Tell the ERP failed"
    [event] = _robot_ran_events(deal)
    assert event.payload["failed"] is True
