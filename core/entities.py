"""Which model each EntityType names, for the interfaces that take an item by type and id
(activities, shares). Looked up through the app registry, so this kernel module imports no
domain app."""

from django.apps import apps
from django.db import models
from django.http import Http404

from .models import EntityType

ENTITY_MODELS = {
    EntityType.LEAD: "leads.Lead",
    EntityType.CONTACT: "contacts.Contact",
    EntityType.COMPANY: "contacts.Company",
    EntityType.DEAL: "deals.Deal",
}


def entity_model(entity_type: str) -> type[models.Model]:
    """The model of `entity_type`; Http404 for a type that is not a CRM item."""
    try:
        return apps.get_model(ENTITY_MODELS[EntityType(entity_type)])
    except (KeyError, ValueError):
        raise Http404("unknown item type") from None
