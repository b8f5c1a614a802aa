from django.contrib import admin

from core.admin import DeleteThroughServiceMixin

from .models import Communication, Company, CompanyRequisite, Contact, ContactCompany
from .services import company_delete, contact_delete


class CommunicationInline(admin.TabularInline):
    model = Communication
    extra = 0
    fields = ["kind", "label", "value"]
    readonly_fields = fields


class ContactCompanyInline(admin.TabularInline):
    model = ContactCompany
    extra = 0
    autocomplete_fields = ["contact", "company"]


class RequisiteInline(admin.StackedInline):
    model = CompanyRequisite
    extra = 0


@admin.register(Contact)
class ContactAdmin(DeleteThroughServiceMixin, admin.ModelAdmin):
    delete_service = staticmethod(lambda obj, actor: contact_delete(contact=obj, actor=actor))

    list_display = ["full_name", "position", "contact_type", "responsible", "created_at"]
    list_filter = ["contact_type", "source", "created_at"]
    list_select_related = ["responsible"]
    search_fields = ["last_name", "first_name", "communications__normalized_value"]
    autocomplete_fields = ["responsible"]
    inlines = [CommunicationInline, ContactCompanyInline]
    show_full_result_count = False


@admin.register(Company)
class CompanyAdmin(DeleteThroughServiceMixin, admin.ModelAdmin):
    delete_service = staticmethod(lambda obj, actor: company_delete(company=obj, actor=actor))

    list_display = ["title", "company_type", "industry", "responsible", "created_at"]
    list_filter = ["company_type", "industry", "source"]
    list_select_related = ["responsible"]
    search_fields = ["title", "requisites__inn", "communications__normalized_value"]
    autocomplete_fields = ["responsible"]
    inlines = [RequisiteInline, CommunicationInline, ContactCompanyInline]
    show_full_result_count = False
