from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from .models import Absence, ApiToken, Department, Role, RolePermission, RoleStageRule, User
from .services import api_token_revoke


@admin.register(Department)
class DepartmentAdmin(TreeAdmin):
    form = movenodeform_factory(Department)
    list_display = ["name", "head"]
    search_fields = ["name"]
    autocomplete_fields = ["head"]


class AbsenceInline(admin.TabularInline):
    model = Absence
    extra = 0


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (_("Job"), {"fields": ["middle_name", "position", "phone", "department", "roles"]}),
    ]
    list_display = [
        "username",
        "last_name",
        "first_name",
        "email",
        "department",
        "position",
        "is_active",
    ]
    list_filter = ["is_active", "is_staff", "is_superuser", "department", "roles"]
    list_select_related = ["department"]
    search_fields = ["username", "first_name", "last_name", "email", "phone"]
    filter_horizontal = ["groups", "user_permissions", "roles"]
    inlines = [AbsenceInline]
    # What only a superuser may grant: an administrator who is not one (a staff user with
    # the "change user" permission) must not raise anybody, themselves included, above
    # their own rights.
    SUPERUSER_ONLY_FIELDS = ("is_superuser", "user_permissions")

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += [name for name in self.SUPERUSER_ONLY_FIELDS if name not in readonly]
        return readonly


class RolePermissionInline(admin.TabularInline):
    model = RolePermission
    extra = 0
    fields = ["entity", "action", "scope", "pipeline"]


class RoleStageRuleInline(admin.TabularInline):
    model = RoleStageRule
    extra = 0
    fields = ["stage", "can_view", "can_move_into"]
    autocomplete_fields = ["stage"]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]
    search_fields = ["name"]
    inlines = [RolePermissionInline, RoleStageRuleInline]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made by their owners (/settings/tokens/); here administrators see them all
    and revoke the ones that must stop working. The token itself is never stored."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    readonly_fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    fields = readonly_fields
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoked tokens stay, for the record

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset:
            api_token_revoke(token=token)
