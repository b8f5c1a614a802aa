import json

import pytest

from automation.models import RobotRun
from bench import automation
from crm_project.celery import app
from deals.models import Deal


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)  # the worker process reads what the moves committed
def test_the_automation_benchmark_runs_every_robot_on_a_worker_and_reports_its_figures_last(
    capsys, monkeypatch
):
    # the broker this test run already sends to (Redis)
    monkeypatch.setenv("CELERY_BROKER_URL", app.conf.broker_url)

    automation.run(size=30, seed=7)

    figures = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [figure["metric"] for figure in figures] == [
        "moves_per_s", "latency_p50_ms", "latency_p95_ms", "runs_done", "runs_failed",
    ]  # fmt: skip
    assert all(figure["bench"] == "automation" and figure["size"] == 30 for figure in figures)
    by_metric = {figure["metric"]: figure["value"] for figure in figures}
    assert (by_metric["runs_done"], by_metric["runs_failed"]) == (30, 0)
    assert by_metric["moves_per_s"] > 0
    assert 0 < by_metric["latency_p50_ms"] <= by_metric["latency_p95_ms"] < 30_000
    # the benchmark's own deals and runs are gone; the app sends eagerly again as before
    assert not Deal.objects.filter(pipeline__name=automation.PIPELINE).exists()
    assert not RobotRun.objects.exists()
    assert app.conf.task_always_eager is True
