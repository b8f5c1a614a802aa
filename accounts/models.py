from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from core.models import TimeStampedModel


class Department(MP_Node, TimeStampedModel):
    """A node of the company structure. The materialised path makes "this department and
    everything below it" one indexed `path__startswith` filter."""

    name = models.CharField(_("name"), max_length=200)
    head = models.ForeignKey(
        "accounts.User",
        verbose_name=_("head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_departments",
    )

    # No node_order_by: a sorted insert renumbers the siblings' paths, which would leave stale
    # paths in memory; the order is the insertion order, rearranged by drag and drop.

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    middle_name = models.CharField(_("middle name"), max_length=150, blank=True)
    position = models.CharField(_("position"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    roles = models.ManyToManyField(
        "accounts.Role", verbose_name=_("roles"), blank=True, related_name="users"
    )

    class Meta(AbstractUser.Meta):
        ordering = ["last_name", "first_name", "username"]
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Absence(TimeStampedModel):
    """A period when a user is away: assignment rules skip absent users."""

    class Reason(models.TextChoices):
        VACATION = "vacation", _("Vacation")
        SICK_LEAVE = "sick_leave", _("Sick leave")
        BUSINESS_TRIP = "business_trip", _("Business trip")
        OTHER = "other", _("Other")

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="absences"
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    reason = models.CharField(_("reason"), max_length=20, choices=Reason, default=Reason.VACATION)

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["-starts_on"]
        indexes = [models.Index(fields=["user", "starts_on", "ends_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="absence_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.starts_on} – {self.ends_on}"


class PermissionEntity(models.TextChoices):
    LEAD = "lead", _("Leads")
    CONTACT = "contact", _("Contacts")
    COMPANY = "company", _("Companies")
    DEAL = "deal", _("Deals")
    ACTIVITY = "activity", _("Activities")
    PRODUCT = "product", _("Products")
    REPORT = "report", _("Reports")
    SETTINGS = "settings", _("Settings")


class PermissionAction(models.TextChoices):
    VIEW = "view", _("View")
    ADD = "add", _("Add")
    EDIT = "edit", _("Edit")
    DELETE = "delete", _("Delete")
    EXPORT = "export", _("Export")
    IMPORT = "import", _("Import")


class PermissionScope(models.TextChoices):
    """Ordered from narrowest to widest; when a user holds several roles the widest wins."""

    NONE = "none", _("None")
    OWN = "own", _("Own (responsible)")
    DEPARTMENT = "department", _("Own department")
    SUBDEPARTMENTS = "subdepartments", _("Department and sub-departments")
    ALL = "all", _("All")


class Role(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RolePermission(TimeStampedModel):
    """What a role may do with one entity, and over which rows. For deals a row may name a
    pipeline, which then overrides the role's pipeline-less deal row for that pipeline."""

    role = models.ForeignKey(
        Role, verbose_name=_("role"), on_delete=models.CASCADE, related_name="permissions"
    )
    entity = models.CharField(_("entity"), max_length=20, choices=PermissionEntity)
    action = models.CharField(_("action"), max_length=20, choices=PermissionAction)
    scope = models.CharField(
        _("scope"), max_length=20, choices=PermissionScope, default=PermissionScope.NONE
    )
    pipeline = models.ForeignKey(
        "deals.Pipeline",
        verbose_name=_("pipeline"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_permissions",
    )

    class Meta:
        verbose_name = _("role permission")
        verbose_name_plural = _("role permissions")
        ordering = ["role", "entity", "action"]
        constraints = [
            models.UniqueConstraint(
                fields=["role", "entity", "action"],
                condition=Q(pipeline__isnull=True),
                name="role_permission_unique",
            ),
            models.UniqueConstraint(
                fields=["role", "entity", "action", "pipeline"],
                condition=Q(pipeline__isnull=False),
                name="role_permission_unique_per_pipeline",
            ),
            models.CheckConstraint(
                condition=Q(pipeline__isnull=True) | Q(entity=PermissionEntity.DEAL),
                name="role_permission_pipeline_only_for_deals",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.entity}.{self.action} = {self.scope}"


class RoleStageRule(TimeStampedModel):
    """A role's limits in one deal stage: whether its holders see the deals there, and whether
    they may move deals into it (for example: only heads mark a deal won). A stage is closed
    to a user only when every one of the user's roles closes it."""

    role = models.ForeignKey(
        Role, verbose_name=_("role"), on_delete=models.CASCADE, related_name="stage_rules"
    )
    stage = models.ForeignKey(
        "deals.Stage", verbose_name=_("stage"), on_delete=models.CASCADE, related_name="role_rules"
    )
    can_view = models.BooleanField(_("sees deals in this stage"), default=True)
    can_move_into = models.BooleanField(_("may move deals into this stage"), default=True)

    class Meta:
        verbose_name = _("stage rule")
        verbose_name_plural = _("stage rules")
        ordering = ["role", "stage"]
        constraints = [
            models.UniqueConstraint(fields=["role", "stage"], name="role_stage_rule_unique")
        ]

    def __str__(self) -> str:
        return f"{self.role}: {self.stage}"


class SavedFilter(TimeStampedModel):
    """A user's named set of list filters ("my open deals over 100k"), one list at a time."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="saved_filters",
    )
    list_key = models.CharField(_("list"), max_length=50)
    name = models.CharField(_("name"), max_length=100)
    query = models.CharField(_("filters"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["user", "list_key", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "list_key", "name"], name="saved_filter_name_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ApiToken(TimeStampedModel):
    """A user's key to the REST API. Only a SHA-256 hash of the token is stored: the token is
    shown once, when it is made; `prefix` lets its owner tell tokens apart."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("starts with"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["user", "-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
