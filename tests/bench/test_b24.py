import json

import pytest

from bench import b24


@pytest.mark.django_db
def test_the_b24_benchmark_reports_a_list_and_a_batch_of_50(capsys):
    b24.run(size=200, seed=7)

    figures = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [figure["metric"] for figure in figures] == [
        "list_p50_ms", "list_p95_ms", "list_queries", "batch50_p50_ms", "batch50_p95_ms",
    ]  # fmt: skip
    by_metric = {figure["metric"]: figure["value"] for figure in figures}
    assert by_metric["list_queries"] <= 8  # webhook, its use, the policy, the count, the page
    assert all(figure["bench"] == "b24" and figure["size"] == 200 for figure in figures)
