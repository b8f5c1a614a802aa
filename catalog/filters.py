"""The filters of the product list (django-filter)."""

import django_filters
from django import forms
from django.db.models import Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from core.filters import IdFilter

from .forms import SectionChoiceField
from .models import Currency, Origin, Product, Section
from .selectors import products_within_section


class SectionFilter(django_filters.ModelChoiceFilter):
    field_class = SectionChoiceField


class ProductFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_text", label=_("Name or article"))
    section = SectionFilter(
        queryset=Section.objects.get_tree(), method="filter_section", label=_("Section")
    )
    price_min = django_filters.NumberFilter(
        field_name="price", lookup_expr="gte", label=_("Price from")
    )
    price_max = django_filters.NumberFilter(
        field_name="price", lookup_expr="lte", label=_("Price to")
    )
    currency = django_filters.ModelChoiceFilter(
        queryset=Currency.objects.all(), label=_("Currency")
    )
    # not "is_active": that name is the filter set's own "is anything set" below
    active = django_filters.BooleanFilter(
        field_name="is_active", label=_("Active"), widget=forms.NullBooleanSelect
    )
    origin = django_filters.ChoiceFilter(choices=Origin.choices, label=_("Origin"))

    class Meta:
        model = Product
        fields = []

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(sku__icontains=value))

    def filter_section(self, queryset: QuerySet, name: str, value: Section) -> QuerySet:
        return products_within_section(queryset, value) if value else queryset

    @property
    def is_active(self) -> bool:
        """Whether any filter is set (the page says so and offers to reset)."""
        return any(value not in (None, "") for value in self.form.cleaned_data.values())


class ProductApiFilter(ProductFilter):
    """The product list's filters for the REST API, by ids and codes: `section` (its
    sub-sections' products included) and `currency`. An unknown one finds nothing."""

    section = IdFilter(method="filter_section_id", label=_("Section"))
    currency = django_filters.CharFilter(field_name="currency_id", label=_("Currency"))

    def filter_section_id(self, queryset: QuerySet, name: str, value) -> QuerySet:
        path = Section.objects.filter(pk=value).values("path")[:1]
        return queryset.filter(section__path__startswith=Subquery(path))
