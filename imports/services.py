"""Writes of CSV imports: upload, mapping, and the run that turns rows into items.

A run reads the file as a stream and imports it in chunks of CHUNK_SIZE rows. Each chunk is
one transaction holding its items, its rejected rows and the import's new position and
counts, so a worker killed mid-import leaves the chunks before it complete and the next run
resumes after them. Every row ends counted once: created, updated, skipped as a duplicate,
or rejected with its reason (its cells are kept for the rejected-rows report).
"""

from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from itertools import islice

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import PermissionAction
from accounts.policy import ASSIGN_REFUSAL, can_assign, restrict
from contacts.duplicates import duplicates_find
from core.errors import ApplicationError, error_text

from .csv_files import CsvDialect, csv_rows, dialect_detect
from .fields import REPEATABLE, fields_of, heading_key, mapping_guess
from .models import DuplicatePolicy, Import, ImportMapping, ImportRejectedRow
from .rows import ReferenceData, RowDraft, row_draft
from .selectors import import_entities_allowed, import_remembered_columns
from .writers import WRITERS, ChunkCompanies, Writer

CHUNK_SIZE = 500
MAX_FILE_BYTES = 200 * 1024 * 1024
# what a service may refuse a row with; anything else is a fault that fails the import
REFUSALS = (ValidationError, ApplicationError, PermissionDenied, DatabaseError)


def _require_import_right(actor: AbstractBaseUser, entity: str) -> None:
    if entity not in import_entities_allowed(actor=actor):
        raise PermissionDenied(_("Your role does not let you import these items."))


@transaction.atomic
def import_create(
    *, actor: AbstractBaseUser, entity: str, file: UploadedFile, duplicate_policy: str
) -> Import:
    """Keep an uploaded CSV file as a new import of `entity`, waiting for its column mapping
    (pre-filled from the user's last mapping and the headings). The file is read through once:
    its rows are counted and its encoding checked throughout. Raises PermissionDenied without
    the import and add rights, ValidationError for a file that is not a readable CSV (or is
    larger than MAX_FILE_BYTES)."""
    _require_import_right(actor, entity)
    if file.size > MAX_FILE_BYTES:
        raise ValidationError(
            _("The file is larger than %(size)d MB.") % {"size": MAX_FILE_BYTES // 2**20}
        )
    dialect = dialect_detect(file.file)
    with closing(csv_rows(file.file, dialect)) as rows:
        header = next(rows, None)
        total_rows = sum(1 for _row in rows)
    if header is None or not total_rows:
        raise ValidationError(_("The file has no rows under its header."))
    remembered = import_remembered_columns(actor=actor, entity=entity)
    csv_import = Import(
        user=actor, entity=entity, file_name=file.name[:255], encoding=dialect.encoding,
        delimiter=dialect.delimiter, header=header, duplicate_policy=duplicate_policy,
        total_rows=total_rows, mapping=mapping_guess(entity, header, remembered),
    )  # fmt: skip
    csv_import.full_clean(exclude=["file"])
    file.seek(0)
    csv_import.file.save(file.name, file, save=False)
    csv_import.save()
    return csv_import


def _check_mapping(csv_import: Import, mapping: list[str]) -> None:
    fields = fields_of(csv_import.entity)
    if len(mapping) != len(csv_import.header) or any(key and key not in fields for key in mapping):
        raise ValidationError(_("Choose a field or “skip” for every column."))
    chosen = [key for key in mapping if key]
    if not chosen:
        raise ValidationError(_("Map at least one column to a field."))
    twice = {key for key in chosen if chosen.count(key) > 1 and fields[key].kind not in REPEATABLE}
    if twice:
        labels = ", ".join(str(fields[key].label) for key in sorted(twice))
        raise ValidationError(_("Only one column can fill %(fields)s.") % {"fields": labels})


@transaction.atomic
def import_start(
    *, csv_import: Import, actor: AbstractBaseUser, mapping: list[str], duplicate_policy: str
) -> Import:
    """Set the import's mapping and duplicate policy, remember the mapping for the user's next
    import of the entity, and queue the run (import_run_task, once this commits). Raises
    ValidationError for a mapping that does not fit the file, ApplicationError for an import
    already started."""
    csv_import = Import.objects.select_for_update().get(pk=csv_import.pk)
    if csv_import.status != Import.Status.MAPPING:
        raise ApplicationError(_("This import has already started."), code="import_started")
    _require_import_right(actor, csv_import.entity)
    _check_mapping(csv_import, mapping)
    csv_import.mapping, csv_import.duplicate_policy = mapping, duplicate_policy
    csv_import.status, csv_import.language = Import.Status.QUEUED, translation.get_language() or ""
    csv_import.full_clean(exclude=["file"])
    csv_import.save(
        update_fields=["mapping", "duplicate_policy", "status", "language", "updated_at"]
    )
    remembered = import_remembered_columns(actor=actor, entity=csv_import.entity)
    chosen = {
        heading_key(heading): key for heading, key in zip(csv_import.header, mapping, strict=True)
    }
    ImportMapping.objects.update_or_create(
        user=actor, entity=csv_import.entity, defaults={"columns": remembered | chosen}
    )
    from .tasks import import_run_task

    transaction.on_commit(lambda: import_run_task.delay(csv_import.pk))
    return csv_import


def import_run(*, import_id: int, chunk_size: int = CHUNK_SIZE) -> Import:
    """Import the rows of a queued (or interrupted) import after its position, chunk by chunk,
    then mark it done. Idempotent: a finished import is left alone, an interrupted one resumes
    after its last committed chunk, and a run that finds another one ahead of it stops. A file
    that cannot be read, or an importer who lost the rights, fails the import with the reason;
    any other error fails it too and is raised (Celery logs it)."""
    csv_import = Import.objects.select_related("user").get(pk=import_id)
    if csv_import.status not in (Import.Status.QUEUED, Import.Status.RUNNING):
        return csv_import
    _import_mark(csv_import, status=Import.Status.RUNNING,
                 started_at=csv_import.started_at or timezone.now())  # fmt: skip
    try:
        with translation.override(csv_import.language or None):
            if not _run_chunks(csv_import, chunk_size):
                return Import.objects.get(pk=import_id)  # another run is ahead: it finishes
    except (ValidationError, PermissionDenied) as error:
        return _import_mark(csv_import, status=Import.Status.FAILED, error=error_text(error),
                            finished_at=timezone.now())  # fmt: skip
    except Exception as error:
        _import_mark(csv_import, status=Import.Status.FAILED, error=str(error),
                     finished_at=timezone.now())  # fmt: skip
        raise
    return _import_mark(csv_import, status=Import.Status.DONE, finished_at=timezone.now())


def _run_chunks(csv_import: Import, chunk_size: int) -> bool:
    """Import the rows after the import's position, chunk by chunk; False when another run
    turns out to be ahead of this one."""
    _require_import_right(csv_import.user, csv_import.entity)
    run = ImportRun(csv_import)
    dialect = CsvDialect(encoding=csv_import.encoding, delimiter=csv_import.delimiter)
    with csv_import.file.open("rb") as stored, closing(csv_rows(stored.file, dialect)) as rows:
        # the header is row 1, as a spreadsheet numbers rows
        numbered = islice(enumerate(rows, start=1), 1 + csv_import.position, None)
        position = csv_import.position
        for chunk in _chunks(numbered, chunk_size):
            if not _chunk_import(run, position, chunk):
                return False
            position += len(chunk)
    return True


def _import_mark(csv_import: Import, **values) -> Import:
    """Set the import's status (and times, error) without touching its position and counts,
    which only chunks change."""
    Import.objects.filter(pk=csv_import.pk).update(updated_at=timezone.now(), **values)
    csv_import.refresh_from_db()
    return csv_import


def _chunks(rows: Iterable, size: int) -> Iterator[list]:
    rows = iter(rows)
    while chunk := list(islice(rows, size)):
        yield chunk


class ImportRun:
    """What one pass over an import's rows keeps: the importer, the columns' fields, the
    reference data cells may name, and the answers about whom rows may be given to."""

    def __init__(self, csv_import: Import):
        self.csv_import = csv_import
        self.actor = csv_import.user
        self.entity = csv_import.entity
        self.writer: Writer = WRITERS[self.entity]
        self.refs = ReferenceData()
        self.fields = fields_of(self.entity)
        self.columns = [self.fields.get(key) for key in csv_import.mapping]
        self.finds_duplicates = (
            self.writer.update is not None and csv_import.duplicate_policy != DuplicatePolicy.CREATE
        )
        self._may_assign: dict[tuple, bool] = {}

    def require_assign(self, draft: RowDraft, action: str) -> None:
        """PermissionDenied unless the actor may give the row's item to its responsible (by
        default the actor themself)."""
        responsible = draft.values.get("responsible", self.actor)
        pipeline = draft.values.get("pipeline") or getattr(
            draft.values.get("stage"), "pipeline", None
        )
        key = (action, responsible.pk, getattr(pipeline, "pk", None))
        if key not in self._may_assign:
            self._may_assign[key] = can_assign(
                self.actor, self.entity, responsible=responsible, action=action, pipeline_id=key[2]
            )
        if not self._may_assign[key]:
            raise PermissionDenied(ASSIGN_REFUSAL % {"user": responsible})


@dataclass
class ChunkOutcome:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: list[ImportRejectedRow] = field(default_factory=list)


def _chunk_import(run: ImportRun, start: int, rows: list[tuple[int, list[str]]]) -> bool:
    """Import the rows in one transaction with the import's new position and counts. False
    (nothing done) when the import's position is no longer `start`: another run is ahead."""
    with transaction.atomic():
        locked = Import.objects.select_for_update().get(pk=run.csv_import.pk)
        if locked.position != start:
            return False
        outcome = ChunkOutcome()
        _rows_import(run, rows, outcome)
        for rejected in outcome.rejected:
            rejected.csv_import = locked
        ImportRejectedRow.objects.bulk_create(outcome.rejected)
        Import.objects.filter(pk=locked.pk).update(
            position=F("position") + len(rows),
            created_count=F("created_count") + outcome.created,
            updated_count=F("updated_count") + outcome.updated,
            skipped_count=F("skipped_count") + outcome.skipped,
            rejected_count=F("rejected_count") + len(outcome.rejected),
            updated_at=timezone.now(),
        )
    return True


def _rejected(
    run: ImportRun, row_number: int, cells: list[str], error: Exception
) -> ImportRejectedRow:
    return ImportRejectedRow(row_number=row_number, cells=cells, reason=_reason(run, error))


def _reason(run: ImportRun, error: Exception) -> str:
    """What the rejected-rows report says about a refusal: a field's errors after its label."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        return " ".join(
            " ".join(messages) if name == NON_FIELD_ERRORS
            else f"{getattr(run.fields.get(name), 'label', name)}: {' '.join(messages)}"
            for name, messages in error.message_dict.items()
        )  # fmt: skip
    if isinstance(error, DatabaseError):
        return _("The database refused the row: %(error)s") % {"error": error}
    return error_text(error)


def _rows_import(run: ImportRun, rows: list[tuple[int, list[str]]], outcome: ChunkOutcome) -> None:
    """Import the rows of a chunk, counting each on `outcome`."""
    drafts = []
    for row_number, cells in rows:
        try:
            draft = row_draft(
                row_number=row_number, cells=cells, columns=run.columns, refs=run.refs
            )
            run.require_assign(draft, PermissionAction.ADD)
        except (ValidationError, PermissionDenied) as error:
            outcome.rejected.append(_rejected(run, row_number, cells, error))
            continue
        drafts.append(draft)
    companies = ChunkCompanies(run.actor, drafts)
    to_create, to_update = _split_duplicates(run, drafts, outcome)
    created = _create(run, to_create, companies, outcome)
    _update(run, to_update, created, companies, outcome)


def _split_duplicates(
    run: ImportRun, drafts: list[RowDraft], outcome: ChunkOutcome
) -> tuple[list[RowDraft], list[tuple[RowDraft, int | None, RowDraft | None]]]:
    """The rows to create, and the rows that duplicate an item (its id) or an earlier row of
    the chunk (that row) and update it; the rows skipped as duplicates are counted."""
    if not run.finds_duplicates:
        return drafts, []
    matches = duplicates_find(entity=run.entity, identities=[draft.identity for draft in drafts])
    to_create, to_update, creating = [], [], {}
    for draft, match in zip(drafts, matches, strict=True):
        earlier = next((creating[key] for key in draft.identity.keys if key in creating), None)
        if match is None and earlier is None:
            to_create.append(draft)
            creating |= dict.fromkeys(draft.identity.keys, draft)
        elif run.csv_import.duplicate_policy == DuplicatePolicy.SKIP:
            outcome.skipped += 1
        else:
            to_update.append((draft, match, earlier))
    return to_create, to_update


def _create(run: ImportRun, drafts: list[RowDraft], companies: ChunkCompanies,
            outcome: ChunkOutcome) -> dict[int, int]:  # fmt: skip
    """Create the rows' items (in one batch where the entity has a batch form, else one by
    one, each in a savepoint); returns {row number: item id} of those created."""
    writer, created = run.writer, {}
    if writer.batch_create is not None:
        batch, checked = [], []
        for draft in drafts:
            try:
                checked.append(writer.batch_check(draft, run.actor))
            except ValidationError as error:
                outcome.rejected.append(_rejected(run, draft.row_number, draft.cells, error))
            else:
                batch.append(draft)
        try:
            with companies.atomic():
                items = writer.batch_create(batch, checked, run.actor, companies)
        except REFUSALS:
            drafts = batch  # the database refused the batch: learn which row, one by one
        else:
            drafts = []
            created |= {draft.row_number: item.pk for draft, item in zip(batch, items, strict=True)}
    for draft in drafts:
        try:
            with companies.atomic():
                created[draft.row_number] = writer.create(draft, run.actor, companies).pk
        except REFUSALS as error:
            outcome.rejected.append(_rejected(run, draft.row_number, draft.cells, error))
    outcome.created += len(created)
    return created


def _update(run: ImportRun, rows: list, created: dict[int, int], companies: ChunkCompanies,
            outcome: ChunkOutcome) -> None:  # fmt: skip
    """Apply each row to the item it duplicates, when the actor may edit that item."""
    model = run.writer.model
    existing = {match for _draft, match, _earlier in rows if match is not None}
    editable = set(
        restrict(model.objects.filter(pk__in=existing), user=run.actor, entity=run.entity,
                 action=PermissionAction.EDIT).values_list("pk", flat=True)
    ) if existing else set()  # fmt: skip
    targets = model.objects.in_bulk(existing | set(created.values()))
    for draft, match, earlier in rows:
        target_id = match if match is not None else created.get(earlier.row_number)
        try:
            if target_id is None:
                raise ValidationError(
                    _("It repeats row %(row)d, which was rejected.") % {"row": earlier.row_number}
                )
            if match is not None and match not in editable:
                raise PermissionDenied(
                    _("An item with the same phone, e-mail or INN exists, and your role does "
                      "not let you change it.")
                )  # fmt: skip
            if "responsible" in draft.values:
                run.require_assign(draft, PermissionAction.EDIT)
            with companies.atomic():
                run.writer.update(targets[target_id], draft, run.actor, companies)
            outcome.updated += 1
        except REFUSALS as error:
            outcome.rejected.append(_rejected(run, draft.row_number, draft.cells, error))
