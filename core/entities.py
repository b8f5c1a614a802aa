"""The CRM items by EntityType: their models and their cards, for code that takes an item as
(type, id) (activities, shares, links in lists). Models are looked up through the app registry
and cards by route name, so this kernel module imports no domain app."""

from django.apps import apps
from django.db import models
from django.urls import NoReverseMatch, reverse

from .models import EntityType

ENTITY_MODELS = {
    EntityType.LEAD: "leads.Lead",
    EntityType.CONTACT: "contacts.Contact",
    EntityType.COMPANY: "contacts.Company",
    EntityType.DEAL: "deals.Deal",
}
# The card of each item type, by URL name: links are reversed from (type, id) without loading
# the item.
ENTITY_DETAIL_ROUTES = {
    EntityType.LEAD: "leads:detail",
    EntityType.CONTACT: "contacts:detail",
    EntityType.COMPANY: "contacts:company-detail",
    EntityType.DEAL: "deals:detail",
}


def entity_model(entity_type: str) -> type[models.Model]:
    """The model of `entity_type`; LookupError for a type that is not a CRM item."""
    try:
        return apps.get_model(ENTITY_MODELS[EntityType(entity_type)])
    except (KeyError, ValueError):
        raise LookupError(entity_type) from None


def entity_url_of(entity_type: str, entity_id: int) -> str:
    """The card of an item from its type and id (no query); "" when its route is missing."""
    route = ENTITY_DETAIL_ROUTES.get(entity_type)
    if not route:
        return ""
    try:
        return reverse(route, args=[entity_id])
    except NoReverseMatch:
        return ""
