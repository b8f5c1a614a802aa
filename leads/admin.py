from django.contrib import admin

from core.admin import ColorInput, DeleteThroughServiceMixin

from .models import Campaign, Lead, LeadStatus, Source
from .services import lead_delete


@admin.register(LeadStatus)
class LeadStatusAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "sort", "semantics", "color"]
    list_editable = ["sort"]
    search_fields = ["name", "code"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "color":
            kwargs["widget"] = ColorInput
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "sort", "is_active"]
    list_editable = ["sort", "is_active"]
    search_fields = ["name", "code"]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "cost",
        "currency",
        "starts_on",
        "ends_on",
        "is_active",
    ]
    list_filter = ["is_active", "utm_source", "utm_medium"]
    search_fields = ["name", "utm_campaign"]


@admin.register(Lead)
class LeadAdmin(DeleteThroughServiceMixin, admin.ModelAdmin):
    delete_service = staticmethod(lambda obj, actor: lead_delete(lead=obj, actor=actor))

    list_display = [
        "title",
        "status",
        "full_name",
        "company_title",
        "source",
        "responsible",
        "amount",
        "created_at",
    ]
    list_filter = ["status", "source", "campaign", "is_open_to_all", "created_at"]
    list_select_related = ["status", "source", "responsible"]
    search_fields = ["title", "last_name", "first_name", "company_title"]
    autocomplete_fields = ["responsible", "contact", "company", "campaign"]
    readonly_fields = ["status", "amount", "converted_at", "status_changed_at", "created_by"]
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # leads are created by forms, imports, the API and the workspace
