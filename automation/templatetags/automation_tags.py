"""Automation in templates: a robot's action, timing and condition in words for the editor,
and `{% item_robots entity %}`, the Robots panel of a deal or lead card."""

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

from ..actions import ACTIONS
from ..conditions import FIELDS, NO_VALUE, OPERATORS
from ..models import Robot
from ..robots import date_fields_of
from ..selectors import item_robot_runs

register = template.Library()

AMOUNTS = {
    Robot.Unit.SECONDS: ngettext_lazy("%(count)d second", "%(count)d seconds", "count"),
    Robot.Unit.MINUTES: ngettext_lazy("%(count)d minute", "%(count)d minutes", "count"),
    Robot.Unit.HOURS: ngettext_lazy("%(count)d hour", "%(count)d hours", "count"),
    Robot.Unit.DAYS: ngettext_lazy("%(count)d day", "%(count)d days", "count"),
}


@register.filter
def action_label(key: str) -> str:
    try:
        return str(ACTIONS.get(key).label)
    except LookupError:
        return _("Unknown action %(key)s") % {"key": key}


@register.filter
def robot_timing(robot: Robot) -> str:
    """When the robot runs, in words: "after 2 hours", "after the previous", "3 days before
    Expected close date, within working hours"."""
    Timing = Robot.Timing
    words = {"delay": AMOUNTS[robot.delay_unit] % {"count": robot.delay},
             "field": dict(date_fields_of(robot.entity_type)).get(robot.date_field, "")}  # fmt: skip
    text = {
        Timing.IMMEDIATELY: "" if robot.after_previous else _("immediately"),
        Timing.AFTER_DELAY: _("after %(delay)s") % words,
        Timing.AT_DATE: _("at %(field)s") % words,
        Timing.BEFORE_DATE: _("%(delay)s before %(field)s") % words,
        Timing.AFTER_DATE: _("%(delay)s after %(field)s") % words,
    }.get(robot.timing, robot.timing)
    if robot.after_previous:
        text = (
            _("after the previous, then %(when)s") % {"when": text}
            if text
            else _("after the previous")
        )
    if robot.working_hours_only:
        text = _("%(when)s, within working hours") % {"when": text}
    return text


@register.filter
def condition_text(condition: dict, entity_type: str) -> str:
    """The condition in words: "Amount at least 1000 and Title contains paint, or …"."""
    fields = FIELDS.get(entity_type, {})
    groups = []
    for group in (condition or {}).get("any", []):
        rules = []
        for rule in group.get("all", []):
            field = fields.get(rule.get("field"))
            words = [str(field.label) if field else rule.get("field", ""),
                     str(OPERATORS.get(rule.get("op"), rule.get("op", "")))]  # fmt: skip
            if rule.get("op") not in NO_VALUE:
                words.append(str(rule.get("value", "")))
            rules.append(" ".join(words))
        groups.append(_(" and ").join(rules))
    return _(", or ").join(groups)


@register.inclusion_tag("automation/item_robots.html")
def item_robots(entity) -> dict:
    """The Robots panel of a card: the item's newest runs (one query); nothing without runs."""
    return {"runs": item_robot_runs(str(entity.ENTITY_TYPE), entity.pk, limit=20)}
