from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency=None) -> str:
    """`1 234.50 ₽`: an amount with thousands grouped and its currency's symbol (or code)."""
    if amount is None:
        return ""
    symbol = getattr(currency, "symbol", "") or getattr(currency, "code", "") or currency or ""
    return f"{intcomma(floatformat(amount, '2g'))} {symbol}".strip()


@register.simple_tag(takes_context=True)
def sort_link(context, column) -> str:
    """The `?sort=` value a column heading links to: ascending first, then descending."""
    current = context["page"].sort
    return f"-{column.key}" if current == column.key else column.key


@register.simple_tag
def display_value(obj, name: str) -> str:
    """A field of `obj` as a card shows it: choice labels, related items' names, yes/no."""
    field = obj._meta.get_field(name)
    value = getattr(obj, name)
    if field.choices:
        return getattr(obj, f"get_{name}_display")()
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if value is None:
        return ""
    if name == "amount" and hasattr(obj, "currency"):
        return money(value, obj.currency)
    return str(value)


@register.simple_tag
def field_label(obj, name: str) -> str:
    """The verbose name of a field of `obj`'s model, as the timeline names changed fields."""
    try:
        return str(obj._meta.get_field(name).verbose_name)
    except Exception:  # a field since removed from the model: its stored name will do
        return name


@register.filter
def stored_value(value) -> str:
    """A value as the timeline stored it (core.services.json_value): objects by their label."""
    if isinstance(value, dict):
        return value.get("label", "")
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)
