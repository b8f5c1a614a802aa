"""Robots, triggers, scheduled rules and the record of every robot run.

A robot and a trigger belong to one place an item can be in: a deal pipeline's stage or a
lead status. What a robot does is an action of the registry (automation.actions), named by
its key, with settings that the action's own form validated.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import EntityType, TimeStampedModel, exactly_one_not_null


class PlacedModel(TimeStampedModel):
    """Attached to a deal stage or to a lead status (exactly one of them)."""

    stage = models.ForeignKey(
        "deals.Stage", verbose_name=_("stage"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip
    lead_status = models.ForeignKey(
        "leads.LeadStatus", verbose_name=_("lead status"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="+",
    )  # fmt: skip

    class Meta:
        abstract = True

    @property
    def entity_type(self) -> str:
        return EntityType.DEAL if self.stage_id else EntityType.LEAD

    @property
    def place(self):
        return self.stage if self.stage_id else self.lead_status


class Robot(PlacedModel):
    """An action run for every item that enters the robot's stage (or lead status)."""

    class Timing(models.TextChoices):
        IMMEDIATELY = "immediately", _("Immediately")
        AFTER_DELAY = "after_delay", _("After a delay")
        AT_DATE = "at_date", _("At a date field of the item")
        BEFORE_DATE = "before_date", _("Before a date field of the item")
        AFTER_DATE = "after_date", _("After a date field of the item")

    class Unit(models.TextChoices):
        SECONDS = "seconds", _("seconds")
        MINUTES = "minutes", _("minutes")
        HOURS = "hours", _("hours")
        DAYS = "days", _("days")

    name = models.CharField(_("name"), max_length=255)
    action = models.CharField(_("action"), max_length=50)
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    timing = models.CharField(_("when"), max_length=20, choices=Timing, default=Timing.IMMEDIATELY)
    delay = models.PositiveIntegerField(_("delay"), default=0)
    delay_unit = models.CharField(_("unit"), max_length=10, choices=Unit, default=Unit.MINUTES)
    date_field = models.CharField(_("date field"), max_length=50, blank=True)
    after_previous = models.BooleanField(
        _("after the previous robot finished"), default=False,
        help_text=_("Waits for the robot above it to finish for the same item."),
    )  # fmt: skip
    working_hours_only = models.BooleanField(
        _("only within working hours"), default=False,
        help_text=_("A run that falls outside working hours waits for the next working hour."),
    )  # fmt: skip
    # {"any": [{"all": [{"field": "amount", "op": "gte", "value": "1000"}, ...]}, ...]}:
    # the robot runs when any group holds, a group holds when all its conditions do
    condition = models.JSONField(_("condition"), default=dict, blank=True)
    sort = models.PositiveIntegerField(_("sort"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    # what an action keeps between runs (the round-robin's last pick)
    state = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        verbose_name = _("robot")
        verbose_name_plural = _("robots")
        ordering = ["stage", "lead_status", "sort", "id"]
        constraints = [
            models.CheckConstraint(
                condition=exactly_one_not_null("stage", "lead_status"), name="robot_one_place"
            ),
            models.CheckConstraint(
                condition=~Q(timing__in=["at_date", "before_date", "after_date"])
                | ~Q(date_field=""),
                name="robot_date_timing_has_field",
            ),
        ]
        indexes = [
            models.Index(fields=["stage", "sort"], name="robot_stage_sort"),
            models.Index(fields=["lead_status", "sort"], name="robot_status_sort"),
        ]

    def __str__(self) -> str:
        return self.name


class RobotRun(TimeStampedModel):
    """One robot for one entry of one item into the robot's place. The database holds at
    most one run per (robot, item, entry): a second delivery of the same entry finds the
    row and does nothing."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        WAITING = "waiting", _("Waiting for the previous robot")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    robot = models.ForeignKey(
        Robot, verbose_name=_("robot"), on_delete=models.CASCADE, related_name="runs"
    )
    entity_type = models.CharField(_("item type"), max_length=20, choices=EntityType)
    entity_id = models.BigIntegerField(_("item id"))
    # which entry into the place: a deal's DealStageChange id, a lead's status-change time
    entry = models.CharField(_("entry"), max_length=64)
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.QUEUED)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    after = models.ForeignKey(
        "self", verbose_name=_("after"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="next_runs",
    )  # fmt: skip
    enqueued_at = models.DateTimeField(_("queued"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)

    class Meta:
        verbose_name = _("robot run")
        verbose_name_plural = _("robot runs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["robot", "entity_type", "entity_id", "entry"],
                name="robot_run_once_per_entry",
            ),
        ]
        indexes = [
            models.Index(fields=["entity_type", "entity_id", "status"], name="robot_run_item"),
            models.Index(
                fields=["due_at"],
                name="robot_run_due",
                condition=Q(status__in=["queued", "running"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.robot} · {self.entity_type} {self.entity_id} · {self.get_status_display()}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.CANCELLED)


class Trigger(PlacedModel):
    """An outside event that moves an item into the trigger's stage (or lead status)."""

    class Kind(models.TextChoices):
        PAYMENT_RECEIVED = "payment_received", _("Payment received")
        ORDER_STATUS_CHANGED = "order_status_changed", _("Shop order status changed")
        ORDER_SHIPPED = "order_shipped", _("Shop order shipped")
        ORDER_CANCELLED = "order_cancelled", _("Shop order cancelled")
        FORM_SUBMITTED = "form_submitted", _("Web form submitted")
        EMAIL_RECEIVED = "email_received", _("Incoming e-mail")
        ACTIVITY_COMPLETED = "activity_completed", _("Activity completed")
        FIELD_CHANGED = "field_changed", _("Field changed")
        WEBHOOK = "webhook", _("Inbound webhook")

    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("event"), max_length=30, choices=Kind)
    # what narrows the event: the field and value, the order status, the activity kind…
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    allow_backwards = models.BooleanField(
        _("allow moving back"), default=False,
        help_text=_("Without it an item already past this stage stays where it is."),
    )  # fmt: skip
    # the inbound webhook's secret: only its hash is kept, the token is shown once
    token_hash = models.CharField(max_length=64, blank=True, editable=False)
    sort = models.PositiveIntegerField(_("sort"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("trigger")
        verbose_name_plural = _("triggers")
        ordering = ["stage", "lead_status", "sort", "id"]
        constraints = [
            models.CheckConstraint(
                condition=exactly_one_not_null("stage", "lead_status"), name="trigger_one_place"
            ),
        ]
        indexes = [models.Index(fields=["kind", "is_active"], name="trigger_kind")]

    def __str__(self) -> str:
        return self.name


class ScheduledRule(TimeStampedModel):
    """Periodic work over many items: idle deals, repeat sales, shipped but unpaid orders.
    Each finding runs the rule's action once per item and entry."""

    class Kind(models.TextChoices):
        IDLE_IN_STAGE = "idle_in_stage", _("Deal idle in a stage")
        REPEAT_SALE = "repeat_sale", _("Repeat sale")
        SHIPPED_UNPAID = "shipped_unpaid", _("Shipped but not paid")

    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    pipeline = models.ForeignKey(
        "deals.Pipeline", verbose_name=_("pipeline"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="+",
    )  # fmt: skip
    stage = models.ForeignKey(
        "deals.Stage", verbose_name=_("stage"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip
    wait = models.PositiveIntegerField(_("after"), default=14)
    wait_unit = models.CharField(
        _("unit"), max_length=10, choices=Robot.Unit, default=Robot.Unit.DAYS
    )
    action = models.CharField(_("action"), max_length=50)
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)

    class Meta:
        verbose_name = _("scheduled rule")
        verbose_name_plural = _("scheduled rules")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class ScheduledRuleFiring(TimeStampedModel):
    """A scheduled rule acted on an item for one entry: never twice for the same one."""

    rule = models.ForeignKey(ScheduledRule, on_delete=models.CASCADE, related_name="firings")
    entity_type = models.CharField(max_length=20, choices=EntityType)
    entity_id = models.BigIntegerField()
    entry = models.CharField(max_length=64)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("scheduled rule firing")
        verbose_name_plural = _("scheduled rule firings")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "entity_type", "entity_id", "entry"],
                name="rule_fires_once_per_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} · {self.entity_type} {self.entity_id}"


class SmsMessage(TimeStampedModel):
    """An SMS as the default provider records it (nothing leaves the CRM): the outbox a real
    provider would send from."""

    phone = models.CharField(_("phone"), max_length=32)
    text = models.TextField(_("text"))
    provider = models.CharField(_("provider"), max_length=50)
    entity_type = models.CharField(max_length=20, choices=EntityType, blank=True)
    entity_id = models.BigIntegerField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("SMS")
        verbose_name_plural = _("SMS messages")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.phone}: {self.text[:40]}"
