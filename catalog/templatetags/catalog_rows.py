"""`{% product_rows_editor owner as editor %}`: the product rows editor of a deal or a lead, for
the card's "Products" panel (catalog/product_rows.html); `plain` writes a number as an input's
value (no grouping, no trailing zeros past the cents)."""

from decimal import Decimal

from django import template

from catalog.rows_editor import RowsEditor, rows_editor

register = template.Library()


@register.simple_tag(takes_context=True)
def product_rows_editor(context, owner) -> RowsEditor:
    # the card has worked out whether its item is read-only (a converted lead is, too)
    can_edit = not context["readonly"] if "readonly" in context else None
    return rows_editor(owner=owner, user=context["request"].user, can_edit=can_edit)


@register.filter
def plain(value: Decimal | None) -> str:
    """`1.5000` → `1.5`, `100.00` → `100`, None → ``: a number as a form field shows it."""
    if value is None or value == "":
        return ""
    return format(Decimal(value).normalize(), "f")
