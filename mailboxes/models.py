"""Mailboxes the CRM reads over IMAP, and every message it took from them (one row each, so
nothing is processed twice and a message that could not be processed stays visible)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import EntityType, TimeStampedModel


class Mailbox(TimeStampedModel):
    """An IMAP folder whose new messages become leads or deals, or e-mails on known clients."""

    class Security(models.TextChoices):
        SSL = "ssl", _("SSL/TLS")
        STARTTLS = "starttls", _("STARTTLS")
        PLAIN = "plain", _("None (plain text)")

    class Target(models.TextChoices):
        LEAD = "lead", _("Create a lead")
        DEAL = "deal", _("Create a deal")

    name = models.CharField(_("name"), max_length=100)
    host = models.CharField(_("IMAP host"), max_length=255)
    port = models.PositiveIntegerField(_("port"), default=993)
    security = models.CharField(
        _("security"), max_length=10, choices=Security, default=Security.SSL
    )
    login = models.CharField(_("login"), max_length=255)
    password = models.CharField(_("password"), max_length=255, blank=True)
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    is_active = models.BooleanField(_("active"), default=True)
    poll_interval_minutes = models.PositiveIntegerField(_("poll every, minutes"), default=5)
    target = models.CharField(
        _("a message from an unknown sender"), max_length=10, choices=Target, default=Target.LEAD
    )
    pipeline = models.ForeignKey(
        "deals.Pipeline", verbose_name=_("pipeline of new deals"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("responsible"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    # IMAP UIDs are only comparable within one UIDVALIDITY: when the server changes it, the
    # folder is read again from the start (the stored Message-IDs keep that from doubling).
    uid_validity = models.BigIntegerField(null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(default=0, editable=False)
    # One poll at a time, as the shops' pulls: a lease that a killed worker lets run out.
    poll_lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    poll_lease_owner = models.CharField(max_length=32, blank=True, editable=False)
    last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(target="deal") | Q(pipeline__isnull=False),
                name="mailbox_deal_target_has_pipeline",
                violation_error_code="pipeline_required",
                violation_error_message=_("Choose the pipeline of the new deals."),
            ),
            models.CheckConstraint(
                condition=Q(poll_interval_minutes__gte=1), name="mailbox_poll_interval_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MailboxMessage(TimeStampedModel):
    """One message seen in a mailbox: what it became, or why it could not be processed."""

    class Status(models.TextChoices):
        PROCESSED = "processed", _("Processed")
        FAILED = "failed", _("Failed")

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="messages")
    uid_validity = models.BigIntegerField()
    uid = models.BigIntegerField()
    message_id = models.CharField(_("Message-ID"), max_length=998)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=998, blank=True)
    references = models.TextField(_("References"), blank=True)
    sender = models.CharField(_("from"), max_length=998, blank=True)
    subject = models.CharField(_("subject"), max_length=998, blank=True)
    size = models.BigIntegerField(_("size, bytes"))
    status = models.CharField(_("status"), max_length=10, choices=Status)
    error = models.TextField(_("error"), blank=True)
    # kept for a message that failed after download, to read it or process it by hand
    raw = models.BinaryField(null=True, blank=True, editable=False)
    entity_type = models.CharField(_("item type"), max_length=20, choices=EntityType, blank=True)
    entity_id = models.BigIntegerField(_("item id"), null=True, blank=True)
    activity = models.ForeignKey(
        "activities.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("received message")
        verbose_name_plural = _("received messages")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "message_id"], name="mailbox_message_unique_message_id"
            ),
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(error=""),
                name="mailbox_message_failed_has_error",
            ),
        ]

    def __str__(self) -> str:
        return self.subject or self.message_id
