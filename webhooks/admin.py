from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.errors import ApplicationError, error_text

from .event_types import event_choices
from .forms import PayloadFormatMixin, payload_format_field
from .models import (
    WebhookDelivery,
    WebhookDeliveryAttempt,
    WebhookSubscription,
    http_url_validator,
)
from .services import (
    webhook_delivery_redeliver,
    webhook_subscription_create,
    webhook_subscription_delete,
    webhook_subscription_rotate_secret,
    webhook_subscription_update,
)


class WebhookSubscriptionAdminForm(PayloadFormatMixin, forms.ModelForm):
    """Validated like the settings page; saved through the services (save_model)."""

    target_url = forms.URLField(
        label=_("Target URL"),
        max_length=500,
        validators=[http_url_validator],
        assume_scheme="https",
    )
    payload_format = payload_format_field()
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=event_choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "target_url", "payload_format", "events", "is_active"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "target_url",
        "payload_format",
        "is_active",
        "failing_since",
        "updated_at",
    ]
    list_filter = ["is_active", "payload_format"]
    search_fields = ["name", "target_url"]
    readonly_fields = ["secret", "failing_since", "disabled_at", "created_by"]
    actions = ["rotate_secret"]

    form = WebhookSubscriptionAdminForm

    def save_model(self, request, obj, form, change):
        data = {
            field: form.cleaned_data[field] for field in WebhookSubscriptionAdminForm.Meta.fields
        }
        if change:
            webhook_subscription_update(subscription=obj, actor=request.user, data=data)
        else:
            saved = webhook_subscription_create(actor=request.user, **data)
            obj.pk, obj.secret, obj.created_by = saved.pk, saved.secret, saved.created_by
            obj._state.adding = False

    def delete_model(self, request, obj):
        webhook_subscription_delete(subscription=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for subscription in queryset:
            webhook_subscription_delete(subscription=subscription, actor=request.user)

    @admin.action(description=_("Rotate the secret"))
    def rotate_secret(self, request, queryset):
        for subscription in queryset:
            webhook_subscription_rotate_secret(subscription=subscription, actor=request.user)


class WebhookDeliveryAttemptInline(admin.TabularInline):
    model = WebhookDeliveryAttempt
    extra = 0
    can_delete = False
    max_num = 0
    fields = readonly_fields = [
        "number",
        "created_at",
        "response_code",
        "duration_ms",
        "error",
        "response_excerpt",
    ]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "subscription",
        "event",
        "status",
        "attempts",
        "last_response_code",
        "next_try_at",
    ]
    list_filter = ["status", "event", "subscription"]
    list_select_related = ["subscription"]
    inlines = [WebhookDeliveryAttemptInline]
    actions = ["redeliver"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Send again"), permissions=["view"])
    def redeliver(self, request, queryset):
        queued = 0
        for delivery in queryset.select_related("subscription"):
            try:
                webhook_delivery_redeliver(delivery=delivery, actor=request.user)
            except ApplicationError as error:
                self.message_user(request, f"#{delivery.pk}: {error_text(error)}", messages.WARNING)
            else:
                queued += 1
        if queued:
            self.message_user(
                request,
                ngettext(
                    "%(count)d delivery queued to be sent again.",
                    "%(count)d deliveries queued to be sent again.",
                    queued,
                )
                % {"count": queued},
                messages.SUCCESS,
            )
