from django.contrib import admin

from .models import Activity, ActivityBinding, Notification, TimelineEvent


class ActivityBindingInline(admin.TabularInline):
    model = ActivityBinding
    extra = 0
    readonly_fields = ["entity_type", "entity_id"]
    can_delete = False
    max_num = 0


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["subject", "kind", "status", "deadline", "responsible", "created_at"]
    list_filter = ["kind", "status", "priority", "is_created_by_robot"]
    list_select_related = ["responsible"]
    search_fields = ["subject"]
    readonly_fields = [
        "status",
        "completed_at",
        "completed_by",
        "reminded_at",
        "previous",
        "created_by",
    ]
    autocomplete_fields = ["responsible"]
    inlines = [ActivityBindingInline]
    show_full_result_count = False


@admin.register(TimelineEvent)
class TimelineEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "entity_type", "entity_id", "kind", "actor"]
    list_filter = ["kind", "entity_type"]
    list_select_related = ["actor"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # the timeline is immutable


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    list_select_related = ["recipient"]
    search_fields = ["title", "recipient__username"]
