from django.contrib import admin

from .models import SavedReport


@admin.register(SavedReport)
class SavedReportAdmin(admin.ModelAdmin):
    """Reports are built, changed and deleted by their owners in the report builder (only the
    owner may: reports.services); here administrators see them all, whose they are and whom
    they are shared with."""

    list_display = ["name", "owner", "entity", "updated_at"]
    list_filter = ["entity"]
    search_fields = ["name", "owner__username", "owner__last_name"]
    readonly_fields = ["owner", "name", "description", "entity", "definition",
                       "shared_with_roles", "created_at", "updated_at"]  # fmt: skip
    fields = readonly_fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
