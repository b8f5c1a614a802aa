"""Conditions on an item's fields, for robots (and scheduled rules).

A condition is `{"any": [{"all": [rule, ...]}, ...]}`: it holds when any group holds, and a
group holds when all its rules do; an empty condition always holds. A rule is
`{"field": "amount", "op": "gte", "value": "1000"}`. Values are stored as strings (ids for
sources, users and sections) and compared in the field's own type.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.models import ProductRow, Section
from core.models import EntityType


@dataclass(frozen=True)
class ConditionField:
    label: str
    kind: str  # number, text, choice, id (a foreign key), section
    attribute: str = ""  # the item's attribute, when it is not the field's name


FIELDS = {
    EntityType.DEAL: {
        "amount": ConditionField(gettext_lazy("Amount"), "number"),
        "title": ConditionField(gettext_lazy("Title"), "text"),
        "deal_type": ConditionField(gettext_lazy("Type"), "choice"),
        "source": ConditionField(gettext_lazy("Source"), "id", "source_id"),
        "responsible": ConditionField(gettext_lazy("Responsible"), "id", "responsible_id"),
        "company": ConditionField(gettext_lazy("Company"), "id", "company_id"),
        "product_section": ConditionField(gettext_lazy("Product section"), "section"),
    },
    EntityType.LEAD: {
        "amount": ConditionField(gettext_lazy("Amount"), "number"),
        "title": ConditionField(gettext_lazy("Title"), "text"),
        "source": ConditionField(gettext_lazy("Source"), "id", "source_id"),
        "responsible": ConditionField(gettext_lazy("Responsible"), "id", "responsible_id"),
        "company_title": ConditionField(gettext_lazy("Company name"), "text"),
        "product_section": ConditionField(gettext_lazy("Product section"), "section"),
    },
}
OPERATORS = {
    "eq": gettext_lazy("is"),
    "ne": gettext_lazy("is not"),
    "gt": gettext_lazy("greater than"),
    "gte": gettext_lazy("at least"),
    "lt": gettext_lazy("less than"),
    "lte": gettext_lazy("at most"),
    "contains": gettext_lazy("contains"),
    "empty": gettext_lazy("is empty"),
    "not_empty": gettext_lazy("is not empty"),
}
ORDERING = {"gt", "gte", "lt", "lte"}
NO_VALUE = {"empty", "not_empty"}


def condition_validate(condition, entity_type: str) -> dict:
    """The condition, checked and normalised; ValidationError naming what is wrong."""
    if not condition:
        return {}
    groups = condition.get("any") if isinstance(condition, dict) else None
    if not isinstance(groups, list):
        raise ValidationError(_('A condition is {"any": [{"all": [rules]}]}.'))
    fields = FIELDS[entity_type]
    normalised = []
    for group in groups:
        rules = group.get("all") if isinstance(group, dict) else None
        if not isinstance(rules, list) or not rules:
            raise ValidationError(_("Each group of a condition needs at least one rule."))
        normalised.append({"all": [_rule_validate(rule, fields) for rule in rules]})
    return {"any": normalised}


def _rule_validate(rule, fields: dict) -> dict:
    if not isinstance(rule, dict) or rule.get("field") not in fields:
        raise ValidationError(
            _("Unknown field in a condition: %(field)s.")
            % {"field": rule.get("field") if isinstance(rule, dict) else rule}
        )
    field, op = fields[rule["field"]], rule.get("op")
    if op not in OPERATORS:
        raise ValidationError(_("Unknown comparison in a condition: %(op)s.") % {"op": op})
    if op in ORDERING and field.kind != "number":
        raise ValidationError(
            _("%(field)s cannot be compared as a number.") % {"field": field.label}
        )
    if op == "contains" and field.kind != "text":
        raise ValidationError(_("Only a text field can contain something."))
    value = "" if op in NO_VALUE else str(rule.get("value", "")).strip()
    if op not in NO_VALUE and value == "":
        raise ValidationError(_("Give a value to compare %(field)s with.") % {"field": field.label})
    if field.kind == "number" and value:
        _number(value, field)
    if field.kind in ("id", "section") and value and not value.isdigit():
        raise ValidationError(_("%(field)s is compared by its id.") % {"field": field.label})
    return {"field": rule["field"], "op": op, "value": value}


def _number(value: str, field: ConditionField) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation:
        raise ValidationError(
            _("%(value)s is not a number (%(field)s).") % {"value": value, "field": field.label}
        ) from None


def condition_holds(condition: dict, item, entity_type: str) -> bool:
    """Does `item` satisfy the (validated) condition?"""
    groups = (condition or {}).get("any") or []
    if not groups:
        return True
    fields = FIELDS[entity_type]
    return any(
        all(_rule_holds(rule, fields[rule["field"]], item, entity_type) for rule in group["all"])
        for group in groups
    )


def _rule_holds(rule: dict, field: ConditionField, item, entity_type: str) -> bool:
    op, expected = rule["op"], rule["value"]
    if field.kind == "section":
        return _has_product_in_section(item, entity_type, int(expected or 0)) == (op != "ne")
    actual = getattr(item, field.attribute or rule["field"])
    if op == "empty":
        return actual in (None, "")
    if op == "not_empty":
        return actual not in (None, "")
    if field.kind == "number":
        actual, expected = Decimal(actual or 0), Decimal(expected)
    elif field.kind == "id":
        actual, expected = actual, int(expected)
    else:
        actual, expected = str(actual or "").casefold(), expected.casefold()
    return {
        "eq": lambda: actual == expected,
        "ne": lambda: actual != expected,
        "gt": lambda: actual > expected,
        "gte": lambda: actual >= expected,
        "lt": lambda: actual < expected,
        "lte": lambda: actual <= expected,
        "contains": lambda: expected in actual,
    }[op]()


def _has_product_in_section(item, entity_type: str, section_id: int) -> bool:
    """Has the item a product row of that section or of a section below it?"""
    section = Section.objects.filter(pk=section_id).first()
    if section is None:
        return False
    return ProductRow.objects.filter(
        **{entity_type: item}, product__section__path__startswith=section.path
    ).exists()
