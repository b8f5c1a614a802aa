"""Writing generated rows straight into tables: COPY on PostgreSQL, executemany elsewhere.

Only the seeder uses this. It bypasses services and `Model.save()` on purpose: it is a data
factory for benchmarks, and it must write millions of rows in minutes. The caller is
responsible for rows that keep the models' constraints.

A row is a NamedTuple whose field names are the model's attribute names (`stage_id`, not
`stage`). Columns the row type leaves out get the model field's default; a column without a
default must be in the row type (`created_at` and `updated_at` always are, as they are
`auto_now` fields). A row type without `id` lets the database number the rows.

Rows are turned into a `Batch` (the statement and its data) by `BulkInserter.prepare`, and a
batch is executed by `BulkInserter.insert`, possibly in another thread: the seeder prepares
the next chunk while the database stores the previous one.
"""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.db import connection, models
from django.db.models.fields import Field

COPY_READ_SIZE = 1 << 20  # bytes psycopg2 reads from the CSV buffer per round


@dataclass(frozen=True)
class TablePlan:
    """How rows of one row type go into one table."""

    table: str
    fields: tuple[Field, ...]  # in column order: the row type's fields, then the defaulted ones
    defaults: tuple[Any, ...]  # the values of the defaulted columns, appended to every row


@dataclass(frozen=True)
class Batch:
    """Rows ready to be inserted: a COPY statement and its CSV text on PostgreSQL, an INSERT
    statement and its parameter tuples elsewhere."""

    table: str
    row_count: int
    statement: str
    data: io.StringIO | list[tuple]


def plan_table(model: type[models.Model], row_type: type[NamedTuple]) -> TablePlan:
    """The columns written for `row_type`. Raises ValueError naming a row field the model does
    not have, or a required column (no default, not nullable) the row type leaves out."""
    meta = model._meta
    given = set(row_type._fields)
    by_attname = {field.attname: field for field in meta.concrete_fields}
    unknown = given - by_attname.keys()
    if unknown:
        raise ValueError(f"{model.__name__} has no column for {sorted(unknown)}")
    defaulted_fields, defaults = [], []
    for field in meta.concrete_fields:
        if field.attname in given or field.primary_key:
            continue
        default = field.get_default()
        if default is None and not field.null:
            raise ValueError(f"{model.__name__}.{field.attname} has no default; give it a value")
        defaulted_fields.append(field)
        defaults.append(default)
    row_fields = tuple(by_attname[name] for name in row_type._fields)
    return TablePlan(meta.db_table, row_fields + tuple(defaulted_fields), tuple(defaults))


class BulkInserter:
    """Prepares and inserts batches of rows (their ids come from core.copy_insert.ids_reserve)."""

    def __init__(self) -> None:
        self.is_postgresql = connection.vendor == "postgresql"
        self._plans: dict[tuple[type[models.Model], type], TablePlan] = {}

    def prepare(self, model: type[models.Model], rows: Sequence[NamedTuple]) -> Batch:
        """A batch inserting `rows` (all of one row type, at least one) into the model's table."""
        plan = self._plan(model, type(rows[0]))
        if self.is_postgresql:
            return _copy_batch(plan, rows)
        return _insert_batch(plan, rows)

    def insert(self, batch: Batch) -> None:
        """Execute `batch` on this thread's connection."""
        with connection.cursor() as cursor:
            if self.is_postgresql:
                cursor.copy_expert(batch.statement, batch.data, COPY_READ_SIZE)
            else:
                cursor.executemany(batch.statement, batch.data)

    def analyze(self, tables: Sequence[str]) -> None:
        """Vacuum `tables` and refresh the planner's statistics, so that the benchmarks that
        follow meet the data as a running database's autovacuum leaves it (PostgreSQL only;
        autovacuum is too late, or off): planned for what is there, without the row versions
        the triggers' updates left behind, and with the visibility map index-only scans need.
        Outside a transaction only (VACUUM cannot run in one); inside one, ANALYZE alone."""
        if not self.is_postgresql:
            return
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"{command} {connection.ops.quote_name(table)}")

    def _plan(self, model: type[models.Model], row_type: type) -> TablePlan:
        key = (model, row_type)
        if key not in self._plans:
            self._plans[key] = plan_table(model, row_type)
        return self._plans[key]


def _copy_batch(plan: TablePlan, rows: Sequence[NamedTuple]) -> Batch:
    # CSV reads an unquoted empty field as NULL; FORCE_NOT_NULL makes it the empty string in
    # the NOT NULL columns. No model has a nullable text column, so an empty field is NULL
    # exactly where the row held None.
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if plan.defaults:
        writer.writerows(row + plan.defaults for row in rows)
    else:
        writer.writerows(rows)
    buffer.seek(0)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in plan.fields)
    not_null = ", ".join(quote(field.column) for field in plan.fields if not field.null)
    statement = (
        f"COPY {quote(plan.table)} ({columns}) FROM STDIN "
        f"WITH (FORMAT csv, FORCE_NOT_NULL ({not_null}))"
    )
    return Batch(plan.table, len(rows), statement, buffer)


def _insert_batch(plan: TablePlan, rows: Sequence[NamedTuple]) -> Batch:
    # Not bulk_create: it would overwrite the generated created_at with now (auto_now_add).
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in plan.fields)
    placeholders = ", ".join(["%s"] * len(plan.fields))
    statement = f"INSERT INTO {quote(plan.table)} ({columns}) VALUES ({placeholders})"
    values = [
        tuple(
            field.get_db_prep_save(value, connection)
            for field, value in zip(plan.fields, row + plan.defaults, strict=True)
        )
        for row in rows
    ]
    return Batch(plan.table, len(rows), statement, values)
