"""The reports users build themselves (reports.builder): what they count, how it is grouped and
aggregated, under which filters, and who else may open them."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class SavedReport(TimeStampedModel):
    """A report of the builder. `definition` is what reports.builder.builder_definition_validate
    returns: {"group_by": [one or two groupings], "measures": [{"aggregate", "field"}, …],
    "filters": {filter name: form value}, "chart": "bar" | "funnel" | "pie" | "line" | ""}.
    Its owner edits it; the holders of `shared_with_roles` open it, each seeing the figures
    within their own scope."""

    class Entity(models.TextChoices):
        DEALS = "deals", _("Deals")
        LEADS = "leads", _("Leads")
        CONTACTS = "contacts", _("Contacts")
        COMPANIES = "companies", _("Companies")
        ACTIVITIES = "activities", _("Activities")
        PRODUCT_ROWS = "product_rows", _("Product rows")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="saved_reports",
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    entity = models.CharField(_("counts"), max_length=20, choices=Entity)
    definition = models.JSONField(_("definition"), default=dict)
    shared_with_roles = models.ManyToManyField(
        "accounts.Role",
        verbose_name=_("shared with roles"),
        blank=True,
        related_name="shared_reports",
    )

    class Meta:
        verbose_name = _("saved report")
        verbose_name_plural = _("saved reports")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_report_name_unique"),
            models.CheckConstraint(condition=~Q(name=""), name="saved_report_has_a_name"),
            models.CheckConstraint(
                condition=Q(
                    entity__in=[
                        "deals",
                        "leads",
                        "contacts",
                        "companies",
                        "activities",
                        "product_rows",
                    ]
                ),
                name="saved_report_entity_known",
            ),  # fmt: skip
            models.CheckConstraint(
                condition=Q(definition__has_key="group_by") & Q(definition__has_key="measures"),
                name="saved_report_definition_has_grouping_and_measures",
            ),
        ]

    def __str__(self) -> str:
        return self.name
