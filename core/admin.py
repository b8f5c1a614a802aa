"""Admin pieces shared by the apps. Registers nothing itself."""

from collections.abc import Callable

from django import forms


class ColorInput(forms.TextInput):
    """The browser's colour picker for "#RRGGBB" fields."""

    input_type = "color"


class DeleteThroughServiceMixin:
    """Admin deletes (one object, or a list's bulk action) go through the app's delete service,
    which also removes the item's history and publishes its event."""

    delete_service: Callable  # (obj, actor) -> None

    def delete_model(self, request, obj):
        self.delete_service(obj, request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_service(obj, request.user)
