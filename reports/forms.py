"""The report builder's form: a report's name, description, what it counts, its chart and the
roles it is shared with. The groupings, the measure rows and the filters are read from the
same POST by builder_posted_definition (their choices depend on the entity, and the measure
rows repeat)."""

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from accounts.models import Role

from .builder import (
    CHART_KINDS,
    MAX_MEASURES,
    BuilderFilterForm,
    builder_filter_form,
    filter_data,
)
from .models import SavedReport


class ReportBuilderForm(forms.Form):
    # A preview needs no name; saving checks it (reports.services).
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    entity = forms.ChoiceField(label=_("Counts"), choices=SavedReport.Entity.choices)
    chart = forms.ChoiceField(label=_("Chart"), required=False, choices=list(CHART_KINDS.items()))
    roles = forms.ModelMultipleChoiceField(
        Role.objects.order_by("name"),
        label=_("Share with roles"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Their holders open the report and see their own figures in it."),
    )


def builder_posted_definition(data: QueryDict, entity: str) -> tuple[dict, BuilderFilterForm]:
    """The definition the builder's form posted (group_by selects, the measure rows of an
    aggregate and a field, the chart, the entity's filters) and the bound filter form; the
    filters are left out while that form is invalid. Not checked: that is
    builder_definition_validate's job."""
    filter_form = builder_filter_form(entity, data)
    measures = [
        {"aggregate": aggregate, "field": field_key}
        for aggregate, field_key in zip(
            data.getlist("aggregate"), data.getlist("field"), strict=False
        )  # fmt: skip
        if aggregate
    ][: MAX_MEASURES + 1]
    definition = {
        "group_by": [key for key in data.getlist("group_by") if key],
        "measures": measures,
        "filters": filter_data(filter_form) if filter_form.is_valid() else {},
        "chart": data.get("chart", ""),
    }
    return definition, filter_form
