from django.db import models
from django.urls import NoReverseMatch, reverse


def entity_url(entity: models.Model) -> str:
    """The page of a CRM item: its card (`<app>:detail`) where the app has one, else its
    admin page, so links in notifications work before and after the workspace exists."""
    meta = entity._meta
    try:
        return reverse(f"{meta.app_label}:detail", args=[entity.pk])
    except NoReverseMatch:
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[entity.pk])
