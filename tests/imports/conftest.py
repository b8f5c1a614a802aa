import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from imports.models import DuplicatePolicy, Import
from imports.services import import_create, import_run, import_start
from tests.factories import user_with_role


def csv_upload(text: str, *, encoding: str = "utf-8", name: str = "clients.csv"):
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def imported(
    actor, entity: str, text: str, *, encoding: str = "utf-8", policy: str = DuplicatePolicy.SKIP,
    mapping: list[str] | None = None, chunk_size: int = 500,
) -> Import:  # fmt: skip
    """A file uploaded, mapped (as guessed, unless `mapping` is given) and run to its end in
    this process, as import_run_task would run it."""
    csv_import = import_create(actor=actor, entity=entity, duplicate_policy=policy,
                               file=csv_upload(text, encoding=encoding))  # fmt: skip
    import_start(csv_import=csv_import, actor=actor, mapping=mapping or csv_import.mapping,
                 duplicate_policy=policy)  # fmt: skip
    return import_run(import_id=csv_import.pk, chunk_size=chunk_size)


def totals(csv_import: Import) -> dict:
    csv_import.refresh_from_db()
    return {"status": csv_import.status, "rows": csv_import.total_rows,
            "created": csv_import.created_count, "updated": csv_import.updated_count,
            "skipped": csv_import.skipped_count, "rejected": csv_import.rejected_count}  # fmt: skip


def rejected(csv_import: Import) -> list[tuple[int, str]]:
    return list(csv_import.rejected_rows.values_list("row_number", "reason"))


@pytest.fixture
def importer(money, pipeline, statuses):
    """A member of staff whose role gives every right over everything."""
    return user_with_role("importer", "all", first_name="Irina", last_name="Importer")
