"""The events a webhook subscription can ask for: public keys "<item>.<verb>", stable for
receivers, independent of the internal domain event names."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class EventType:
    key: str
    label: str | Promise


EVENT_TYPES: dict[str, EventType] = {
    event.key: event
    for event in [
        EventType("lead.created", _("Lead created")),
        EventType("lead.updated", _("Lead updated")),
        EventType("lead.deleted", _("Lead deleted")),
        EventType("deal.created", _("Deal created")),
        EventType("deal.updated", _("Deal updated")),
        EventType("deal.stage_changed", _("Deal stage changed")),
        EventType("deal.deleted", _("Deal deleted")),
        EventType("contact.created", _("Contact created")),
        EventType("contact.updated", _("Contact updated")),
        EventType("contact.deleted", _("Contact deleted")),
        EventType("company.created", _("Company created")),
        EventType("company.updated", _("Company updated")),
        EventType("company.deleted", _("Company deleted")),
        EventType("activity.completed", _("Activity completed")),
    ]
}


def event_choices() -> list[tuple[str, str | Promise]]:
    return [(event.key, event.label) for event in EVENT_TYPES.values()]
