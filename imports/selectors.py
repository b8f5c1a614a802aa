"""Reads of CSV imports: a user sees their own imports only."""

from collections.abc import Iterator
from contextlib import closing
from itertools import islice

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from accounts.models import PermissionAction
from accounts.policy import grant_for
from core.models import EntityType

from .csv_files import CsvDialect, csv_rows
from .models import Import, ImportMapping, ImportRejectedRow

PREVIEW_ROWS = 5


def import_entities_allowed(*, actor: AbstractBaseUser) -> list[str]:
    """The entities `actor` may import: those their roles let them both import and add (in
    some scope; which responsible each row may get is checked row by row)."""
    if not (actor.is_authenticated and actor.is_active):
        return []
    return [
        entity
        for entity in EntityType.values
        if not grant_for(actor, entity, PermissionAction.IMPORT).is_nothing
        and not grant_for(actor, entity, PermissionAction.ADD).is_nothing
    ]


def import_list(*, actor: AbstractBaseUser) -> QuerySet[Import]:
    """The actor's imports, newest first."""
    return Import.objects.filter(user=actor)


def import_get(*, actor: AbstractBaseUser, import_id: int) -> Import:
    """The actor's import; Import.DoesNotExist for somebody else's."""
    return import_list(actor=actor).get(pk=import_id)


def import_preview(*, csv_import: Import) -> list[list[str]]:
    """The first data rows of the import's file, as many cells as it has columns."""
    width = len(csv_import.header)
    dialect = CsvDialect(encoding=csv_import.encoding, delimiter=csv_import.delimiter)
    with csv_import.file.open("rb") as stored, closing(csv_rows(stored.file, dialect)) as rows:
        rows = list(islice(rows, 1, PREVIEW_ROWS + 1))
    return [(row + [""] * width)[:width] for row in rows]


def import_remembered_columns(*, actor: AbstractBaseUser, entity: str) -> dict[str, str]:
    """The field the actor chose for each column heading in their earlier imports of `entity`."""
    remembered = ImportMapping.objects.filter(user=actor, entity=entity).first()
    return remembered.columns if remembered else {}


def import_rejected_rows(*, csv_import: Import) -> Iterator[ImportRejectedRow]:
    """The import's rejected rows in file order, read in batches."""
    rows = ImportRejectedRow.objects.filter(csv_import=csv_import).order_by("row_number")
    return rows.iterator(chunk_size=2000)
