import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from core.filters import AssignedItemFilter, IdFilter
from leads.models import Campaign, Source

from .models import Deal, Pipeline, Stage


class DealFilter(AssignedItemFilter):
    """The filters of the deal list and the kanban (which drops pipeline and stage: it shows
    one pipeline, a column per stage)."""

    search_fields = ("title", "company__title")

    pipeline = django_filters.ModelChoiceFilter(
        queryset=Pipeline.objects.all(), label=_("Pipeline")
    )
    stage = django_filters.ModelChoiceFilter(
        queryset=Stage.objects.select_related("pipeline"), label=_("Stage")
    )
    amount_min = django_filters.NumberFilter(
        field_name="amount", lookup_expr="gte", label=_("Amount from")
    )
    amount_max = django_filters.NumberFilter(
        field_name="amount", lookup_expr="lte", label=_("Amount to")
    )
    closes_from = django_filters.DateFilter(
        field_name="closes_on",
        lookup_expr="gte",
        label=_("Closes from"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    closes_to = django_filters.DateFilter(
        field_name="closes_on",
        lookup_expr="lte",
        label=_("Closes to"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    source = django_filters.ModelChoiceFilter(
        queryset=Source.objects.filter(is_active=True), label=_("Source")
    )
    campaign = django_filters.ModelChoiceFilter(
        queryset=Campaign.objects.all(), label=_("Campaign")
    )
    # the deals of one company or contact: the link under a card's deals (not in the bar)
    company = IdFilter(field_name="company_id", label=_("Company"), widget=forms.HiddenInput)
    contact = IdFilter(
        field_name="contact_links__contact_id", label=_("Contact"), widget=forms.HiddenInput
    )

    class Meta:
        model = Deal
        fields = []


class DealBoardFilter(DealFilter):
    pipeline = None
    stage = None


class DealApiFilter(DealFilter):
    """The list's filters plus being open or closed (and the company and contact as visible
    query parameters)."""

    company = IdFilter(field_name="company_id", label=_("Company"))
    contact = IdFilter(field_name="contact_links__contact_id", label=_("Contact"))
    is_closed = django_filters.BooleanFilter(field_name="closed_at", lookup_expr="isnull",
                                             exclude=True, label=_("Closed"))  # fmt: skip
