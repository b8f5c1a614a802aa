"""The events a webhook subscription can ask for: public keys "<item>.<verb>", stable for
receivers, independent of the internal domain event names; a subscription in Bitrix24's
format asks for Bitrix24's event names instead (BITRIX24_EVENT_TYPES)."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.text import format_lazy
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


def _bitrix24(key: str, label: Promise) -> EventType:
    return EventType(key, format_lazy("{key} ({label})", key=key, label=label))


# Bitrix24's CRM events (bitrix24-rest.md §2.10). The body carries only the item's id
# (ONCRMDEALMOVETOCATEGORY also the new CATEGORY_ID and STAGE_ID); handlers.BITRIX24_ROUTES
# says which domain events send them.
BITRIX24_EVENT_TYPES: dict[str, EventType] = {
    event.key: event
    for event in [
        _bitrix24("ONCRMLEADADD", _("Lead created")),
        _bitrix24("ONCRMLEADUPDATE", _("Lead updated")),
        _bitrix24("ONCRMLEADDELETE", _("Lead deleted")),
        _bitrix24("ONCRMDEALADD", _("Deal created")),
        _bitrix24("ONCRMDEALUPDATE", _("Deal updated")),
        _bitrix24("ONCRMDEALMOVETOCATEGORY", _("Deal moved to another pipeline")),
        _bitrix24("ONCRMDEALDELETE", _("Deal deleted")),
        _bitrix24("ONCRMCONTACTADD", _("Contact created")),
        _bitrix24("ONCRMCONTACTUPDATE", _("Contact updated")),
        _bitrix24("ONCRMCONTACTDELETE", _("Contact deleted")),
        _bitrix24("ONCRMCOMPANYADD", _("Company created")),
        _bitrix24("ONCRMCOMPANYUPDATE", _("Company updated")),
        _bitrix24("ONCRMCOMPANYDELETE", _("Company deleted")),
    ]
}

# payload format (models.PayloadFormat) -> the events a subscription in it can ask for
CATALOGUES: dict[str, dict[str, EventType]] = {
    "json": EVENT_TYPES,
    "bitrix24": BITRIX24_EVENT_TYPES,
}


def event_types_for(payload_format: str) -> dict[str, EventType]:
    return CATALOGUES.get(payload_format, EVENT_TYPES)


def event_choices() -> list[tuple[str, str | Promise]]:
    """Every event of every format, grouped by format (the forms offer them all; the services
    refuse an event of another format than the subscription's)."""
    return [
        (_("JSON"), [(event.key, event.label) for event in EVENT_TYPES.values()]),
        (
            _("Bitrix24 events"),
            [(event.key, event.label) for event in BITRIX24_EVENT_TYPES.values()],
        ),
    ]
