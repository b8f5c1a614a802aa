"""A CSV row read as the fields of the item it becomes: each mapped cell parsed by its field's
kind, people, sources, statuses, pipelines… found by the names people (and our exports) write.
A cell that cannot be read rejects its row with the reason."""

import datetime
import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import Currency
from contacts.communications import normalize
from contacts.duplicates import Identity, identity_of
from contacts.models import Communication
from contacts.requisites import validate_inn
from core.csv_export import FORMULA_STARTS
from deals.models import Pipeline, Stage
from leads.models import Campaign, LeadStatus, Source

from .fields import ImportField, Kind, heading_key

DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y", "%d/%m/%Y")
LIST_SEPARATORS = re.compile(r"[,;\n]+")


@dataclass
class RowDraft:
    """A row that parsed: the values of its non-empty mapped cells by field key."""

    row_number: int
    cells: list[str]
    values: dict[str, Any]
    identity: Identity = field(default_factory=Identity)


class ReferenceData:
    """What cells may name, keyed by heading_key of each name they are known by (a user by
    login, e-mail, "First Last", "Last First"; a status by name or code…). Loaded once per run:
    these tables are small."""

    def __init__(self):
        self.users = {}
        for user in get_user_model().objects.filter(is_active=True).order_by("-pk"):
            names = [user.username, user.email, user.get_full_name(), str(user),
                     f"{user.last_name} {user.first_name}"]  # fmt: skip
            self.users |= {heading_key(name): user for name in names if name.strip()}
        self.sources = _by_names(Source.objects.all(), "name", "code")
        self.campaigns = _by_names(Campaign.objects.all(), "name")
        self.lead_statuses = _by_names(LeadStatus.objects.all(), "name", "code")
        self.pipelines = _by_names(Pipeline.objects.all(), "name")
        self.default_pipeline = Pipeline.objects.filter(is_default=True).first()
        self.stages = {
            (stage.pipeline_id, heading_key(stage.name)): stage for stage in Stage.objects.all()
        }
        self.currencies = {currency.code: currency for currency in Currency.objects.all()}


def _by_names(queryset, *attributes: str) -> dict[str, Any]:
    return {
        heading_key(getattr(item, attribute)): item
        for item in queryset.order_by("-pk")
        for attribute in attributes
    }


def row_draft(
    *, row_number: int, cells: list[str], columns: list[ImportField | None], refs: ReferenceData
) -> RowDraft:
    """The draft of a row whose cells fill `columns` (None: a column left out). Raises
    ValidationError naming the column and what is wrong with its cell."""
    values: dict[str, Any] = {}
    filled = [(column, _unguarded(cell)) for column, cell in zip(columns, cells, strict=False)
              if column is not None and cell.strip()]  # fmt: skip
    # a stage is read last: it is a stage of the row's pipeline, wherever that column is
    for column, cell in sorted(filled, key=lambda pair: pair[0].kind == Kind.STAGE):
        try:
            value = PARSERS.get(column.kind, _text)(cell, refs, column, values)
        except ValidationError as error:
            raise ValidationError(f"{column.label}: {' '.join(error.messages)}") from error
        if column.kind in (Kind.PHONES, Kind.EMAILS, Kind.COMPANIES):
            values[column.key] = [*values.get(column.key, []), *value]
        elif column.kind == Kind.FULL_NAME:
            for name, part in value.items():
                values.setdefault(name, part)
        else:
            values[column.key] = value
    identity = identity_of(
        phones=values.get("phones", ()), emails=values.get("emails", ()), inn=values.get("inn", "")
    )
    return RowDraft(row_number=row_number, cells=cells, values=values, identity=identity)


def _unguarded(cell: str) -> str:
    """The cell without the apostrophe our exports put before a value a spreadsheet would
    take for a formula (core.csv_export), so an exported "'+7 916…" comes back as "+7 916…"."""
    cell = cell.strip()
    return cell[1:] if cell[:1] == "'" and cell[1:2] in FORMULA_STARTS else cell


# Each parser takes (cell, refs, column, values: the row's fields read so far).


def _text(cell: str, *context) -> str:
    return cell


def _list(cell: str, *context) -> list[str]:
    return [item.strip() for item in LIST_SEPARATORS.split(cell) if item.strip()]


def _communications(kind: str):
    """Phones or e-mails, several to a cell; each must be one (as the contact card checks)."""

    def parse(cell: str, *context) -> list[str]:
        values = _list(cell)
        for value in values:
            normalize(kind, value)
        return values

    return parse


def _full_name(cell: str, *context) -> dict[str, str]:
    """ "Last First Middle", as the CRM writes a person's name."""
    parts = cell.split(maxsplit=2)
    return dict(zip(("last_name", "first_name", "middle_name"), parts, strict=False))


def _choice(cell: str, refs: ReferenceData, column: ImportField, values: dict) -> str:
    value = _choice_names(column.choices).get(heading_key(cell))
    if value is None:
        options = ", ".join(str(label) for label in column.choices.labels)
        raise ValidationError(
            _("“%(value)s” is not one of: %(options)s.") % {"value": cell, "options": options}
        )
    return value


@functools.cache
def _choice_names(choices: type) -> dict[str, str]:
    """Each choice by its value and by its label in every language (as exports write it)."""
    names = {heading_key(value): value for value in choices.values}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            names |= {heading_key(str(label)): value for value, label in choices.choices}
    return names


def _date(cell: str, *context) -> datetime.date:
    for date_format in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(cell, date_format).date()  # noqa: DTZ007 (a date)
        except ValueError:
            continue
    raise ValidationError(
        _("“%(value)s” is not a date (2024-03-31 or 31.03.2024).") % {"value": cell}
    )


def _decimal(cell: str, *context) -> Decimal:
    """1500.50, "1 500,50" (Russian), "1,500.50"."""
    text = re.sub(r"[\s\u00a0]", "", cell)
    text = text.replace(",", "") if "." in text else text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise ValidationError(_("“%(value)s” is not a number.") % {"value": cell})
    return number


def _integer(cell: str, *context) -> int:
    number = _decimal(cell)
    if number != number.to_integral_value():
        raise ValidationError(_("“%(value)s” is not a whole number.") % {"value": cell})
    return int(number)


def _inn(cell: str, *context) -> str:
    validate_inn(cell)
    return cell


def _named(refusal, table: str):
    """A parser of a name looked up in one of the reference tables; `refusal` names what the
    cell should have named ("There is no user “%(value)s”.")."""

    def find(cell: str, refs: ReferenceData, *context):
        found = getattr(refs, table).get(heading_key(cell))
        if found is None:
            raise ValidationError(refusal % {"value": cell})
        return found

    return find


def _currency(cell: str, refs: ReferenceData, *context) -> Currency:
    currency = refs.currencies.get(cell.strip().upper())
    if currency is None:
        raise ValidationError(_("There is no currency “%(value)s”.") % {"value": cell})
    return currency


def _stage(cell: str, refs: ReferenceData, column: ImportField, values: dict) -> Stage:
    """A stage of the row's pipeline (its Pipeline column comes first), else the default one."""
    pipeline = values.get("pipeline") or refs.default_pipeline
    stage = refs.stages.get((getattr(pipeline, "pk", None), heading_key(cell)))
    if stage is None:
        raise ValidationError(
            _("The pipeline %(pipeline)s has no stage “%(value)s”.")
            % {"pipeline": pipeline, "value": cell}
        )
    return stage


PARSERS = {
    Kind.FULL_NAME: _full_name,
    Kind.PHONES: _communications(Communication.Kind.PHONE),
    Kind.EMAILS: _communications(Communication.Kind.EMAIL),
    Kind.COMPANIES: _list,
    Kind.CHOICE: _choice,
    Kind.STAGE: _stage,
    Kind.DATE: _date,
    Kind.DECIMAL: _decimal,
    Kind.INTEGER: _integer,
    Kind.INN: _inn,
    Kind.RESPONSIBLE: _named(gettext_lazy("There is no user “%(value)s”."), "users"),
    Kind.SOURCE: _named(gettext_lazy("There is no source “%(value)s”."), "sources"),
    Kind.CAMPAIGN: _named(gettext_lazy("There is no campaign “%(value)s”."), "campaigns"),
    Kind.LEAD_STATUS: _named(gettext_lazy("There is no lead status “%(value)s”."), "lead_statuses"),
    Kind.PIPELINE: _named(gettext_lazy("There is no pipeline “%(value)s”."), "pipelines"),
    Kind.CURRENCY: _currency,
}
