import json

import pytest

from bench import access, api, kanban, seeding
from deals.models import Deal


@pytest.mark.django_db
def test_seed_up_to_tops_the_database_up_and_then_adds_nothing():
    assert seeding.seed_up_to(120) == 120
    assert seeding.seed_up_to(150) == 30
    assert seeding.seed_up_to(100) == 0
    assert Deal.objects.count() == 150


@pytest.mark.django_db
def test_the_access_benchmark_reports_its_figures_last(capsys):
    access.run(size=300, seed=7)

    figures = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [figure["metric"] for figure in figures] == [
        "p50_ms", "p95_ms", "queries", "visible_share", "uses_index",
    ]  # fmt: skip
    by_metric = {figure["metric"]: figure["value"] for figure in figures}
    assert by_metric["queries"] <= 20  # the whole page: session, user, menu, filters, rows
    assert 0 < by_metric["visible_share"] < 1
    assert all(figure["bench"] == "access" and figure["size"] == 300 for figure in figures)


@pytest.mark.django_db
def test_the_kanban_benchmark_queries_the_same_at_every_size(capsys):
    figures = {}
    for size in (150, 600):
        kanban.run(size=size, seed=7)
        lines = capsys.readouterr().out.splitlines()
        figures[size] = {figure["metric"]: figure["value"] for figure in map(json.loads, lines)}

    assert list(figures[150]) == ["p50_ms", "p95_ms", "queries", "pipeline_deals"]
    assert figures[150]["queries"] == figures[600]["queries"]
    assert 0.9 * 600 < figures[600]["pipeline_deals"] < 1.1 * 600


@pytest.mark.django_db
def test_the_api_benchmark_reports_its_figures_last(capsys):
    api.run(size=200, seed=7)

    figures = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [figure["metric"] for figure in figures] == [
        "list_p50_ms", "list_p95_ms", "list_queries", "create_p50_ms", "create_p95_ms",
    ]  # fmt: skip
    assert all(figure["bench"] == "api" and figure["value"] > 0 for figure in figures)
