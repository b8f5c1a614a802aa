from django.contrib import admin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from .models import Currency, CurrencyRate, Product, Section
from .services import currency_set_rate


class CurrencyRateInline(admin.TabularInline):
    model = CurrencyRate
    extra = 0
    fields = ["rate", "set_at"]
    readonly_fields = ["rate", "set_at"]
    can_delete = False
    max_num = 0
    ordering = ["-set_at"]


@admin.register(Currency)
class CurrencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "symbol", "rate", "rate_updated_at", "is_base", "sort"]
    list_editable = ["sort"]
    search_fields = ["code", "name"]
    readonly_fields = ["rate_updated_at"]
    inlines = [CurrencyRateInline]

    def save_model(self, request, obj, form, change):
        # a changed rate goes through the service, which keeps the history
        rate_changed = "rate" in form.changed_data
        super().save_model(request, obj, form, change)
        if rate_changed:
            currency_set_rate(currency=obj, rate=obj.rate)


@admin.register(Section)
class SectionAdmin(TreeAdmin):
    form = movenodeform_factory(Section)
    list_display = ["name", "is_active", "origin"]
    list_filter = ["is_active", "origin"]
    search_fields = ["name", "external_id"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "section", "sku", "price", "currency", "measure", "is_active", "origin"]
    list_filter = ["is_active", "origin", "currency", "section"]
    list_select_related = ["section"]
    search_fields = ["name", "sku", "external_id"]
    autocomplete_fields = ["section"]
    readonly_fields = ["origin", "external_id", "created_at", "updated_at"]
