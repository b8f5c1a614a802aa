"""The shared kernel's model pieces. Imports no domain app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class EntityType(models.TextChoices):
    """The CRM items that activities and timeline events can be bound to."""

    LEAD = "lead", _("Lead")
    CONTACT = "contact", _("Contact")
    COMPANY = "company", _("Company")
    DEAL = "deal", _("Deal")


def exactly_one_not_null(*fields: str) -> models.Q:
    """A CheckConstraint condition: exactly one of `fields` is set."""
    condition = models.Q()
    for chosen in fields:
        branch = models.Q(**{f"{chosen}__isnull": False})
        for other in fields:
            if other != chosen:
                branch &= models.Q(**{f"{other}__isnull": True})
        condition |= branch
    return condition
