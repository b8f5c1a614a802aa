from django.contrib import admin

from .models import WebForm, WebFormField, WebFormSubmission
from .services import webform_save


class WebFormFieldInline(admin.TabularInline):
    model = WebFormField
    extra = 0


@admin.register(WebForm)
class WebFormAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "transfer_mode", "assignment", "key"]
    list_filter = ["is_active", "transfer_mode"]
    search_fields = ["name"]
    readonly_fields = ["key", "last_assigned"]
    filter_horizontal = ["managers"]
    inlines = [WebFormFieldInline]

    def save_model(self, request, obj, form, change):
        webform_save(form=obj)


@admin.register(WebFormSubmission)
class WebFormSubmissionAdmin(admin.ModelAdmin):
    """Submissions are the clients' words: read and deleted here, never changed."""

    list_display = ["pk", "form", "status", "created_at", "utm_campaign", "lead", "deal"]
    list_filter = ["status", "form"]
    list_select_related = ["form", "lead", "deal"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
