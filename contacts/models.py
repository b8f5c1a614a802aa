from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermissionBase

from core.models import AssignedModel, EntityType, TimeStampedModel, exactly_one_not_null

from .requisites import validate_inn, validate_ogrn


class Company(AssignedModel):
    ENTITY_TYPE = EntityType.COMPANY

    class Type(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        PARTNER = "partner", _("Partner")
        SUPPLIER = "supplier", _("Supplier")
        COMPETITOR = "competitor", _("Competitor")
        OTHER = "other", _("Other")

    class Industry(models.TextChoices):
        RETAIL = "retail", _("Retail")
        WHOLESALE = "wholesale", _("Wholesale")
        MANUFACTURING = "manufacturing", _("Manufacturing")
        SERVICES = "services", _("Services")
        IT = "it", _("Information technology")
        GOVERNMENT = "government", _("Government")
        OTHER = "other", _("Other")

    title = models.CharField(_("name"), max_length=255, db_index=True)
    company_type = models.CharField(_("type"), max_length=20, choices=Type, default=Type.CUSTOMER)
    industry = models.CharField(_("industry"), max_length=20, choices=Industry, blank=True)
    revenue = models.DecimalField(
        _("annual revenue"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    currency = models.ForeignKey(
        "catalog.Currency",
        verbose_name=_("currency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    employees = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    address = models.TextField(_("address"), blank=True)
    comments = models.TextField(_("comments"), blank=True)
    source = models.ForeignKey(
        "leads.Source",
        verbose_name=_("source"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["title", "id"]
        indexes = [models.Index(fields=["responsible", "-created_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("contacts:company-detail", args=[self.pk])


class CompanyRequisite(TimeStampedModel):
    """Legal details used on invoices: INN/KPP/OGRN, addresses, bank account."""

    class Kind(models.TextChoices):
        LEGAL_ENTITY = "legal_entity", _("Legal entity")
        SOLE_PROPRIETOR = "sole_proprietor", _("Sole proprietor")
        INDIVIDUAL = "individual", _("Individual")

    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.CASCADE, related_name="requisites"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.LEGAL_ENTITY)
    full_name = models.CharField(_("full legal name"), max_length=500, blank=True)
    inn = models.CharField(
        _("INN"), max_length=12, blank=True, db_index=True, validators=[validate_inn]
    )
    kpp = models.CharField(_("KPP"), max_length=9, blank=True)
    ogrn = models.CharField(_("OGRN"), max_length=15, blank=True, validators=[validate_ogrn])
    legal_address = models.TextField(_("legal address"), blank=True)
    postal_address = models.TextField(_("postal address"), blank=True)
    bank_name = models.CharField(_("bank"), max_length=255, blank=True)
    bik = models.CharField(_("BIK"), max_length=9, blank=True)
    settlement_account = models.CharField(_("settlement account"), max_length=20, blank=True)
    correspondent_account = models.CharField(_("correspondent account"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("requisites")
        verbose_name_plural = _("requisites")
        ordering = ["company", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(inn="") | Q(inn__regex=r"^(\d{10}|\d{12})$"),
                name="requisite_inn_digits",
            ),
            models.CheckConstraint(
                condition=Q(kpp="") | Q(kpp__regex=r"^\d{9}$"), name="requisite_kpp_digits"
            ),
            models.CheckConstraint(
                condition=Q(ogrn="") | Q(ogrn__regex=r"^(\d{13}|\d{15})$"),
                name="requisite_ogrn_digits",
            ),
            models.CheckConstraint(
                condition=Q(bik="") | Q(bik__regex=r"^\d{9}$"), name="requisite_bik_digits"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.inn or str(self.company)


class Contact(AssignedModel):
    ENTITY_TYPE = EntityType.CONTACT

    class Type(models.TextChoices):
        CLIENT = "client", _("Client")
        PARTNER = "partner", _("Partner")
        SUPPLIER = "supplier", _("Supplier")
        EMPLOYEE = "employee", _("Employee")
        OTHER = "other", _("Other")

    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    middle_name = models.CharField(_("middle name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True, db_index=True)
    honorific = models.CharField(_("salutation"), max_length=20, blank=True)
    position = models.CharField(_("position"), max_length=200, blank=True)
    birthdate = models.DateField(_("birthdate"), null=True, blank=True)
    contact_type = models.CharField(_("type"), max_length=20, choices=Type, default=Type.CLIENT)
    address = models.TextField(_("address"), blank=True)
    comments = models.TextField(_("comments"), blank=True)
    source = models.ForeignKey(
        "leads.Source",
        verbose_name=_("source"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    companies = models.ManyToManyField(
        Company,
        verbose_name=_("companies"),
        through="ContactCompany",
        blank=True,
        related_name="contacts",
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["last_name", "first_name", "id"]
        indexes = [models.Index(fields=["responsible", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(first_name="", last_name=""), name="contact_has_a_name"
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    def get_absolute_url(self) -> str:
        return reverse("contacts:detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return " ".join(
            part for part in (self.last_name, self.first_name, self.middle_name) if part
        )


class ContactCompany(TimeStampedModel):
    """A contact's place in a company: position there, and whether they decide on purchases."""

    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="company_links"
    )
    company = models.ForeignKey(
        Company, verbose_name=_("company"), on_delete=models.CASCADE, related_name="contact_links"
    )
    position = models.CharField(_("position"), max_length=200, blank=True)
    is_decision_maker = models.BooleanField(_("decision maker"), default=False)
    sort = models.PositiveIntegerField(_("sort"), default=10)

    class Meta:
        verbose_name = _("contact in a company")
        verbose_name_plural = _("contacts in companies")
        # decision makers first, as the company card shows them
        ordering = ["company", "-is_decision_maker", "sort", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contact", "company"], name="contact_company_unique")
        ]

    def __str__(self) -> str:
        return f"{self.contact} @ {self.company}"


class Communication(TimeStampedModel):
    """One phone, e-mail, website or messenger of a contact, company or lead.

    `normalized_value` (E.164 phone, lower-case e-mail) is what duplicate search matches on.
    """

    class Kind(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")
        WEB = "web", _("Website")
        MESSENGER = "messenger", _("Messenger")

    class Label(models.TextChoices):
        WORK = "work", _("Work")
        MOBILE = "mobile", _("Mobile")
        HOME = "home", _("Home")
        TELEGRAM = "telegram", _("Telegram")
        WHATSAPP = "whatsapp", _("WhatsApp")
        OTHER = "other", _("Other")

    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="communications"
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="communications"
    )
    lead = models.ForeignKey(
        "leads.Lead", null=True, blank=True, on_delete=models.CASCADE, related_name="communications"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    label = models.CharField(_("label"), max_length=10, choices=Label, default=Label.WORK)
    value = models.CharField(_("value"), max_length=255)
    normalized_value = models.CharField(max_length=255, editable=False)

    class Meta:
        verbose_name = _("communication")
        verbose_name_plural = _("communications")
        ordering = ["kind", "id"]
        indexes = [models.Index(fields=["kind", "normalized_value"])]
        constraints = [
            models.CheckConstraint(
                condition=exactly_one_not_null("contact", "company", "lead"),
                name="communication_has_one_owner",
            ),
            models.CheckConstraint(condition=~Q(value=""), name="communication_value_not_empty"),
        ]

    def __str__(self) -> str:
        return self.value


class ContactShare(UserObjectPermissionBase):
    """A contact shared with one colleague (django-guardian, with a real foreign key so the
    access policy joins it by index)."""

    content_object = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="shares")

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("shared contact")
        verbose_name_plural = _("shared contacts")


class CompanyShare(UserObjectPermissionBase):
    """A company shared with one colleague (django-guardian, with a real foreign key so the
    access policy joins it by index)."""

    content_object = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="shares")

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("shared company")
        verbose_name_plural = _("shared companies")
