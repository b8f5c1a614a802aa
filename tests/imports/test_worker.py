"""The import runs on a real Celery worker process, through Redis."""

from contacts.models import Contact
from imports.models import DuplicatePolicy, Import
from imports.services import import_create, import_start
from tests.factories import currencies, user_with_role
from tests.imports.conftest import csv_upload
from tests.polling import wait_until


def test_the_import_task_runs_on_the_worker_and_counts_every_row(celery_worker):
    # given an uploaded file of 1,200 contacts (three chunks), one of them without a name
    currencies()
    importer = user_with_role("importer", "all")
    rows = "".join(f"Client {n};+7 916 {n:07d}\n" for n in range(1_199))
    csv_import = import_create(actor=importer, entity="contact", duplicate_policy="skip",
                               file=csv_upload(f"Фамилия;Телефон\n{rows};+7 903 000-00-00\n"))  # fmt: skip

    # when the mapping is committed, the task goes to the broker
    import_start(csv_import=csv_import, actor=importer, mapping=csv_import.mapping,
                 duplicate_policy=DuplicatePolicy.SKIP)  # fmt: skip

    # then the worker process imports it
    done = wait_until(
        lambda: Import.objects.filter(pk=csv_import.pk, status__in=["done", "failed"]).first(),
        timeout=60, message="the worker did not finish the import",
    )  # fmt: skip
    assert (done.status, done.position, done.created_count, done.rejected_count) == (
        "done", 1_200, 1_199, 1)  # fmt: skip
    assert Contact.objects.count() == 1_199
    assert "imports.tasks.import_run_task" in celery_worker.log
