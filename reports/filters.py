"""The filters every standard report offers (each report names the ones it accepts):
period, pipeline, amount range, deal type, responsible(s), company, source, campaign; and a
few a single report offers (the horizon of expected sales, the catalog section)."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from catalog.models import Section
from deals.models import Deal, Pipeline, Stage
from leads.models import Campaign, Source

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DEAL_FILTERS = ("period_from", "period_to", "pipeline", "amount_min", "amount_max", "deal_type",
                "responsible", "company", "source", "campaign")  # fmt: skip


class ReportFilterForm(forms.Form):
    period_from = forms.DateField(label=_("From"), required=False, widget=DATE)
    period_to = forms.DateField(label=_("To"), required=False, widget=DATE)
    pipeline = forms.ModelChoiceField(Pipeline.objects.all(), label=_("Pipeline"), required=False)
    amount_min = forms.DecimalField(label=_("Amount from"), required=False, min_value=0,
                                    max_digits=18, decimal_places=2)  # fmt: skip
    amount_max = forms.DecimalField(label=_("Amount to"), required=False, min_value=0,
                                    max_digits=18, decimal_places=2)  # fmt: skip
    deal_type = forms.ChoiceField(label=_("Type"), required=False,
                                  choices=[("", "—"), *Deal.Type.choices])  # fmt: skip
    responsible = forms.ModelMultipleChoiceField(
        get_user_model().objects.filter(is_active=True).order_by("last_name", "first_name"),
        label=_("Responsible"), required=False,
    )  # fmt: skip
    company = forms.IntegerField(label=_("Company"), required=False, min_value=1,
                                 widget=forms.HiddenInput)  # fmt: skip
    source = forms.ModelChoiceField(Source.objects.all(), label=_("Source"), required=False)
    campaign = forms.ModelChoiceField(Campaign.objects.all(), label=_("Campaign"), required=False)
    # report-specific fields: only the reports that name them offer them
    horizon_days = forms.IntegerField(label=_("Horizon, days"), required=False, min_value=1,
                                      max_value=366, initial=30)  # fmt: skip
    section = forms.ModelChoiceField(Section.objects.all(), label=_("Catalog section"),
                                     required=False)  # fmt: skip

    def __init__(self, *args, fields: tuple[str, ...] = DEAL_FILTERS, **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in fields:
                del self.fields[name]

    def clean(self):
        data = super().clean()
        start, end = data.get("period_from"), data.get("period_to")
        if start and end and start > end:
            self.add_error("period_to", _("The period ends before it starts."))
        low, high = data.get("amount_min"), data.get("amount_max")
        if low is not None and high is not None and low > high:
            self.add_error("amount_max", _("The amount range is upside down."))
        return data


def deals_filtered(deals: QuerySet, params: dict, *, date_field: str = "created_at") -> QuerySet:
    """`deals` narrowed by the cleaned filters; the period applies to `date_field` (created,
    or closed for the reports about won deals and revenue)."""
    lookups = {
        f"{date_field}__date__gte": params.get("period_from"),
        f"{date_field}__date__lte": params.get("period_to"),
        "pipeline": params.get("pipeline"),
        "amount__gte": params.get("amount_min"),
        "amount__lte": params.get("amount_max"),
        "deal_type": params.get("deal_type") or None,
        "company_id": params.get("company"),
        "source": params.get("source"),
        "campaign": params.get("campaign"),
    }
    deals = deals.filter(**{key: value for key, value in lookups.items() if value is not None})
    if params.get("responsible"):
        deals = deals.filter(responsible__in=params["responsible"])
    return deals


def filters_given(params: dict, names: tuple[str, ...] = DEAL_FILTERS) -> bool:
    """Whether any of the filters `names` has a value, as deals_filtered reads them: zero is
    a value, an empty choice or selection is not."""

    def given(value) -> bool:
        if isinstance(value, list | tuple | QuerySet):
            return bool(value)
        return value is not None and value != ""

    return any(given(params.get(name)) for name in names)


def default_pipeline_id() -> Subquery:
    """The pk of the default pipeline, else of the first one (a subquery)."""
    return Subquery(Pipeline.objects.order_by("-is_default", "sort", "pk").values("pk")[:1])


def stage_ids() -> dict[str, list[int]]:
    """The ids of the stages of each semantics (one query). Reports name a stage's deals by
    these ids (in_stages) rather than through a join, so the planner estimates from the deals'
    own statistics: a handful of stage rows is never analysed by autovacuum, and its stale
    guess of how many deals are open once chose a nested loop over half a million rows (1M
    deals: the overdue report 945 ms, 180 ms by ids)."""
    ids: dict[str, list[int]] = {semantics: [] for semantics in Stage.Semantics.values}
    for pk, semantics in Stage.objects.values_list("pk", "semantics"):
        ids[semantics].append(pk)
    return ids


def in_stages(ids: list[int], *, through: str = "") -> Q:
    """Deals (`through` "deal__": rows of deals) in one of the stages `ids`."""
    return Q(**{f"{through}stage_id__in": ids or [0]})  # [0]: no stage, still a valid IN
