import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

# Before Django and Celery read their settings: a queue of this run's own, so a worker started
# here takes only this run's tasks even when other runs share the Redis server.
os.environ.setdefault("CELERY_TASK_DEFAULT_QUEUE", f"crm-test-{uuid.uuid4().hex[:12]}")

ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "celery_worker_options(pool='solo', concurrency=None, env=None): how the celery_worker "
        "fixture starts its worker (its pool, the pool's size, extra environment variables)",
    )


def pytest_collection_modifyitems(items):
    # Tests that share data with another process need committed data, not a rolled-back one.
    for item in items:
        if "celery_worker" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.django_db(transaction=True))
            item.add_marker(pytest.mark.worker)


def _database_url_of_test_database() -> str:
    from django.db import connection

    database = connection.settings_dict
    if database["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{database['NAME']}"
    user = database["USER"] or "postgres"
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    return f"postgres://{user}{password}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/{database['NAME']}"


class WorkerProcess:
    def __init__(self, process: subprocess.Popen, log_path: Path):
        self.process = process
        self.log_path = log_path

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def celery_worker(request, tmp_path, settings):
    """A real `celery worker` process consuming this run's queue on Redis, using the test
    database. Tasks sent while it runs go through the broker, not eager mode.

    A solo pool by default; a test marked
    `@pytest.mark.celery_worker_options(pool="prefork", concurrency=1, env={...})` gets that
    pool and those extra environment variables (settings read from the environment)."""
    from crm_project.celery import app

    marker = request.node.get_closest_marker("celery_worker_options")
    options = marker.kwargs if marker else {}
    pool = options.get("pool", "solo")
    pool_arguments = ["--pool", pool]
    if options.get("concurrency"):
        pool_arguments += ["--concurrency", str(options["concurrency"])]
    # pytest-django reads the settings before this file sets the run's own queue, so the app
    # is pointed at it here; the worker sends its own follow-up tasks to it too.
    queue = os.environ["CELERY_TASK_DEFAULT_QUEUE"]
    env = {
        **os.environ,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "DJANGO_SETTINGS_MODULE": "crm_project.settings.test",
        "DATABASE_URL": _database_url_of_test_database(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        # the worker sends webhooks as this test's settings say (to a loopback receiver)
        "WEBHOOK_ALLOW_PRIVATE_TARGETS": str(
            bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE_TARGETS", False))
        ).lower(),
        **options.get("env", {}),
    }
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "--app", "crm_project", "worker", *pool_arguments,
             "--without-gossip", "--without-mingle", "--loglevel", "INFO",
             "--queues", queue],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    worker = WorkerProcess(process, log_path)
    deadline = time.monotonic() + 60
    while "ready." not in worker.log:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the Celery worker did not start:\n{worker.log}")
        time.sleep(0.2)
    default_queue = app.conf.task_default_queue
    app.conf.task_always_eager, app.conf.task_default_queue = False, queue
    try:
        yield worker
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = True, default_queue
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def record_events(monkeypatch):
    """`record_events(EventA, EventB, …)` → the list those events are delivered to, in order,
    once their transaction commits. Other handlers of those events do not run."""
    from core import events

    def record(*event_types):
        delivered = []
        for event_type in event_types:
            monkeypatch.setitem(events._handlers, event_type, [delivered.append])
        return delivered

    return record


@pytest.fixture
def money(db):
    """RUB (base), USD at 90, EUR at 100."""
    from tests.factories import currencies

    return currencies()


@pytest.fixture
def pipeline(money):
    """The default pipeline: New → Negotiation → Won / Lost."""
    from tests.factories import sales_pipeline

    return sales_pipeline()


@pytest.fixture
def statuses(db):
    """Lead statuses new, in_process, converted, junk."""
    from tests.factories import lead_statuses

    return lead_statuses()


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A request in Russian leaves Russian active in the thread (LocaleMiddleware does not
    reset it); the next test starts in the default language again."""
    yield
    from django.utils import translation

    translation.deactivate()
