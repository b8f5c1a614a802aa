from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import EntityType, TimeStampedModel


class DuplicatePolicy(models.TextChoices):
    SKIP = "skip", _("Skip the row")
    UPDATE = "update", _("Update the existing item")
    CREATE = "create", _("Create a new item anyway")


class Import(TimeStampedModel):
    """One CSV file a user imports as leads, contacts, companies or deals, and how far it got.

    The run goes in chunks, each committed with its rows and `position` (the data rows done),
    so a run stopped halfway resumes after the last committed chunk, and every row done is
    counted exactly once as created, updated, skipped (a duplicate) or rejected.
    """

    class Status(models.TextChoices):
        MAPPING = "mapping", _("Waiting for the column mapping")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="imports",
    )
    entity = models.CharField(_("import as"), max_length=20, choices=EntityType)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=255)
    encoding = models.CharField(_("encoding"), max_length=20)
    delimiter = models.CharField(_("delimiter"), max_length=1)
    header = models.JSONField(_("columns"), default=list)
    # one entry per column: the field it fills, or "" for a column left out
    mapping = models.JSONField(_("mapping"), default=list, blank=True)
    duplicate_policy = models.CharField(
        _("duplicates"), max_length=10, choices=DuplicatePolicy, default=DuplicatePolicy.SKIP
    )
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.MAPPING)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    position = models.PositiveIntegerField(_("rows done"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    skipped_count = models.PositiveIntegerField(_("skipped as duplicates"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected"), default=0)
    error = models.TextField(_("error"), blank=True)
    # the interface language of whoever started it: the rejected rows' reasons are in it
    language = models.CharField(_("language"), max_length=10, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    position=F("created_count")
                    + F("updated_count")
                    + F("skipped_count")
                    + F("rejected_count")
                ),
                name="import_every_row_counted_once",
            ),
            models.CheckConstraint(
                condition=Q(position__lte=F("total_rows")), name="import_position_within_file"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_entity_display()})"

    def get_absolute_url(self) -> str:
        return reverse("imports:detail", args=[self.pk])

    @property
    def is_in_progress(self) -> bool:
        """Queued or running: its page polls its progress."""
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent_done(self) -> int:
        return 100 * self.position // self.total_rows if self.total_rows else 100


class ImportRejectedRow(models.Model):
    """A row of an import that was not imported, with its cells as they came and the reason."""

    csv_import = models.ForeignKey(
        Import, verbose_name=_("import"), on_delete=models.CASCADE, related_name="rejected_rows"
    )
    row_number = models.PositiveIntegerField(_("row"))  # as a spreadsheet numbers it: header = 1
    cells = models.JSONField(_("cells"), default=list)
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("rejected row")
        verbose_name_plural = _("rejected rows")
        ordering = ["csv_import", "row_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["csv_import", "row_number"], name="import_rejected_row_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.row_number}: {self.reason}"


class ImportMapping(TimeStampedModel):
    """The column mapping a user chose last time for an entity, by column heading, offered
    again on their next import of that entity."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="import_mappings",
    )
    entity = models.CharField(_("import as"), max_length=20, choices=EntityType)
    # normalised column heading -> field ("" for a column the user left out)
    columns = models.JSONField(_("columns"), default=dict)

    class Meta:
        verbose_name = _("remembered import mapping")
        verbose_name_plural = _("remembered import mappings")
        ordering = ["user", "entity"]
        constraints = [
            models.UniqueConstraint(fields=["user", "entity"], name="import_mapping_one_per_entity")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_entity_display()}"
