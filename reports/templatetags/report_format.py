"""How a report's values read, by their column's kind (reports.definitions.Column): in the
table (money in the base currency, percent, durations in days and hours, dates), in the CSV
(plain values a spreadsheet can sum) and on the chart (numbers)."""

import datetime
from decimal import Decimal

from django import template
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.templatetags.crm import money

register = template.Library()

DAY, HOUR, MINUTE = 86400, 3600, 60
CENT, TENTH = Decimal("0.01"), Decimal("0.1")


def seconds_of(value) -> int:
    """A duration (seconds, or a timedelta) in whole seconds."""
    if isinstance(value, datetime.timedelta):
        return int(value.total_seconds())
    return int(value)


def duration_text(value) -> str:
    """`3 d 4 h` from a day on, `5 h 20 min` below a day, `12 min` below an hour."""
    seconds = seconds_of(value)
    if seconds < 0:
        return "-" + duration_text(-seconds)
    days, rest = divmod(seconds, DAY)
    hours, rest = divmod(rest, HOUR)
    minutes = rest // MINUTE
    if days:
        return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)s min") % {"minutes": minutes}


@register.filter
def report_cell(value, kind: str = "text", currency=None) -> str:
    """A value as the report's table shows it; `currency` is the base one (for money)."""
    if value is None or value == "":
        return ""
    if kind == "money":
        return money(value, currency)
    if kind == "percent":
        return f"{floatformat(value, 1)}%"
    if kind == "number":
        return floatformat(value, "-2g")
    if kind == "duration":
        return duration_text(value)
    if kind == "date" and isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return date_format(value, "SHORT_DATETIME_FORMAT")
    if kind == "date" and isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def plain_value(value, kind: str = "text"):
    """A value as the CSV holds it: money to the cent (in the base currency), percent as a
    number, durations in hours, dates in ISO 8601."""
    if value is None:
        return ""
    if kind == "money":
        return Decimal(value).quantize(CENT)
    if kind == "duration":
        return (Decimal(seconds_of(value)) / HOUR).quantize(TENTH)
    if kind == "date" and isinstance(value, datetime.date):
        return value.isoformat()
    if kind in ("number", "percent"):
        return value
    return str(value)
