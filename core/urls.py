from django.db import models
from django.urls import reverse


def entity_url(entity: models.Model) -> str:
    """The page of a CRM item: its card where the model has one (get_absolute_url), else its
    admin page."""
    if hasattr(entity, "get_absolute_url"):
        return entity.get_absolute_url()
    meta = entity._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[entity.pk])
