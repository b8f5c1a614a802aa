"""Web forms on other sites whose submissions become leads (or a contact and a deal in the
no-leads mode): the form with its fields and assignment rule, and every submission kept."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class WebForm(TimeStampedModel):
    class TransferMode(models.TextChoices):
        AUTOMATIC = "automatic", _("A lead at once")
        MANUAL = "manual", _("After a manager's review")

    class Assignment(models.TextChoices):
        FIXED = "fixed", _("One manager")
        ROUND_ROBIN = "round_robin", _("Managers in turn")
        RANDOM = "random", _("A manager at random")

    # the public address: a number would let anybody walk through the forms
    key = models.UUIDField(_("key"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)
    consent_text = models.TextField(
        _("consent checkbox text"), blank=True, help_text=_("When set, the box must be ticked.")
    )
    transfer_mode = models.CharField(
        _("transfer"), max_length=20, choices=TransferMode, default=TransferMode.AUTOMATIC
    )
    assignment = models.CharField(
        _("responsible"), max_length=20, choices=Assignment, default=Assignment.FIXED
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("managers"),
        blank=True,
        related_name="+",
        help_text=_("Inactive and absent managers are skipped."),
    )
    # the round-robin's last pick, changed only under the form's row lock
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last assigned"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    success_message = models.TextField(
        _("success message"), default=_("Thank you! We will contact you soon.")
    )

    class Meta:
        verbose_name = _("web form")
        verbose_name_plural = _("web forms")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(assignment="fixed") | Q(responsible__isnull=False),
                name="webform_fixed_assignment_has_manager",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class WebFormField(TimeStampedModel):
    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        EMAIL = "email", _("E-mail")
        PHONE = "phone", _("Phone")
        TEXTAREA = "textarea", _("Long text")
        SELECT = "select", _("List")
        CHECKBOX = "checkbox", _("Checkbox")

    class Target(models.TextChoices):
        TITLE = "title", _("Lead title")
        FIRST_NAME = "first_name", _("First name")
        MIDDLE_NAME = "middle_name", _("Middle name")
        LAST_NAME = "last_name", _("Last name")
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("E-mail")
        COMPANY_TITLE = "company_title", _("Company name")
        POSITION = "position", _("Position")
        ADDRESS = "address", _("Address")
        COMMENTS = "comments", _("Comments")
        ANSWER = "answer", _("An answer kept with the submission")

    form = models.ForeignKey(
        WebForm, verbose_name=_("web form"), on_delete=models.CASCADE, related_name="fields"
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind, default=Kind.TEXT)
    label = models.CharField(_("label"), max_length=200)
    is_required = models.BooleanField(_("required"), default=False)
    choices = models.TextField(_("choices"), blank=True, help_text=_("One per line."))
    sort = models.PositiveIntegerField(_("sort"), default=100)
    target = models.CharField(_("goes to"), max_length=20, choices=Target, default=Target.ANSWER)

    class Meta:
        verbose_name = _("web form field")
        verbose_name_plural = _("web form fields")
        ordering = ["form", "sort", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["form", "target"],
                condition=~Q(target="answer"),
                name="webformfield_target_once",
            ),
            models.CheckConstraint(
                condition=~Q(kind="select") | ~Q(choices=""),
                name="webformfield_list_has_choices",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class WebFormSubmission(TimeStampedModel):
    """One submission, kept whatever became of it (spam too) until a manager deletes it."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for review")
        SPAM = "spam", _("Spam")
        TRANSFERRED = "transferred", _("Sent to the CRM")

    # PROTECT: a form that received submissions is switched off, not deleted with them
    form = models.ForeignKey(
        WebForm, verbose_name=_("web form"), on_delete=models.PROTECT, related_name="submissions"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.WAITING)
    # [{"label", "target", "value"}]: the fields as they were when it came
    answers = models.JSONField(_("answers"), default=list, blank=True)
    has_consent = models.BooleanField(_("consent given"), default=False)
    utm_source = models.CharField("utm_source", max_length=100, blank=True)
    utm_medium = models.CharField("utm_medium", max_length=100, blank=True)
    utm_campaign = models.CharField("utm_campaign", max_length=100, blank=True)
    utm_content = models.CharField("utm_content", max_length=100, blank=True)
    utm_term = models.CharField("utm_term", max_length=100, blank=True)
    campaign = models.ForeignKey(
        "leads.Campaign",
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    error = models.TextField(_("why it is not in the CRM"), blank=True)
    lead = models.ForeignKey(
        "leads.Lead", verbose_name=_("lead"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    deal = models.ForeignKey(
        "deals.Deal", verbose_name=_("deal"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    transferred_at = models.DateTimeField(_("sent to the CRM"), null=True, blank=True)
    transferred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("web form submission")
        verbose_name_plural = _("web form submissions")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.form} #{self.pk}"

    def value_of(self, target: str) -> str:
        return next((row["value"] for row in self.answers if row["target"] == target), "")
