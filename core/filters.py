"""Filters every CRM item list shares (django-filter): text, "mine", responsible, dates.

A subclass names the fields its text search looks in (`search_fields`) and adds its own.
The same filter sets serve the lists, the boards and their CSV exports.
"""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _


class IdFilter(django_filters.NumberFilter):
    """An item's id: a whole number within the database's key range, so a wild value is a
    clear 400 and never a database overflow."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class AssignedItemFilter(django_filters.FilterSet):
    search_fields: tuple[str, ...] = ()

    q = django_filters.CharFilter(method="filter_text", label=_("Search"))
    mine = django_filters.BooleanFilter(
        method="filter_mine", label=_("Only mine"), widget=forms.CheckboxInput
    )
    responsible = django_filters.ModelChoiceFilter(
        queryset=get_user_model().objects.filter(is_active=True), label=_("Responsible")
    )
    created_from = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label=_("Created from"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_to = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        label=_("Created to"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        condition = Q()
        for field in self.search_fields:
            condition |= Q(**{f"{field}__icontains": value.strip()})
        return queryset.filter(condition) if value.strip() else queryset

    def filter_mine(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        if value and self.request is not None:
            return queryset.filter(responsible=self.request.user)
        return queryset

    @property
    def is_active(self) -> bool:
        """Whether any filter is set (the page says so and offers to reset)."""
        return any(value not in (None, "", False) for value in self.form.cleaned_data.values())
