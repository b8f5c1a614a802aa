"""The fields a CSV column can fill, per entity, and the column headings each is recognised by:
its English and Russian labels, and the headings our own CSV exports write (the same
translated strings, so an exported file maps itself in either language)."""

import re
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from contacts.models import Company, Contact
from core.models import EntityType
from deals.models import Deal


class Kind:
    """How a cell is read (imports.rows parses each kind)."""

    TEXT = "text"
    FULL_NAME = "full_name"
    PHONES = "phones"
    EMAILS = "emails"
    CHOICE = "choice"
    DATE = "date"
    DECIMAL = "decimal"
    INTEGER = "integer"
    INN = "inn"
    RESPONSIBLE = "responsible"
    SOURCE = "source"
    CAMPAIGN = "campaign"
    LEAD_STATUS = "lead_status"
    PIPELINE = "pipeline"
    STAGE = "stage"
    CURRENCY = "currency"
    COMPANIES = "companies"


# kinds that several columns may fill together ("Work phone" and "Mobile phone")
REPEATABLE = {Kind.PHONES, Kind.EMAILS}


@dataclass(frozen=True)
class ImportField:
    key: str
    label: Promise
    kind: str = Kind.TEXT
    aliases: tuple = ()
    choices: type | None = None  # the TextChoices of a CHOICE field


PERSON = [
    ImportField("last_name", _("Last name"), aliases=(_("Surname"), "Фамилия")),
    ImportField("first_name", _("First name"), aliases=("Имя",)),
    ImportField("middle_name", _("Middle name"), aliases=("Отчество", "Patronymic")),
    ImportField("full_name", _("Full name"), Kind.FULL_NAME, aliases=("ФИО", "Контакт")),
    ImportField("position", _("Position"), aliases=("Должность",)),
]
PHONES = ImportField(
    "phones", _("Phones"), Kind.PHONES,
    aliases=(_("Phone"), "Телефон", "Mobile", "Мобильный", "Мобильный телефон", "Рабочий телефон"),
)  # fmt: skip
EMAILS = ImportField(
    "emails", _("E-mails"), Kind.EMAILS,
    aliases=(_("E-mail"), "Email", "Emails", "Почта", "Электронная почта", "Эл. почта"),
)  # fmt: skip
SOURCE = ImportField("source", _("Source"), Kind.SOURCE, aliases=("Источник",))
RESPONSIBLE = ImportField(
    "responsible", _("Responsible"), Kind.RESPONSIBLE, aliases=("Ответственный", "Manager")
)
ADDRESS = ImportField("address", _("Address"), aliases=("Адрес",))
COMMENTS = ImportField("comments", _("Comments"), aliases=(_("Comment"), "Комментарий"))
AMOUNT = ImportField("amount", _("Amount"), Kind.DECIMAL, aliases=("Сумма",))
CURRENCY = ImportField("currency", _("Currency"), Kind.CURRENCY, aliases=("Валюта",))

FIELDS: dict[str, list[ImportField]] = {
    EntityType.CONTACT: [
        *PERSON,
        ImportField("contact_type", _("Type"), Kind.CHOICE, ("Тип",), Contact.Type),
        PHONES,
        EMAILS,
        ImportField("companies", _("Companies"), Kind.COMPANIES, aliases=(_("Company"),)),
        ImportField("birthdate", _("Birthdate"), Kind.DATE, aliases=("Дата рождения",)),
        SOURCE,
        RESPONSIBLE,
        ADDRESS,
        COMMENTS,
    ],
    EntityType.COMPANY: [
        ImportField("title", _("Company"), aliases=(_("Name"), _("Title"), "Название")),
        ImportField("company_type", _("Type"), Kind.CHOICE, ("Тип",), Company.Type),
        ImportField("industry", _("Industry"), Kind.CHOICE, (), Company.Industry),
        ImportField("inn", _("INN"), Kind.INN, aliases=("ИНН",)),
        PHONES,
        EMAILS,
        ImportField("revenue", _("Annual revenue"), Kind.DECIMAL),
        ImportField("employees", _("Employees"), Kind.INTEGER),
        SOURCE,
        RESPONSIBLE,
        ADDRESS,
        COMMENTS,
    ],
    EntityType.LEAD: [
        ImportField("title", _("Title"), aliases=("Название", "Лид")),
        ImportField("status", _("Status"), Kind.LEAD_STATUS, aliases=("Статус",)),
        AMOUNT,
        CURRENCY,
        *PERSON,
        ImportField("company_title", _("Company"), aliases=("Компания",)),
        PHONES,
        EMAILS,
        SOURCE,
        ImportField("campaign", _("Campaign"), Kind.CAMPAIGN),
        RESPONSIBLE,
        ADDRESS,
        COMMENTS,
    ],
    EntityType.DEAL: [
        ImportField("title", _("Title"), aliases=("Название", "Сделка")),
        ImportField("pipeline", _("Pipeline"), Kind.PIPELINE, aliases=("Воронка",)),
        ImportField("stage", _("Stage"), Kind.STAGE, aliases=("Стадия", "Этап")),
        AMOUNT,
        CURRENCY,
        ImportField("deal_type", _("Deal type"), Kind.CHOICE, (), Deal.Type),
        ImportField("probability", _("Probability, %"), Kind.INTEGER, aliases=(_("Probability"),)),
        ImportField("closes_on", _("Expected close date"), Kind.DATE),
        ImportField("company", _("Company"), Kind.COMPANIES, aliases=("Компания",)),
        SOURCE,
        RESPONSIBLE,
        COMMENTS,
    ],
}


def fields_of(entity: str) -> dict[str, ImportField]:
    return {field.key: field for field in FIELDS[entity]}


def heading_key(heading: str) -> str:
    """A column heading as headings are compared: lower case, "ё" as "е", without the marks
    around it ("E-mail:", "*Name") and with single spaces."""
    text = heading.replace("\ufeff", "").casefold().replace("ё", "е")
    return re.sub(r"\s+", " ", text).strip(" \t*:#.\"'")


def _labels(text) -> set[str]:
    """A label in every language of the interface (a plain string is itself)."""
    if not isinstance(text, Promise):
        return {heading_key(text)}
    labels = set()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            labels.add(heading_key(str(text)))
    return labels


def field_for_heading(entity: str, heading: str) -> str:
    """The key of the field a heading names, or "" when none does."""
    key = heading_key(heading)
    for field in FIELDS[entity]:
        if any(key in _labels(name) for name in (field.label, *field.aliases)):
            return field.key
    return ""


def mapping_guess(entity: str, header: list[str], remembered: dict[str, str]) -> list[str]:
    """The field of each column: the user's choice for that heading last time, else the field
    the heading names; a field the guess already gave to an earlier column is not given again
    (but phones and e-mails may come from several columns)."""
    kinds = {field.key: field.kind for field in FIELDS[entity]}
    mapping, taken = [], set()
    for heading in header:
        key = heading_key(heading)
        field = remembered[key] if key in remembered else field_for_heading(entity, heading)
        if field not in kinds or (field in taken and kinds[field] not in REPEATABLE):
            field = ""
        taken.add(field)
        mapping.append(field)
    return mapping
