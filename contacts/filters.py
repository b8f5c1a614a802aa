"""The filters of the contact and company lists (and their CSV exports)."""

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from core.filters import AssignedItemFilter, IdFilter
from leads.models import Source

from .models import Company, Contact
from .selectors import communication_search


class ContactFilter(AssignedItemFilter):
    """Search looks in the name, the position and every phone and e-mail."""

    search_fields = ("last_name", "first_name", "middle_name", "position")

    contact_type = django_filters.ChoiceFilter(choices=Contact.Type.choices, label=_("Type"))
    source = django_filters.ModelChoiceFilter(
        queryset=Source.objects.filter(is_active=True), label=_("Source")
    )

    class Meta:
        model = Contact
        fields = []

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        text = value.strip()
        if not text:
            return queryset
        by_name = Q()
        for word in text.split():
            by_name &= Q(*(Q(**{f"{field}__icontains": word}) for field in self.search_fields),
                         _connector=Q.OR)  # fmt: skip
        by_communication = communication_search(Contact.objects.all(), text, owner="contact")
        return queryset.filter(by_name | Q(pk__in=by_communication.values("pk")))


class CompanyFilter(AssignedItemFilter):
    """Search looks in the name, the INN and every phone and e-mail."""

    search_fields = ("title",)

    company_type = django_filters.ChoiceFilter(choices=Company.Type.choices, label=_("Type"))
    industry = django_filters.ChoiceFilter(choices=Company.Industry.choices, label=_("Industry"))
    source = django_filters.ModelChoiceFilter(
        queryset=Source.objects.filter(is_active=True), label=_("Source")
    )

    class Meta:
        model = Company
        fields = []

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        text = value.strip()
        if not text:
            return queryset
        by_communication = communication_search(Company.objects.all(), text, owner="company")
        with_inn = Company.objects.filter(requisites__inn__startswith=text).values("pk")
        return queryset.filter(
            Q(title__icontains=text) | Q(pk__in=with_inn) | Q(pk__in=by_communication.values("pk"))
        )


class ContactApiFilter(ContactFilter):
    """The list's filters plus a company the contact works in."""

    company = IdFilter(field_name="company_links__company_id",
                                          label=_("Company"))  # fmt: skip
