"""How one Bitrix24 field maps onto this CRM: the ORM path it is read, filtered and ordered
on, how its value is shown and parsed, and what a write of it hands the service."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models

from .errors import B24Error
from .params import as_flag
from .values import (
    parse_date_value,
    parse_int,
    parse_lower,
    parse_money,
    parse_text,
    show_date,
    show_datetime,
    show_flag,
    show_id,
    show_money,
    show_text,
    show_upper,
)


@dataclass(frozen=True)
class Field:
    name: str
    title: str
    type: str = "string"
    path: str | None = None  # read, filtered and ordered on; None: not a column (multi-fields)
    show: Callable[[Any], Any] = show_text
    parse: Callable[[Any], Any] = parse_text  # a client's value as `path` holds it
    # a write: (value, call, item or None) -> the service's keyword arguments; None: read-only
    write: Callable | None = None
    required: bool = False
    multiple: bool = False
    immutable: bool = False
    status_type: str | None = None
    # the row's value from more than its path (STAGE_ID needs the pipeline too)
    combine: Callable[[dict], Any] | None = None
    extra_paths: tuple[str, ...] = ()

    def value(self, row: dict):
        return self.combine(row) if self.combine else self.show(row[self.path])

    def description(self) -> dict:
        """The field as `*.fields` describes it."""
        described = {
            "type": self.type, "isRequired": self.required, "isReadOnly": self.write is None,
            "isImmutable": self.immutable, "isMultiple": self.multiple, "isDynamic": False,
            "title": self.title,
        }  # fmt: skip
        if self.status_type:
            described["statusType"] = self.status_type
        return described


def written(target: str, parse: Callable = parse_text) -> Callable:
    return lambda value, call, item: {target: parse(value)}


def text(name, title, path, *, required=False, read_only=False) -> Field:
    return Field(name, title, "string", path, required=required,
                 write=None if read_only else written(path))  # fmt: skip


def integer(name, title, path, *, read_only=False) -> Field:
    return Field(name, title, "integer", path, show_id, parse_int,
                 None if read_only else written(path, parse_int))  # fmt: skip


def money(name, title, path, *, read_only=False) -> Field:
    return Field(name, title, "double", path, show_money, parse_money,
                 None if read_only else written(path, parse_money))  # fmt: skip


def date(name, title, path) -> Field:
    return Field(name, title, "date", path, show_date, parse_date_value,
                 written(path, parse_date_value))  # fmt: skip


def moment(name, title, path) -> Field:
    """A date and time the CRM keeps (read-only)."""
    return Field(name, title, "datetime", path, show_datetime, parse_date_value)


def flag(name, title, path) -> Field:
    return Field(name, title, "char", path, show_flag, as_flag, written(path, as_flag))


def choice(name, title, path, choices: type[models.TextChoices]) -> Field:
    """A choice kept in lower case, shown in upper case as Bitrix24's type ids are."""

    def parse(value):
        chosen = parse_lower(value)
        if chosen not in choices.values:
            raise B24Error(
                f"{name}: '{value}' is not one of {', '.join(map(str.upper, choices.values))}."
            )
        return chosen

    return Field(name, title, "crm_status", path, show_upper, parse, written(path, parse))


def link(name, title, path, target: str, find: Callable, *, type="integer", status_type=None,
         parse=parse_int, show=show_id) -> Field:  # fmt: skip
    """A link to another row, written as the object `find(value, call, item)` returns."""
    return Field(name, title, type, path, show, parse,
                 lambda value, call, item: {target: find(value, call, item)},
                 status_type=status_type)  # fmt: skip


def by_code(model: type[models.Model], name: str) -> Callable:
    """A finder of a dictionary row by its code (SOURCE_ID, STATUS_ID, CURRENCY_ID); empty: none."""

    def find(value, call, item):
        code = parse_text(value).strip()
        if not code:
            return None
        found = model.objects.filter(code__iexact=code).first()
        if found is None:
            raise B24Error(f"{name}: '{value}' not found.")
        return found

    return find


def visible(selector: Callable, name: str) -> Callable:
    """A finder of a CRM item the caller may see (COMPANY_ID, CONTACT_ID); empty or 0: none."""

    def find(value, call, item):
        pk = parse_int(value)
        if not pk:
            return None
        found = selector(actor=call.user).filter(pk=pk).first()
        if found is None:
            raise B24Error(f"{name}: item {pk} not found.")
        return found

    return find


def visible_all(selector: Callable, name: str, ids: list[int], call) -> list:
    """The CRM items of `ids` the caller may see, in that order, in one query; B24Error naming
    those not found (CONTACT_IDS, the items of crm.deal.contact.items.set)."""
    found = selector(actor=call.user).in_bulk(ids)
    missing = [str(pk) for pk in ids if pk not in found]
    if missing:
        raise B24Error(f"{name}: item {', '.join(missing)} not found.")
    return [found[pk] for pk in ids]


def user_of(name: str) -> Callable:
    def find(value, call, item):
        pk = parse_int(value)
        found = get_user_model().objects.filter(pk=pk, is_active=True).first() if pk else None
        if found is None:
            raise B24Error(f"{name}: user '{value}' not found.")
        return found

    return find


def timestamps() -> list[Field]:
    return [
        integer("CREATED_BY_ID", "Created by", "created_by_id", read_only=True),
        moment("DATE_CREATE", "Created", "created_at"),
        moment("DATE_MODIFY", "Modified", "updated_at"),
    ]
