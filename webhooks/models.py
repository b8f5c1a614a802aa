"""Outgoing webhooks: who wants which events (subscriptions), and the outbox of what was
sent to them (deliveries) with one row per attempt."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel

from . import transport
from .event_types import event_types_for

http_url_validator = URLValidator(schemes=["http", "https"])


class PayloadFormat(models.TextChoices):
    """How a delivery's body is written: this CRM's signed JSON, or Bitrix24's form-encoded
    event (ONCRMDEALADD …, auth[application_token] = the secret; formats.py)."""

    JSON = "json", _("JSON")
    BITRIX24 = "bitrix24", _("Bitrix24 events (form-encoded)")


class WebhookSubscription(TimeStampedModel):
    """A receiver of the events it lists. `secret` signs every body sent to it.

    `payload_format` picks the catalogue its events come from (event_types_for) and the
    shape of the bodies sent to it; everything else (outbox, retries, log) is the same.

    `failing_since` is when its deliveries started failing without a success in between;
    after settings.WEBHOOK_DISABLE_AFTER of that the subscription is switched off.
    """

    name = models.CharField(_("name"), max_length=100)
    target_url = models.URLField(_("target URL"), max_length=500, validators=[http_url_validator])
    payload_format = models.CharField(
        _("payload format"), max_length=10, choices=PayloadFormat, default=PayloadFormat.JSON
    )
    events = models.JSONField(_("events"), default=list, blank=True)
    secret = models.CharField(_("secret"), max_length=64, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    disabled_at = models.DateTimeField(_("switched off for failures at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="webhook_subscription_name_unique"),
            models.CheckConstraint(
                condition=Q(target_url__startswith="http://")
                | Q(target_url__startswith="https://"),
                name="webhook_subscription_target_is_http",
            ),
            models.CheckConstraint(
                condition=~Q(secret=""), name="webhook_subscription_has_a_secret"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """A target on a loopback, private, link-local or reserved address is refused
        (transport.resolve_target; settings.WEBHOOK_ALLOW_PRIVATE_TARGETS lets it through).
        The address is checked again before every POST: DNS answers change."""
        super().clean()
        refusal = transport.target_refusal(self.target_url) if self.target_url else None
        if refusal:
            raise ValidationError({"target_url": refusal})

    def wants(self, event: str) -> bool:
        return self.is_active and event in self.events

    @property
    def event_labels(self) -> list[str]:
        catalogue = event_types_for(self.payload_format)
        return [str(catalogue[key].label) for key in self.events if key in catalogue]


class WebhookDelivery(TimeStampedModel):
    """One event for one subscription: the outbox row. Pending rows are sent when their
    `next_try_at` comes (the task enqueued on commit, or the sweep every minute)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")  # the receiver refused it (4xx): no retry
        GAVE_UP = "gave_up", _("Gave up")  # retries exhausted or the subscription switched off

    subscription = models.ForeignKey(
        WebhookSubscription,
        verbose_name=_("subscription"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event = models.CharField(_("event"), max_length=50)
    # the subscription's format when queued: the stored payload is written in it
    payload_format = models.CharField(
        _("payload format"), max_length=10, choices=PayloadFormat, default=PayloadFormat.JSON
    )
    payload = models.JSONField(_("payload"))
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_try_at = models.DateTimeField(_("next try at"), null=True, blank=True)
    last_response_code = models.PositiveSmallIntegerField(
        _("last response code"), null=True, blank=True
    )
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    redelivery_of = models.ForeignKey(
        "self",
        verbose_name=_("redelivery of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="redeliveries",
    )

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_try_at"],
                condition=Q(status="pending"),
                name="webhook_delivery_due",
            ),
            models.Index(fields=["subscription", "-created_at"], name="webhook_delivery_log"),
        ]
        constraints = [
            # the sweep finds pending rows by their next try: one without it would never go out
            models.CheckConstraint(
                condition=~Q(status="pending") | Q(next_try_at__isnull=False),
                name="webhook_delivery_pending_has_next_try",
            ),
            models.CheckConstraint(
                condition=~Q(status="delivered") | Q(delivered_at__isnull=False),
                name="webhook_delivery_delivered_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription_id} #{self.pk}"


class WebhookDeliveryAttempt(TimeStampedModel):
    """One POST of a delivery: what came back, how long it took, what went wrong."""

    delivery = models.ForeignKey(
        WebhookDelivery,
        verbose_name=_("delivery"),
        on_delete=models.CASCADE,
        related_name="attempt_log",
    )
    number = models.PositiveIntegerField(_("number"))
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    response_excerpt = models.TextField(_("response excerpt"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration, ms"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("webhook delivery attempt")
        verbose_name_plural = _("webhook delivery attempts")
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "number"], name="webhook_delivery_attempt_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.delivery_id}.{self.number}: {self.response_code or self.error[:40]}"
