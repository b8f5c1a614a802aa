"""Write helpers shared by every app's services."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.db import connection, models
from django.utils import timezone

ModelT = TypeVar("ModelT", bound=models.Model)


@dataclass(frozen=True)
class FieldChange:
    """One changed field, with JSON-ready old and new values for the timeline."""

    field: str
    old: Any
    new: Any

    def as_dict(self) -> dict:
        return {"field": self.field, "old": self.old, "new": self.new}


def lock_for_update(instance: ModelT) -> ModelT:
    """The stored row of `instance`, reloaded and locked FOR UPDATE until the transaction ends.

    The query locks that one row and joins nothing: on PostgreSQL, a locking query that waited
    for a concurrent update re-checks the new row against the old version of any joined row,
    so a deal moved to another stage meanwhile would seem not to exist (and joined rows such
    as the stage would be locked too). Related objects load afterwards, unlocked.
    """
    return type(instance)._default_manager.select_for_update().get(pk=instance.pk)


def json_value(value: Any) -> Any:
    """A field value as the timeline stores it: related objects as {"id", "label"}."""
    if isinstance(value, models.Model):
        return {"id": value.pk, "label": str(value)}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    return value


def model_update(
    *, instance: models.Model, fields: list[str], data: dict[str, Any]
) -> list[FieldChange]:
    """Set those of `fields` present in `data` that differ, validate them (ValidationError),
    and save only them.

    Unknown keys in `data` raise ValueError (a caller's bug, not user input). Returns what
    changed, in the order of `fields`; saves nothing when nothing changed.
    """
    unknown = set(data) - set(fields)
    if unknown:
        raise ValueError(f"cannot update {', '.join(sorted(unknown))} of {instance._meta.label}")
    changes = []
    for field in fields:
        if field not in data:
            continue
        old, new = getattr(instance, field), data[field]
        if old != new:
            setattr(instance, field, new)
            changes.append(FieldChange(field, json_value(old), json_value(new)))
    if changes:
        changed = {change.field for change in changes}
        unchanged = [field.name for field in instance._meta.fields if field.name not in changed]
        instance.full_clean(exclude=unchanged)
        instance.save(update_fields=[*changed, "updated_at"])
    return changes


def row_exists(model: type[models.Model], **values) -> bool:
    """Whether a row of `model` has these field values: exists() without the ORM's query
    compilation, about five times cheaper, for checks made once per event on hot paths."""
    quote = connection.ops.quote_name
    meta = model._meta
    where = " AND ".join(f"{quote(meta.get_field(name).column)} = %s" for name in values)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {quote(meta.db_table)} WHERE {where} LIMIT 1",  # noqa: S608 (names)
            list(values.values()),
        )
        return cursor.fetchone() is not None


def last_used_touch(instance: models.Model, *, precision_seconds: int = 60) -> None:
    """Write now into the instance's `last_used_at` (an API token, a webhook), at most once a
    `precision_seconds`, so a busy script's requests do not each write a row."""
    now = timezone.now()
    last = instance.last_used_at
    if last is None or now - last > datetime.timedelta(seconds=precision_seconds):
        type(instance)._base_manager.filter(pk=instance.pk).update(last_used_at=now)
        instance.last_used_at = now
