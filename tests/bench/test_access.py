import json

import pytest

from bench import access, seeding
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
    assert by_metric["queries"] <= 4
    assert 0 < by_metric["visible_share"] < 1
    assert all(figure["bench"] == "access" and figure["size"] == 300 for figure in figures)
