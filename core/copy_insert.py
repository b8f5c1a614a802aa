"""Inserting many new rows with PostgreSQL's COPY: bulk_create compiles an INSERT of every
field of every row, most of the cost of a service that writes thousands."""

import io
import json
from decimal import Decimal

from django.db import connection, models


def rows_copy_insert(model: type[models.Model], rows: list[dict], *, now) -> None:
    """Insert `rows`: dicts of the same fields in the same order (name -> value, a related
    object or its id for a foreign key); the other fields take their default (a callable one
    called per row), or `now` for an auto_now one. Nothing is checked but by the database:
    a refused row raises IntegrityError (or another DatabaseError) and nothing is inserted.
    With COPY on PostgreSQL, elsewhere one executemany INSERT."""
    if not rows:
        return
    given = [model._meta.get_field(name) for name in rows[0]]
    others = [each for each in model._meta.concrete_fields
              if not each.primary_key and each not in given]  # fmt: skip
    # a callable default (a uuid4) is called per row
    fresh = [each for each in others if each.has_default() and callable(each.default)]
    constant = [each for each in others if each not in fresh]
    constants = [now if getattr(each, "auto_now", False) or getattr(each, "auto_now_add", False)
                 else each.get_default() for each in constant]  # fmt: skip
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(each.column) for each in given + fresh + constant)
    if connection.vendor != "postgresql":
        _rows_insert(table, columns, given + fresh + constant, (
            [*row.values(), *[each.get_default() for each in fresh], *constants] for row in rows
        ))  # fmt: skip
        return
    tail = "".join("\t" + _copy_text(value) for value in constants)  # the same for every row
    data = "".join(
        "\t".join([_copy_text(value) for value in row.values()])
        + "".join(["\t" + _copy_text(each.get_default()) for each in fresh])
        + tail
        + "\n"
        for row in rows
    )
    # wrapped as Django wraps its queries' errors: a refused row is an IntegrityError
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", io.StringIO(data))


def _rows_insert(table: str, columns: str, fields: list[models.Field], rows) -> None:
    """The same rows as one executemany INSERT, each value prepared as the ORM prepares it."""
    prepared = [
        [each.get_db_prep_save(value.pk if isinstance(value, models.Model) else value, connection)
         for each, value in zip(fields, row, strict=True)]
        for row in rows
    ]  # fmt: skip
    placeholders = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({placeholders})",  # noqa: S608 (names)
            prepared,
        )


def objects_copy_insert(model: type[models.Model], objects: list[models.Model], *, now) -> None:
    """bulk_create for new objects whose fields need no preparing (no pre_save but auto_now's):
    each gets a reserved id, `now` in its auto_now fields, and is then written with
    rows_copy_insert."""
    fields = model._meta.concrete_fields
    stamped = [each for each in fields
               if getattr(each, "auto_now", False) or getattr(each, "auto_now_add", False)]  # fmt: skip
    for instance, pk in zip(objects, ids_reserve(model, len(objects)), strict=True):
        instance.pk = pk
        for each in stamped:
            setattr(instance, each.attname, now)
    rows_copy_insert(
        model,
        [
            {each.attname: getattr(instance, each.attname) for each in fields}
            for instance in objects
        ],
        now=now,
    )
    for instance in objects:  # saved, as bulk_create leaves them
        instance._state.adding = False
        instance._state.db = connection.alias


def ids_reserve(model: type[models.Model], count: int) -> list[int]:
    """`count` new ids of the model's table: nobody else gets them, whether or not the rows
    are ever inserted. On PostgreSQL from the table's sequence (not consecutive if another
    session takes ids meanwhile: nextval() is atomic per call); on SQLite by moving the
    table's sqlite_sequence entry up (Django's SQLite keys are AUTOINCREMENT: new ids are
    always above it)."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(sequence) FROM generate_series(1, %s), "
                "(SELECT pg_get_serial_sequence(%s, %s)::regclass AS sequence) AS found",
                [count, table, model._meta.pk.column],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "UPDATE sqlite_sequence SET seq = seq + %s WHERE name = %s RETURNING seq",
            [count, table],
        )
        row = cursor.fetchone()
        if row is None:  # the table never had a row, so it has no entry yet
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + %s FROM {quoted}", [count])  # noqa: S608 (names)
            row = cursor.fetchone()
            cursor.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, row[0]]
            )
    return list(range(row[0] - count + 1, row[0] + 1))


def _copy_text(value) -> str:
    """A value in COPY's text format."""
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if type(value) in _NUMBERS:  # the commonest after text, at once
        return str(value)
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, dict):
        return json.dumps(value).translate(_COPY_ESCAPES)
    if isinstance(value, bytes | memoryview):
        return "\\\\x" + bytes(value).hex()  # bytea's hex form, its backslash escaped for COPY
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)  # a uuid, a float


_NUMBERS = {int, Decimal}
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
