from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .models import InboundWebhook, Scope
from .services import webhook_create, webhook_update


class InboundWebhookAddForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(label=_("Scopes"), choices=Scope.choices,
                                       widget=forms.CheckboxSelectMultiple)  # fmt: skip

    class Meta:
        model = InboundWebhook
        fields = ["user", "name", "scopes", "expires_at"]


class InboundWebhookChangeForm(InboundWebhookAddForm):
    class Meta(InboundWebhookAddForm.Meta):
        fields = ["user", "name", "scopes", "is_active", "expires_at"]


@admin.register(InboundWebhook)
class InboundWebhookAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "user",
        "code_hint",
        "scopes",
        "is_active",
        "expires_at",
        "last_used_at",
    ]
    list_filter = ["is_active"]
    search_fields = ["name", "user__username"]
    readonly_fields = ["code_hint", "last_used_at"]

    def get_form(self, request, obj=None, **kwargs):
        # a new webhook: its code is made, and shown once
        kwargs["form"] = InboundWebhookAddForm if obj is None else InboundWebhookChangeForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return InboundWebhookAddForm.Meta.fields
        return ["user", "name", "scopes", "is_active", "expires_at", "code_hint", "last_used_at"]

    def save_model(self, request, obj, form, change):
        if change:
            webhook_update(webhook=obj, name=obj.name, scopes=obj.scopes,
                           is_active=obj.is_active, expires_at=obj.expires_at)  # fmt: skip
            return
        webhook, code = webhook_create(user=obj.user, name=obj.name, scopes=obj.scopes,
                                       expires_at=obj.expires_at)  # fmt: skip
        obj.pk = webhook.pk
        messages.warning(request, _("Copy the webhook's address now, it is not shown again: %(url)s")
                         % {"url": request.build_absolute_uri(reverse("b24:rest-base", args=[obj.user_id, code]))})  # fmt: skip
