"""Connected online shops, the orders they sent (each bound to its deal), the shop customers
matched to contacts, and the record of every exchange (sync runs)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class Shop(TimeStampedModel):
    """A shop: where its orders come from (REST pushes with its token, CommerceML pulls from
    its exchange endpoint) and how they become deals."""

    class Assignment(models.TextChoices):
        FIXED = "fixed", _("One manager")
        RANDOM = "random", _("A manager present today, at random")
        POOL = "pool", _("Nobody: a shared pool managers take from")

    class Version(models.TextChoices):
        V2_05 = "2.05", "2.05"
        V2_08 = "2.08", "2.08"
        V2_10 = "2.10", "2.10"
        V3_1 = "3.1", "3.1"

    class Encoding(models.TextChoices):
        UTF8 = "utf-8", "UTF-8"
        CP1251 = "windows-1251", "Windows-1251"

    name = models.CharField(_("name"), max_length=200, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    exchange_url = models.URLField(
        _("exchange URL"), blank=True, help_text=_("The shop's CommerceML exchange endpoint.")
    )
    login = models.CharField(_("login"), max_length=150, blank=True)
    # Shown to nobody after it is saved: kept out of the API, the admin's lists and the logs.
    password = models.CharField(_("password"), max_length=255, blank=True)
    sync_interval_minutes = models.PositiveIntegerField(_("sync every, minutes"), default=5)
    # the orders a document brings are taken when placed in this range (known orders are
    # always updated): the first pull takes history from `import_from`; an end date closes it
    import_from = models.DateField(
        _("first import from"), null=True, blank=True,
        help_text=_("Orders placed before this day are not imported."),
    )  # fmt: skip
    import_to = models.DateField(
        _("first import to"), null=True, blank=True,
        help_text=_("Orders placed after this day are not imported; empty: every new order."),
    )  # fmt: skip
    commerceml_version = models.CharField(
        _("CommerceML version"), max_length=5, choices=Version, default=Version.V2_08
    )
    push_encoding = models.CharField(
        _("encoding of documents sent"), max_length=20, choices=Encoding, default=Encoding.UTF8
    )
    time_zone = models.CharField(_("shop time zone"), max_length=64, default=settings.TIME_ZONE)
    # what a new deal from this shop gets
    pipeline = models.ForeignKey(
        "deals.Pipeline", verbose_name=_("pipeline"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    probability = models.PositiveSmallIntegerField(_("probability, %"), null=True, blank=True)
    assignment = models.CharField(
        _("responsible"), max_length=10, choices=Assignment, default=Assignment.RANDOM
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("manager"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("managers to choose from"), blank=True,
        related_name="+",
    )  # fmt: skip
    is_open_to_all = models.BooleanField(_("deals open to all"), default=False)
    notify_department = models.ForeignKey(
        "accounts.Department", verbose_name=_("department to notify of new orders"), null=True,
        blank=True, on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    allow_backward_moves = models.BooleanField(
        _("statuses may move deals back"), default=False,
        help_text=_("Without it a deal already past the status's stage stays where it is."),
    )  # fmt: skip
    # a shop that pushes its orders over REST hears of their changes here
    callback_url = models.URLField(
        _("status callback URL"), blank=True,
        help_text=_("Where the CRM posts the status of an order that changed in the CRM "
                    "(for a shop without a CommerceML exchange)."),
    )  # fmt: skip
    # the REST intake's token: shown once, only its hash is kept
    token_hash = models.CharField(max_length=64, blank=True, editable=False)
    # One pull at a time: a sync holds the shop until this moment and renews it as it goes;
    # a worker killed mid-sync leaves a lease that simply runs out.
    sync_lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    sync_lease_owner = models.CharField(max_length=32, blank=True, editable=False)
    last_pull_at = models.DateTimeField(_("last pulled"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("shop")
        verbose_name_plural = _("shops")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(probability__isnull=True) | Q(probability__lte=100),
                name="shop_probability_percent",
            ),
            models.CheckConstraint(
                condition=~Q(assignment="fixed") | Q(responsible__isnull=False),
                name="shop_fixed_assignment_has_manager",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ShopStatusStage(TimeStampedModel):
    """An order status of the shop and the stage its deals move to (forward only)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="status_stages")
    status_code = models.CharField(_("order status code"), max_length=50)
    stage = models.ForeignKey(
        "deals.Stage", verbose_name=_("stage"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("order status and stage")
        verbose_name_plural = _("order statuses and stages")
        ordering = ["shop", "status_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "status_code", "stage"], name="shop_status_stage_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.status_code} → {self.stage}"


class ShopOrderRule(TimeStampedModel):
    """What a shop's rules share: their place in the shop's order of rules (the first one an
    order meets decides) and a range of the order's amount (either end open)."""

    sort = models.PositiveIntegerField(_("sort"), default=100)
    amount_min = models.DecimalField(_("order amount from"), max_digits=18, decimal_places=2,
                                     null=True, blank=True)  # fmt: skip
    amount_max = models.DecimalField(_("order amount to"), max_digits=18, decimal_places=2,
                                     null=True, blank=True)  # fmt: skip

    class Meta:
        abstract = True
        ordering = ["shop", "sort", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_min__isnull=True) | Q(amount_max__isnull=True)
                | Q(amount_min__lte=F("amount_max")),
                name="%(class)s_amount_range",
            )
        ]  # fmt: skip

    def amount_matches(self, amount) -> bool:
        return (self.amount_min is None or amount >= self.amount_min) and (
            self.amount_max is None or amount <= self.amount_max
        )


class ShopRoute(ShopOrderRule):
    """A rule for the pipeline of a shop's new deals: the first rule (by sort) whose every
    given condition the order meets sends its deal to the rule's pipeline; no rule met, the
    shop's own pipeline."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="routes")
    site = models.CharField(_("site"), max_length=100, blank=True,
                            help_text=_("The shop's site code, e.g. s1; empty: any."))  # fmt: skip
    region = models.CharField(_("region"), max_length=100, blank=True,
                              help_text=_("Part of the delivery region; empty: any."))  # fmt: skip
    customer_group = models.CharField(_("customer group"), max_length=100, blank=True)
    pipeline = models.ForeignKey(
        "deals.Pipeline", verbose_name=_("pipeline"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta(ShopOrderRule.Meta):
        verbose_name = _("pipeline rule")
        verbose_name_plural = _("pipeline rules")

    def __str__(self) -> str:
        return f"{self.shop} → {self.pipeline}"

    def matches(self, order) -> bool:
        """Whether the order (an IncomingOrder) meets every condition the rule gives."""
        return (
            (not self.site or order.site.casefold() == self.site.casefold())
            and (not self.region or self.region.casefold() in order.region.casefold())
            and (not self.customer_group
                 or order.customer_group.casefold() == self.customer_group.casefold())
            and self.amount_matches(order.amount)
        )  # fmt: skip


class ShopAssignmentRule(ShopOrderRule):
    """Who gets a new deal of the shop: the first rule (by sort) whose every given condition
    the order meets gives it to the rule's manager; no rule met, the shop's own assignment."""

    class ClientType(models.TextChoices):
        ANY = "", _("Any client")
        PERSON = "person", _("A private person")
        COMPANY = "company", _("A company")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="assignment_rules")
    section = models.ForeignKey(
        "catalog.Section", verbose_name=_("a product of the section"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="+",
        help_text=_("The order has a product of this section or of one below it."),
    )  # fmt: skip
    client_type = models.CharField(_("client"), max_length=10, choices=ClientType, blank=True,
                                   default=ClientType.ANY)  # fmt: skip
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("manager"), on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip

    class Meta(ShopOrderRule.Meta):
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")

    def __str__(self) -> str:
        return f"{self.shop} → {self.responsible}"


class ShopCustomer(TimeStampedModel):
    """A customer account of the shop and the contact (and company) it is in the CRM."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="customers")
    customer_id = models.CharField(_("customer id in the shop"), max_length=100)
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="shop_accounts"
    )

    class Meta:
        verbose_name = _("shop customer")
        verbose_name_plural = _("shop customers")
        ordering = ["shop", "customer_id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "customer_id"], name="shop_customer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.shop}: {self.customer_id}"


class ShopOrder(TimeStampedModel):
    """An order of a shop, as last received, and the deal it is in the CRM."""

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="orders")
    # empty for an order made in the CRM until the shop's export names it
    external_id = models.CharField(_("order id in the shop"), max_length=100, blank=True)
    is_created_in_crm = models.BooleanField(_("created in the CRM"), default=False)
    number = models.CharField(_("order number"), max_length=100, blank=True)
    deal = models.OneToOneField("deals.Deal", on_delete=models.CASCADE, related_name="shop_order")
    version = models.CharField(_("version in the shop"), max_length=100, blank=True)
    status_code = models.CharField(_("status code"), max_length=50, blank=True)
    is_paid = models.BooleanField(_("paid"), default=False)
    is_shipped = models.BooleanField(_("shipped"), default=False)
    is_cancelled = models.BooleanField(_("cancelled"), default=False)
    payment_method = models.CharField(_("payment method"), max_length=255, blank=True)
    delivery_method = models.CharField(_("delivery method"), max_length=255, blank=True)
    ordered_at = models.DateTimeField(_("ordered"), null=True, blank=True)
    received_at = models.DateTimeField(_("last received"))
    # our own stable id of the order in the documents we send (Bitrix keeps it as ID_1C)
    crm_id = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    # the order's CommerceML <Документ> as last received: a status push echoes its basket
    document = models.BinaryField(blank=True, default=b"", editable=False)
    # what the intake last wrote into the deal (its rows, currency, comments), as a digest: a
    # deal whose digest differs now was changed in the CRM, and the shop's next version of
    # the order does not overwrite it blindly
    synced_digest = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("shop order")
        verbose_name_plural = _("shop orders")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "external_id"],
                condition=~Q(external_id=""),
                name="shop_order_unique",
            ),
            models.CheckConstraint(
                condition=Q(is_created_in_crm=True) | ~Q(external_id=""),
                name="shop_order_from_shop_has_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shop} №{self.number or self.external_id or self.crm_id}"


class SyncRun(TimeStampedModel):
    """One exchange with a shop: a REST push, a document pulled or uploaded. The raw document
    is kept for replay."""

    class Kind(models.TextChoices):
        REST = "rest", _("REST push")
        PULL = "pull", _("CommerceML pull")
        UPLOAD = "upload", _("Document uploaded")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="runs")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.RUNNING)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    seen = models.PositiveIntegerField(_("orders seen"), default=0)
    created = models.PositiveIntegerField(_("deals created"), default=0)
    updated = models.PositiveIntegerField(_("deals updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    skipped = models.PositiveIntegerField(_("documents skipped"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    is_recovered = models.BooleanField(_("read in recovery mode"), default=False)
    # [{"order": external id or "", "reason": text}]
    errors = models.JSONField(_("errors"), default=list, blank=True)
    document = models.FileField(_("raw document"), upload_to="shopsync/runs/%Y/%m/", blank=True)

    class Meta:
        verbose_name = _("sync run")
        verbose_name_plural = _("sync runs")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["shop", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.shop} {self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M}"


class OrderPush(TimeStampedModel):
    """The outbox of status pushes to the shop: an order whose deal moved in the CRM waits
    here until the shop confirms the document. One waiting push per order: later moves
    change what it will say (it is built when sent, from the deal as it is then)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    shop_order = models.ForeignKey(ShopOrder, on_delete=models.CASCADE, related_name="pushes")
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # counts the changes queued on it: one that comes while an attempt is on its way is
    # sent after it, not taken for sent by it
    revision = models.PositiveIntegerField(default=0, editable=False)
    next_attempt_at = models.DateTimeField(_("next attempt"), db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    status_code = models.CharField(_("status sent"), max_length=50, blank=True)
    is_cancelled = models.BooleanField(_("cancellation sent"), default=False)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("status push")
        verbose_name_plural = _("status pushes")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop_order"],
                condition=Q(status="pending"),
                name="order_push_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.shop_order}: {self.get_status_display()}"
