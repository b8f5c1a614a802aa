import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from contacts.selectors import communication_search
from core.filters import AssignedItemFilter, IdFilter

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


class LeadApiFilter(LeadFilter):
    """The list's filters plus what a script filters by: the client (contact, company), the
    status change and conversion windows; the text also looks in phones and e-mails."""

    company = IdFilter(field_name="company_id", label=_("Company"))
    contact = IdFilter(field_name="contact_id", label=_("Contact"))
    converted_from = django_filters.DateFilter(field_name="converted_at", lookup_expr="date__gte",
                                               label=_("Converted from"))  # fmt: skip
    converted_to = django_filters.DateFilter(field_name="converted_at", lookup_expr="date__lte",
                                             label=_("Converted to"))  # fmt: skip
    status_changed_from = django_filters.DateFilter(
        field_name="status_changed_at", lookup_expr="date__gte", label=_("Status changed from")
    )
    status_changed_to = django_filters.DateFilter(
        field_name="status_changed_at", lookup_expr="date__lte", label=_("Status changed to")
    )

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        text = value.strip()
        if not text:
            return queryset
        by_fields = super().filter_text(Lead.objects.all(), name, text)
        by_communication = communication_search(Lead.objects.all(), text, owner="lead")
        return queryset.filter(
            Q(pk__in=by_fields.values("pk")) | Q(pk__in=by_communication.values("pk"))
        )
