"""The filters of the activity and notification lists of the REST API (django-filter)."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.filters import IdFilter
from core.models import EntityType

from .models import Activity, ActivityBinding, Notification


class BoundItemForm(forms.Form):
    """An item is named by its type and id together."""

    def clean(self):
        data = super().clean()
        if (data.get("entity_type") or None) is None and data.get("entity_id") is not None:
            self.add_error("entity_type", _("Give the item type with the item id."))
        return data


class ActivityApiFilter(django_filters.FilterSet):
    """What a script filters activities by: kind, status, responsible, a deadline window,
    being overdue, the item they are bound to (`entity_type` with `entity_id`) and a text in
    the subject or description."""

    kind = django_filters.ChoiceFilter(choices=Activity.Kind.choices, label=_("Kind"))
    status = django_filters.ChoiceFilter(choices=Activity.Status.choices, label=_("Status"))
    responsible = django_filters.ModelChoiceFilter(
        queryset=get_user_model().objects.all(), label=_("Responsible")
    )
    deadline_from = django_filters.IsoDateTimeFilter(
        field_name="deadline", lookup_expr="gte", label=_("Deadline from")
    )
    deadline_to = django_filters.IsoDateTimeFilter(
        field_name="deadline", lookup_expr="lte", label=_("Deadline to")
    )
    is_overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    entity_type = django_filters.ChoiceFilter(
        choices=EntityType.choices, method="filter_bound_item", label=_("Item type")
    )
    entity_id = IdFilter(method="filter_bound_item", label=_("Item id (with the item type)"))
    q = django_filters.CharFilter(method="filter_text", label=_("Search"))

    class Meta:
        model = Activity
        fields = []
        form = BoundItemForm

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        overdue = Q(status=Activity.Status.PLANNED, deadline__lt=timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_bound_item(self, queryset: QuerySet, name: str, value) -> QuerySet:
        # Both halves arrive here; the pair is applied once, by the type's filter, as one
        # subquery (no join, so no duplicate rows). An id without a type is refused by the form.
        if name != "entity_type":
            return queryset
        bindings = ActivityBinding.objects.filter(entity_type=value)
        entity_id = self.form.cleaned_data.get("entity_id")
        if entity_id is not None:
            bindings = bindings.filter(entity_id=entity_id)
        return queryset.filter(pk__in=bindings.values("activity_id"))

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(subject__icontains=value) | Q(description__icontains=value))


class NotificationApiFilter(django_filters.FilterSet):
    is_read = django_filters.BooleanFilter(field_name="read_at", lookup_expr="isnull",
                                           exclude=True, label=_("Read"))  # fmt: skip
    kind = django_filters.ChoiceFilter(choices=Notification.Kind.choices, label=_("Kind"))

    class Meta:
        model = Notification
        fields = []
