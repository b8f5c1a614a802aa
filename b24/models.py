"""Incoming webhooks of the Bitrix24-compatible REST surface: a secret code that lets a shop
module or script call /rest/<user id>/<code>/<method> as that user, within its scopes."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class Scope(models.TextChoices):
    CRM = "crm", _("CRM")
    USER = "user", _("Users")


class InboundWebhook(TimeStampedModel):
    """Only the code's SHA-256 is kept: the code is shown once, when the webhook is made.
    Calls run with `user`'s rights, so a manager's webhook sees what the manager sees."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="inbound_webhooks",
    )
    name = models.CharField(_("name"), max_length=100)
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    code_hint = models.CharField(_("code ends with"), max_length=4, editable=False)
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("incoming webhook")
        verbose_name_plural = _("incoming webhooks")
        ordering = ["user_id", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code_hash__regex=r"^[0-9a-f]{64}$"), name="inbound_webhook_code_hash"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (…{self.code_hint})"

    @property
    def scope_labels(self) -> list[str]:
        return [str(Scope(each).label) for each in self.scopes if each in Scope.values]
