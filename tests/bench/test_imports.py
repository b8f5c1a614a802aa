import json

import pytest

from bench import imports
from contacts.models import Contact
from imports.models import Import


@pytest.mark.django_db(transaction=True)  # the run starts when the mapping commits
def test_the_import_benchmark_imports_every_generated_row_and_reports_its_figures_last(capsys):
    imports.run(size=40, seed=3)
    imports.run(size=40, seed=3)  # a second run's rows are new again

    figures = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [figure["metric"] for figure in figures[:5]] == [
        "rows_per_s", "peak_rss_mb", "created", "skipped", "rejected"]  # fmt: skip
    assert all(figure["bench"] == "import" and figure["size"] == 40 for figure in figures)
    by_metric = {figure["metric"]: figure["value"] for figure in figures[5:]}
    assert (by_metric["created"], by_metric["skipped"], by_metric["rejected"]) == (40, 0, 0)
    assert by_metric["rows_per_s"] > 0 and by_metric["peak_rss_mb"] > 0
    assert Contact.objects.count() == 80
    assert list(Import.objects.values_list("status", flat=True)) == ["done", "done"]
