"""Activities, the timeline and notifications.

Activities and timeline events point at CRM items by (entity_type, entity_id) rather than a
foreign key per item type, so this app sits below contacts, leads and deals and any new item
type gets a timeline without a migration here.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.models import AssignedModel, EntityType, TimeStampedModel


class Activity(AssignedModel):
    class Kind(models.TextChoices):
        TASK = "task", _("Task")
        CALL = "call", _("Call")
        MEETING = "meeting", _("Meeting")
        EMAIL = "email", _("E-mail")
        COMMENT = "comment", _("Comment")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")

    class Direction(models.TextChoices):
        INCOMING = "incoming", _("Incoming")
        OUTGOING = "outgoing", _("Outgoing")

    class Priority(models.TextChoices):
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")

    class RepeatUnit(models.TextChoices):
        DAY = "day", _("days")
        WEEK = "week", _("weeks")
        MONTH = "month", _("months")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PLANNED)
    subject = models.CharField(_("subject"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction, blank=True)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority, default=Priority.NORMAL
    )
    location = models.CharField(_("location"), max_length=255, blank=True)
    starts_at = models.DateTimeField(_("start"), null=True, blank=True)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    remind_at = models.DateTimeField(_("remind at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    # "Call again every 2 days until reached": completing such an activity plans the next one.
    repeat_every = models.PositiveSmallIntegerField(_("repeat every"), null=True, blank=True)
    repeat_unit = models.CharField(_("repeat unit"), max_length=10, choices=RepeatUnit, blank=True)
    repeat_until = models.DateField(_("repeat until"), null=True, blank=True)
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="next_occurrence"
    )
    result = models.TextField(_("result"), blank=True)
    email_from = models.CharField(_("sender"), max_length=255, blank=True)
    email_to = models.CharField(_("recipients"), max_length=1000, blank=True)
    is_created_by_robot = models.BooleanField(_("created by a robot"), default=False)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["deadline", "id"]
        indexes = [
            models.Index(fields=["responsible", "status", "deadline"], name="activity_my_plan"),
            models.Index(
                fields=["remind_at"],
                condition=Q(reminded_at__isnull=True, status="planned"),
                name="activity_reminder_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="planned", completed_at__isnull=True)
                | Q(status="done", completed_at__isnull=False),
                name="activity_completed_at_matches_status",
            ),
            models.CheckConstraint(
                # repeat_every__isnull=False: with a NULL count the second branch would be
                # NULL rather than false, and SQL lets a CHECK that is NULL pass.
                condition=Q(repeat_every__isnull=True, repeat_unit="")
                | Q(
                    repeat_every__isnull=False,
                    repeat_every__gte=1,
                    repeat_unit__in=["day", "week", "month"],
                ),
                name="activity_repeat_rule_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_overdue(self) -> bool:
        """Planned, and its deadline has passed."""
        return (
            self.status == self.Status.PLANNED
            and self.deadline is not None
            and self.deadline < timezone.now()
        )


class ActivityBinding(models.Model):
    """An activity may concern several items at once: a deal, its contact and its company."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="bindings")
    entity_type = models.CharField(max_length=20, choices=EntityType)
    entity_id = models.BigIntegerField()

    class Meta:
        verbose_name = _("activity binding")
        verbose_name_plural = _("activity bindings")
        ordering = ["activity", "id"]
        indexes = [
            models.Index(fields=["entity_type", "entity_id"], name="activity_binding_entity")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "entity_type", "entity_id"], name="activity_binding_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} → {self.entity_type}:{self.entity_id}"


class TimelineEvent(models.Model):
    """An immutable record of something that happened to a CRM item. Written only by
    activities.services.timeline_record, in the transaction of the change it records."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        FIELD_CHANGED = "field_changed", _("Fields changed")
        STAGE_MOVED = "stage_moved", _("Stage changed")
        STATUS_CHANGED = "status_changed", _("Status changed")
        CONVERTED = "converted", _("Converted")
        ACTIVITY_ADDED = "activity_added", _("Activity planned")
        ACTIVITY_DONE = "activity_done", _("Activity done")
        COMMENT = "comment", _("Comment")
        PRODUCTS_CHANGED = "products_changed", _("Products changed")
        ROBOT_RAN = "robot_ran", _("Robot ran")
        ORDER_SYNCED = "order_synced", _("Order synchronised")
        SHARED = "shared", _("Shared with a colleague")

    entity_type = models.CharField(max_length=20, choices=EntityType)
    entity_id = models.BigIntegerField()
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # What changed, as data the card can render in either language: for field changes
    # {"changes": [{"field": ..., "old": ..., "new": ...}]}, for stage moves {"from": ..., "to": ...}.
    payload = models.JSONField(default=dict, blank=True)
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["entity_type", "entity_id", "-created_at"], name="timeline_entity")
        ]

    def __str__(self) -> str:
        return f"{self.entity_type}:{self.entity_id} {self.kind}"


class Notification(TimeStampedModel):
    class Kind(models.TextChoices):
        DEAL_ASSIGNED = "deal_assigned", _("New deal assigned")
        LEAD_ASSIGNED = "lead_assigned", _("New lead assigned")
        REMINDER_DUE = "reminder_due", _("Reminder")
        TASK_COMPLETED = "task_completed", _("Task completed")
        SYNC_FAILED = "sync_failed", _("Synchronisation failed")
        MESSAGE = "message", _("Message")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    # title and message are stored untranslated, with their %(name)s values in params, and
    # translated when shown: each recipient reads them in their own language
    title = models.CharField(_("title"), max_length=255)
    message = models.TextField(_("message"), blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox")
        ]

        constraints = [
            # a reminder is sent once per activity, even if two beat ticks overlap
            models.UniqueConstraint(
                fields=["activity", "recipient"],
                condition=Q(kind="reminder_due"),
                name="notification_one_reminder_per_activity",
            )
        ]

    def __str__(self) -> str:
        return self.title_text

    @property
    def title_text(self) -> str:
        """The title in the active language, its values filled in."""
        return self._translated(self.title)

    @property
    def message_text(self) -> str:
        return self._translated(self.message)

    def _translated(self, text: str) -> str:
        if not text:
            return ""
        translated = gettext(text)
        if not self.params:
            return translated
        for candidate in (translated, text):  # a translation may have lost a placeholder
            try:
                return candidate % self.params
            except (KeyError, TypeError, ValueError):
                continue
        return text

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
