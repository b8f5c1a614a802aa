from django.contrib import admin

from .forms import MailboxForm
from .models import Mailbox, MailboxMessage
from .services import mailbox_save


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    form = MailboxForm
    list_display = ["name", "host", "login", "folder", "is_active", "last_polled_at", "last_error"]
    list_filter = ["is_active"]
    readonly_fields = ["uid_validity", "last_uid", "last_polled_at", "last_error"]

    def save_model(self, request, obj, form, change):
        mailbox_save(
            mailbox=obj, data=form.cleaned_data, password=form.cleaned_data["new_password"]
        )


@admin.register(MailboxMessage)
class MailboxMessageAdmin(admin.ModelAdmin):
    """What each mailbox received; failed messages with their reason. Read only."""

    list_display = ["subject", "sender", "mailbox", "status", "error", "size", "created_at"]
    list_filter = ["status", "mailbox"]
    search_fields = ["subject", "sender", "message_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
