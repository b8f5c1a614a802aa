from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from .models import Absence, Department, Role, RolePermission, RoleStageRule, User


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
