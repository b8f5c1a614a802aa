from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from core.models import TimeStampedModel, exactly_one_not_null

MONEY = {"max_digits": 18, "decimal_places": 2}
QUANTITY = {"max_digits": 18, "decimal_places": 4}
PERCENT = {"max_digits": 5, "decimal_places": 2}


class Currency(TimeStampedModel):
    """A currency and its current rate: what one unit costs in the base currency."""

    code = models.CharField(_("code"), max_length=3, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    symbol = models.CharField(_("symbol"), max_length=10, blank=True)
    rate = models.DecimalField(
        _("rate to the base currency"),
        max_digits=20,
        decimal_places=10,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.0000000001"))],
    )
    rate_updated_at = models.DateTimeField(_("rate updated"), null=True, blank=True)
    is_base = models.BooleanField(_("base currency"), default=False)
    sort = models.PositiveIntegerField(_("sort"), default=100)

    class Meta:
        verbose_name = _("currency")
        verbose_name_plural = _("currencies")
        ordering = ["sort", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_base"], condition=Q(is_base=True), name="currency_single_base"
            ),
            models.CheckConstraint(condition=Q(rate__gt=0), name="currency_rate_positive"),
            models.CheckConstraint(
                condition=Q(is_base=False) | Q(rate=1), name="currency_base_rate_is_one"
            ),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z]{3}$"), name="currency_code_iso"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class CurrencyRate(TimeStampedModel):
    """The history of a currency's rate: one row per change."""

    currency = models.ForeignKey(
        Currency,
        verbose_name=_("currency"),
        on_delete=models.CASCADE,
        related_name="rates",
        db_index=False,
    )
    rate = models.DecimalField(_("rate"), max_digits=20, decimal_places=10)
    set_at = models.DateTimeField(_("set at"))

    class Meta:
        verbose_name = _("currency rate")
        verbose_name_plural = _("currency rates")
        ordering = ["-set_at"]
        indexes = [models.Index(fields=["currency", "-set_at"])]

    def __str__(self) -> str:
        return f"{self.currency_id} {self.rate} ({self.set_at:%Y-%m-%d})"


class Origin(models.TextChoices):
    MANUAL = "manual", _("Entered in the CRM")
    SHOP = "shop", _("From a shop")


class Section(MP_Node, TimeStampedModel):
    """A catalog section; sections nest without a depth limit."""

    name = models.CharField(_("name"), max_length=255)
    is_active = models.BooleanField(_("active"), default=True)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin, default=Origin.MANUAL)
    external_id = models.CharField(_("external id"), max_length=100, blank=True)

    # Insertion order, rearranged by drag and drop (no node_order_by: see accounts.Department).

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name


class Product(TimeStampedModel):
    class Measure(models.TextChoices):
        PIECE = "pcs", _("pcs")
        KILOGRAM = "kg", _("kg")
        LITRE = "l", _("l")
        METRE = "m", _("m")
        PACKAGE = "pack", _("pack")
        SERVICE = "service", _("service")

    name = models.CharField(_("name"), max_length=255, db_index=True)
    description = models.TextField(_("description"), blank=True)
    section = models.ForeignKey(
        Section,
        verbose_name=_("section"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="products",
    )
    sku = models.CharField(_("article"), max_length=100, blank=True, db_index=True)
    price = models.DecimalField(_("price"), **MONEY, default=Decimal(0))
    currency = models.ForeignKey(
        Currency,
        verbose_name=_("currency"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    measure = models.CharField(_("unit"), max_length=10, choices=Measure, default=Measure.PIECE)
    vat_rate = models.DecimalField(_("VAT, %"), **PERCENT, null=True, blank=True)
    is_vat_included = models.BooleanField(_("VAT included in price"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort = models.PositiveIntegerField(_("sort"), default=500)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin, default=Origin.MANUAL)
    external_id = models.CharField(_("external id"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["sort", "name"]
        indexes = [models.Index(fields=["section", "sort", "name"])]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_not_negative"),
            models.CheckConstraint(
                condition=Q(origin=Origin.MANUAL) | ~Q(external_id=""),
                name="product_from_shop_has_external_id",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProductRow(TimeStampedModel):
    """A product on a deal or a lead. Prices are in the owner's currency; `line_total` (after
    discount, with tax) is kept by the pricing service so reports can sum it in SQL."""

    class DiscountType(models.TextChoices):
        PERCENT = "percent", _("Percent")
        AMOUNT = "amount", _("Amount per unit")

    deal = models.ForeignKey(
        "deals.Deal", null=True, blank=True, on_delete=models.CASCADE, related_name="product_rows"
    )
    lead = models.ForeignKey(
        "leads.Lead", null=True, blank=True, on_delete=models.CASCADE, related_name="product_rows"
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rows",
    )
    product_name = models.CharField(_("product name"), max_length=255)
    price = models.DecimalField(_("price"), **MONEY)
    quantity = models.DecimalField(_("quantity"), **QUANTITY, default=Decimal(1))
    measure = models.CharField(_("unit"), max_length=10, default=Product.Measure.PIECE)
    discount_type = models.CharField(
        _("discount type"), max_length=10, choices=DiscountType, default=DiscountType.PERCENT
    )
    discount_rate = models.DecimalField(_("discount, %"), **PERCENT, default=Decimal(0))
    discount_amount = models.DecimalField(_("discount per unit"), **MONEY, default=Decimal(0))
    tax_rate = models.DecimalField(_("tax, %"), **PERCENT, null=True, blank=True)
    is_tax_included = models.BooleanField(_("tax included"), default=True)
    tax_total = models.DecimalField(_("tax"), **MONEY, default=Decimal(0))
    line_total = models.DecimalField(_("total"), **MONEY, default=Decimal(0))
    sort = models.PositiveIntegerField(_("sort"), default=10)

    class Meta:
        verbose_name = _("product row")
        verbose_name_plural = _("product rows")
        ordering = ["sort", "id"]
        constraints = [
            models.CheckConstraint(
                condition=exactly_one_not_null("deal", "lead"), name="product_row_has_one_owner"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="product_row_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0), name="product_row_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(discount_rate__gte=0, discount_rate__lte=100),
                name="product_row_discount_rate_range",
            ),
            models.CheckConstraint(
                condition=Q(discount_amount__gte=0, discount_amount__lte=F("price")),
                name="product_row_discount_within_price",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_name} × {self.quantity.normalize()}"

    @property
    def measure_label(self) -> str:
        """The unit in the reader's language (rows keep the code the product had)."""
        labels = dict(Product.Measure.choices)
        return labels.get(self.measure, self.measure)
