"""The shared kernel's model pieces. Imports no domain app."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class AssignedModel(TimeStampedModel):
    """A CRM item a member of staff is responsible for, and who created it.

    Neither foreign key has an index of its own: models that filter by the responsible lead
    a composite index with it (e.g. responsible + stage).
    """

    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

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


class IdempotencyRecord(models.Model):
    """The first answer to a create request sent with an `Idempotency-Key` header, so that a
    retried request gets that answer instead of creating a second object."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("key"), max_length=255)
    # what was asked: method, path and a hash of the body; the same key with another request
    # is refused rather than answered with an unrelated object
    fingerprint = models.CharField(_("request"), max_length=64)
    response_status = models.PositiveSmallIntegerField(_("status"), null=True, blank=True)
    response_body = models.JSONField(_("answer"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique")
        ]

    def __str__(self) -> str:
        return self.key
