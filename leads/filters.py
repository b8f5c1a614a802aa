import django_filters
from django.utils.translation import gettext_lazy as _

from core.filters import AssignedItemFilter

from .models import Campaign, Lead, LeadStatus, Source


class LeadFilter(AssignedItemFilter):
    """The filters of the lead list, its CSV export and the kanban (which drops the status: it
    shows a column per status)."""

    search_fields = ("title", "last_name", "first_name", "company_title")

    status = django_filters.ModelChoiceFilter(queryset=LeadStatus.objects.all(), label=_("Status"))
    source = django_filters.ModelChoiceFilter(
        queryset=Source.objects.filter(is_active=True), label=_("Source")
    )
    campaign = django_filters.ModelChoiceFilter(
        queryset=Campaign.objects.all(), label=_("Campaign")
    )
    amount_min = django_filters.NumberFilter(
        field_name="amount", lookup_expr="gte", label=_("Amount from")
    )
    amount_max = django_filters.NumberFilter(
        field_name="amount", lookup_expr="lte", label=_("Amount to")
    )

    class Meta:
        model = Lead
        fields = []


class LeadBoardFilter(LeadFilter):
    status = None
