"""Imports in the Django admin: looked at (what was imported, by whom, how far), never changed
there; imports are made and run on their own pages, where the rejected rows are downloaded."""

from django.contrib import admin

from automation.admin import ReadOnlyAdmin

from .models import Import, ImportMapping


@admin.register(Import)
class ImportAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "entity", "user", "status", "total_rows", "position",
                    "created_count", "updated_count", "skipped_count", "rejected_count",
                    "created_at"]  # fmt: skip
    list_filter = ["entity", "status", "duplicate_policy"]
    search_fields = ["file_name", "user__username"]
    list_select_related = ["user"]


@admin.register(ImportMapping)
class ImportMappingAdmin(ReadOnlyAdmin):
    list_display = ["user", "entity", "updated_at"]
    list_filter = ["entity"]
    list_select_related = ["user"]
