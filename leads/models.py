from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

from core.models import AssignedModel, EntityType, TimeStampedModel


class Source(TimeStampedModel):
    """Where a client came from (website, call, e-mail, shop, exhibition…): shared by leads,
    contacts, companies and deals."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    sort = models.PositiveIntegerField(_("sort"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["sort", "name"]

    def __str__(self) -> str:
        return self.name


class Campaign(TimeStampedModel):
    """An advertising campaign; UTM tags of incoming requests find it, its cost gives ROI."""

    name = models.CharField(_("name"), max_length=200)
    utm_source = models.CharField("utm_source", max_length=100, blank=True)
    utm_medium = models.CharField("utm_medium", max_length=100, blank=True)
    utm_campaign = models.CharField("utm_campaign", max_length=100, blank=True, db_index=True)
    cost = models.DecimalField(_("cost"), max_digits=18, decimal_places=2, default=Decimal(0))
    currency = models.ForeignKey(
        "catalog.Currency",
        verbose_name=_("currency"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    starts_on = models.DateField(_("start"), null=True, blank=True)
    ends_on = models.DateField(_("end"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(cost__gte=0), name="campaign_cost_not_negative"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LeadStatus(TimeStampedModel):
    """A configurable lead status. Exactly one status means "converted"; the first by sort is
    where new leads start."""

    class Semantics(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        CONVERTED = "converted", _("Converted")
        JUNK = "junk", _("Junk")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    sort = models.PositiveIntegerField(_("sort"), unique=True)
    color = models.CharField(_("colour"), max_length=7, default="#39A8EF")
    semantics = models.CharField(
        _("semantics"), max_length=20, choices=Semantics, default=Semantics.IN_PROGRESS
    )

    class Meta:
        verbose_name = _("lead status")
        verbose_name_plural = _("lead statuses")
        ordering = ["sort"]
        constraints = [
            models.UniqueConstraint(
                fields=["semantics"],
                condition=Q(semantics="converted"),
                name="lead_status_single_converted",
            ),
            models.CheckConstraint(
                condition=Q(color__regex=r"^#[0-9A-Fa-f]{6}$"), name="lead_status_color_hex"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_final(self) -> bool:
        return self.semantics != self.Semantics.IN_PROGRESS


class Lead(AssignedModel):
    ENTITY_TYPE = EntityType.LEAD

    title = models.CharField(_("title"), max_length=255)
    status = models.ForeignKey(
        LeadStatus,
        verbose_name=_("status"),
        on_delete=models.PROTECT,
        related_name="leads",
        db_index=False,
    )
    status_comment = models.TextField(_("status comment"), blank=True)
    honorific = models.CharField(_("salutation"), max_length=20, blank=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    middle_name = models.CharField(_("middle name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    company_title = models.CharField(_("company name"), max_length=255, blank=True)
    position = models.CharField(_("position"), max_length=200, blank=True)
    address = models.TextField(_("address"), blank=True)
    comments = models.TextField(_("comments"), blank=True)
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2, default=Decimal(0))
    currency = models.ForeignKey(
        "catalog.Currency",
        verbose_name=_("currency"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    source = models.ForeignKey(
        Source,
        verbose_name=_("source"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    source_description = models.TextField(_("source details"), blank=True)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    utm_source = models.CharField("utm_source", max_length=100, blank=True)
    utm_medium = models.CharField("utm_medium", max_length=100, blank=True)
    utm_campaign = models.CharField("utm_campaign", max_length=100, blank=True)
    utm_content = models.CharField("utm_content", max_length=100, blank=True)
    utm_term = models.CharField("utm_term", max_length=100, blank=True)
    is_open_to_all = models.BooleanField(_("open to all"), default=False)
    # The existing client this lead came from, or what conversion created.
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    company = models.ForeignKey(
        "contacts.Company",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leads",
    )
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at"]),
            models.Index(fields=["responsible", "status"]),
            models.Index(fields=["source", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="lead_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("leads:detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return " ".join(
            part for part in (self.last_name, self.first_name, self.middle_name) if part
        )


class LeadShare(UserObjectPermissionBase):
    """A lead shared with one colleague (django-guardian, with a real foreign key so the
    access policy joins it by index)."""

    content_object = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="shares")

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("shared lead")
        verbose_name_plural = _("shared leads")
