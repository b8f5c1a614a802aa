"""Shops in the Django admin: settings, the status map, the REST token (shown once), and
the record of their exchanges (read-only)."""

from django import forms
from django.contrib import admin, messages
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .models import Shop, ShopAssignmentRule, ShopOrder, ShopRoute, ShopStatusStage, SyncRun
from .services import shop_save, shop_token_rotate


def _url_field(name: str) -> forms.URLField:
    field = Shop._meta.get_field(name)
    return forms.URLField(label=capfirst(field.verbose_name), help_text=field.help_text,
                          required=False, assume_scheme="https")  # fmt: skip


class ShopAdminForm(forms.ModelForm):
    exchange_url = _url_field("exchange_url")
    callback_url = _url_field("callback_url")
    # never rendered back; left empty, the saved password stays
    password = forms.CharField(
        label=_("Password"), required=False, widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the saved password."),
    )  # fmt: skip

    class Meta:
        model = Shop
        fields = ["name", "is_active", "exchange_url", "login", "password",
                  "sync_interval_minutes", "import_from", "import_to", "commerceml_version",
                  "push_encoding", "time_zone", "pipeline", "probability", "assignment",
                  "responsible", "managers", "is_open_to_all", "notify_department",
                  "allow_backward_moves", "callback_url"]  # fmt: skip

    def clean_password(self) -> str:
        return self.cleaned_data["password"] or self.instance.password


class ShopStatusStageInline(admin.TabularInline):
    model = ShopStatusStage
    extra = 1


class ShopRouteInline(admin.TabularInline):
    model = ShopRoute
    extra = 1
    fields = ["sort", "site", "region", "customer_group", "amount_min", "amount_max", "pipeline"]


class ShopAssignmentRuleInline(admin.TabularInline):
    model = ShopAssignmentRule
    extra = 1
    fields = ["sort", "amount_min", "amount_max", "section", "client_type", "responsible"]


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    form = ShopAdminForm
    list_display = ["name", "is_active", "exchange_url", "sync_interval_minutes", "assignment"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    filter_horizontal = ["managers"]
    inlines = [ShopRouteInline, ShopAssignmentRuleInline, ShopStatusStageInline]
    actions = ["issue_token"]

    def save_model(self, request, obj, form, change):
        shop_save(shop=obj)

    @admin.action(description=_("Issue a new REST token"))
    def issue_token(self, request, queryset):
        for shop in queryset:
            messages.warning(
                request,
                _("%(shop)s: the REST token is %(token)s. Copy it now: it is not shown again.")
                % {"shop": shop.name, "token": shop_token_rotate(shop=shop)},
            )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ShopOrder)
class ShopOrderAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "deal", "status_code", "is_paid", "is_cancelled", "received_at"]
    list_filter = ["shop", "is_paid", "is_cancelled", "is_created_in_crm"]
    search_fields = ["external_id", "number"]


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = ["shop", "kind", "status", "started_at", "seen", "created", "updated",
                    "unchanged", "failed", "skipped"]  # fmt: skip
    list_filter = ["shop", "kind", "status"]
