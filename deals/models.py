from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

from core.models import AssignedModel, EntityType, TimeStampedModel


class Pipeline(TimeStampedModel):
    """A deal funnel ("deal category" in Bitrix24). One pipeline is the default."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    sort = models.PositiveIntegerField(_("sort"), default=100)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        ordering = ["sort", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="pipeline_single_default"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Stage(TimeStampedModel):
    """A stage of a pipeline. The stage with the lowest sort is where deals start; the rules
    that span a pipeline's stages (one first stage, at least one won and one lost) are checked
    by deals.services.pipeline_check_stages."""

    class Semantics(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    pipeline = models.ForeignKey(
        Pipeline, verbose_name=_("pipeline"), on_delete=models.CASCADE, related_name="stages"
    )
    name = models.CharField(_("name"), max_length=100)
    sort = models.PositiveIntegerField(_("sort"))
    color = models.CharField(_("colour"), max_length=7, default="#39A8EF")
    semantics = models.CharField(
        _("semantics"), max_length=20, choices=Semantics, default=Semantics.IN_PROGRESS
    )

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["pipeline", "sort"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "sort"], name="stage_sort_unique"),
            models.UniqueConstraint(fields=["pipeline", "name"], name="stage_name_unique"),
            models.CheckConstraint(
                condition=Q(color__regex=r"^#[0-9A-Fa-f]{6}$"), name="stage_color_hex"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_final(self) -> bool:
        return self.semantics != self.Semantics.IN_PROGRESS

    @property
    def name_with_pipeline(self) -> str:
        """ "Pipeline: Stage", where a stage of another pipeline is named."""
        return f"{self.pipeline.name}: {self.name}"


# the stages a deal passes through on its way to a sale: the sales funnel's steps
FUNNEL_SEMANTICS = (Stage.Semantics.IN_PROGRESS, Stage.Semantics.WON)


class Deal(AssignedModel):
    ENTITY_TYPE = EntityType.DEAL

    class Type(models.TextChoices):
        SALE = "sale", _("Sale")
        COMPLEX_SALE = "complex_sale", _("Complex sale")
        GOODS = "goods", _("Goods")
        SERVICES = "services", _("Services")
        AFTER_SALES = "after_sales", _("After-sales service")

    title = models.CharField(_("title"), max_length=255)
    pipeline = models.ForeignKey(
        Pipeline,
        verbose_name=_("pipeline"),
        on_delete=models.PROTECT,
        related_name="deals",
        db_index=False,
    )
    stage = models.ForeignKey(
        Stage,
        verbose_name=_("stage"),
        on_delete=models.PROTECT,
        related_name="deals",
        db_index=False,
    )
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2, default=Decimal(0))
    tax_amount = models.DecimalField(_("tax"), max_digits=18, decimal_places=2, default=Decimal(0))
    currency = models.ForeignKey(
        "catalog.Currency",
        verbose_name=_("currency"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    probability = models.PositiveSmallIntegerField(_("probability, %"), null=True, blank=True)
    deal_type = models.CharField(_("type"), max_length=20, choices=Type, default=Type.SALE)
    begins_on = models.DateField(_("start date"), null=True, blank=True)
    closes_on = models.DateField(_("expected close date"), null=True, blank=True, db_index=True)
    company = models.ForeignKey(
        "contacts.Company",
        verbose_name=_("company"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    contacts = models.ManyToManyField(
        "contacts.Contact",
        verbose_name=_("contacts"),
        through="DealContact",
        blank=True,
        related_name="deals",
    )
    source = models.ForeignKey(
        "leads.Source",
        verbose_name=_("source"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    source_description = models.TextField(_("source details"), blank=True)
    campaign = models.ForeignKey(
        "leads.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
        db_index=False,  # deal_campaign_figures serves it
    )
    lead = models.ForeignKey(
        "leads.Lead",
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
    )
    is_open_to_all = models.BooleanField(_("open to all"), default=False)
    comments = models.TextField(_("comments"), blank=True)
    payment_percent = models.DecimalField(
        _("paid, %"), max_digits=5, decimal_places=2, default=Decimal(0)
    )
    stage_changed_at = models.DateTimeField(_("in the stage since"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # Kept by the database's triggers (deals/migrations/0003), never written by the code: the
    # reports read them instead of joining a million contact links or stage changes.
    contact_count = models.PositiveIntegerField(
        _("contacts"), default=0, db_default=0, editable=False
    )
    # the furthest in-progress or won stage of its pipeline the deal has entered (its stage
    # history), the sales funnel's "reached"; stage edits refresh it (deals_funnel_refresh)
    funnel_stage = models.ForeignKey(
        Stage,
        verbose_name=_("furthest funnel stage"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    DATABASE_KEPT = ("contact_count", "funnel_stage")

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        ordering = ["-created_at", "-id"]
        # pipeline, stage and responsible lead these indexes, so their foreign keys have none
        # of their own; every index is paid for on each insert.
        indexes = [
            # the kanban: a column's newest cards, and "my deals" on it
            models.Index(fields=["stage", "-created_at", "-id"], name="deal_board_column"),
            models.Index(fields=["responsible", "stage"], name="deal_responsible_stage"),
            models.Index(fields=["pipeline", "-created_at"], name="deal_pipeline_created"),
            # the campaigns report (and a campaign's deals): what it sums, from the index alone;
            # partial, so the many deals without a campaign cost nothing
            models.Index(
                fields=["campaign"],
                include=["stage", "amount", "currency", "created_at", "closed_at"],
                condition=Q(campaign__isnull=False),
                name="deal_campaign_figures",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="deal_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(probability__isnull=True) | Q(probability__lte=100),
                name="deal_probability_percent",
            ),
            models.CheckConstraint(
                condition=Q(payment_percent__gte=0, payment_percent__lte=100),
                name="deal_payment_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, **kwargs) -> None:
        """A loaded deal saved whole writes every field but DATABASE_KEPT: its copy of those
        may be stale (a contact linked since), and the triggers own them."""
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                each.name for each in self._meta.concrete_fields
                if not each.primary_key and each.name not in self.DATABASE_KEPT
            ]  # fmt: skip
        super().save(**kwargs)

    def get_absolute_url(self) -> str:
        return reverse("deals:detail", args=[self.pk])


class DealContact(TimeStampedModel):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="contact_links")
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="deal_links"
    )
    is_primary = models.BooleanField(_("primary"), default=False)
    sort = models.PositiveIntegerField(_("sort"), default=10)

    class Meta:
        verbose_name = _("deal contact")
        verbose_name_plural = _("deal contacts")
        ordering = ["deal", "-is_primary", "sort", "id"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "contact"], name="deal_contact_unique"),
            models.UniqueConstraint(
                fields=["deal"], condition=Q(is_primary=True), name="deal_single_primary_contact"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deal} – {self.contact}"


class DealStageChange(models.Model):
    """One move of a deal between stages: the history reports and robots read."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.ForeignKey(
        Stage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["deal", "-at"]), models.Index(fields=["to_stage", "-at"])]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_stage_id} → {self.to_stage_id}"


class DealShare(UserObjectPermissionBase):
    """A deal shared with one colleague (django-guardian, with a real foreign key so the
    access policy joins it by index)."""

    content_object = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="shares")

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("shared deal")
        verbose_name_plural = _("shared deals")
