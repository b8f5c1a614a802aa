"""Benchmark "import": a CSV file of N contacts imported by imports.services, as the
import_run_task does it, here synchronously in this process.

The file is generated here and streamed to a temporary file (UTF-8 with a BOM and semicolons,
as Excel writes it): a name, position, a phone, an e-mail, a responsible manager by name, and
every tenth row a comment with a quoted line break. The phones and e-mails are new on every run
(numbered on from the previous runs' rows), so every row is created; the duplicate policy is
"skip", so every row is still looked up. The run goes from the mapping (import_start, the
remembered mapping) through the last chunk: the same code the Celery task runs.

Figures: rows_per_s (N / seconds of the run), peak_rss_mb (the process's peak resident
memory, read from the kernel at the end: the file is streamed and the run goes chunk by chunk,
so it must stay flat as N grows), and the import's created / skipped / rejected counts.
"""

import csv
import random
import resource
import tempfile
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files import File
from django.test.utils import override_settings

from contacts.models import Communication
from crm_project.celery import app
from imports.models import DuplicatePolicy
from imports.services import import_create, import_start

from . import fake_data
from .reference_data import reference_data_ensure
from .reporting import log, report

BENCH = "import"
EMAIL_DOMAIN = "bench-import.example"
HEADER = ["Фамилия", "Имя", "Отчество", "Должность", "Телефон", "E-mail", "Ответственный",
          "Комментарий"]  # fmt: skip
POSITIONS = ["Директор", "Менеджер по закупкам", "Бухгалтер", "Товаровед", ""]


def run(*, size: int, seed: int) -> None:
    reference = reference_data_ensure(manager_count=10)
    importer, _created = get_user_model().objects.get_or_create(
        username="bench.importer", defaults={"is_superuser": True, "last_name": "Импорт"}
    )
    first_number = Communication.objects.filter(
        kind=Communication.Kind.EMAIL, normalized_value__endswith=f"@{EMAIL_DOMAIN}"
    ).count()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "contacts.csv"
        _write_file(path, size=size, first_number=first_number, managers=reference.managers,
                    rng=random.Random(seed))  # fmt: skip
        log(f"generated {size} contacts: {path.stat().st_size / 2**20:.1f} MB")
        was_eager, app.conf.task_always_eager = app.conf.task_always_eager, True
        try:  # the task runs here, in this process, when the mapping commits
            with override_settings(DEBUG=False), path.open("rb") as upload:
                csv_import = import_create(actor=importer, entity="contact", duplicate_policy=DuplicatePolicy.SKIP,
                                           file=File(upload, name="contacts.csv"))  # fmt: skip
                started = time.perf_counter()
                import_start(csv_import=csv_import, actor=importer, mapping=csv_import.mapping,
                             duplicate_policy=DuplicatePolicy.SKIP)  # fmt: skip
                seconds = time.perf_counter() - started
        finally:
            app.conf.task_always_eager = was_eager
    csv_import.refresh_from_db()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    log(f"{csv_import.status}: {csv_import.created_count} created, {csv_import.skipped_count} "
        f"skipped, {csv_import.rejected_count} rejected in {seconds:.1f} s {csv_import.error}")  # fmt: skip
    report(bench=BENCH, metric="rows_per_s", value=round(size / seconds, 1), unit="rows/s",
           size=size)  # fmt: skip
    report(bench=BENCH, metric="peak_rss_mb", value=round(peak_mb, 1), unit="MB", size=size)
    for metric in ("created", "skipped", "rejected"):
        value = getattr(csv_import, f"{metric}_count")
        report(bench=BENCH, metric=metric, value=value, unit="rows", size=size)


def _write_file(path: Path, *, size: int, first_number: int, managers, rng: random.Random) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(HEADER)
        for index in range(size):
            number = first_number + index
            person = fake_data.person(rng)
            manager = rng.choice(managers)
            # numbered phones: +7 900 000-00-00 on, a new one for every row of every run
            phone = f"+7 {900 + number // 10**7} {number % 10**7:07d}"
            comment = f"Звонить после обеда;\nпо вопросу {index}" if index % 10 == 0 else ""
            writer.writerow([
                person.last_name, person.first_name, person.middle_name, rng.choice(POSITIONS),
                phone, f"{person.last_name_latin}.{number}@{EMAIL_DOMAIN}",
                manager.get_full_name() or manager.username, comment,
            ])  # fmt: skip
