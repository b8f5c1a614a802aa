from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.policy import stages_visible
from contacts.selectors import company_list
from core.board import QuickAddForm
from core.mass_actions import MassActionForm
from core.responsible import ActiveResponsibleMixin

from .models import Deal, Stage


class DealForm(ActiveResponsibleMixin, forms.ModelForm):
    """The deal's own fields, as the card edits them one at a time and the create page all
    at once. Stage and pipeline change by a stage move, never by this form."""

    class Meta:
        model = Deal
        fields = [
            "title", "amount", "currency", "probability", "deal_type", "begins_on", "closes_on",
            "responsible", "company", "source", "source_description", "campaign",
            "is_open_to_all", "comments",
        ]  # fmt: skip
        widgets = {
            "begins_on": forms.DateInput(attrs={"type": "date"}),
            "closes_on": forms.DateInput(attrs={"type": "date"}),
            "comments": forms.Textarea(attrs={"rows": 3}),
            "source_description": forms.Textarea(attrs={"rows": 2}),
        }

    # the user the form is shown to: it offers only the companies and stages they may see
    actor = None

    @classmethod
    def for_actor(cls, actor) -> type["DealForm"]:
        return type(cls.__name__, (cls,), {"actor": actor})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.actor is None:
            return
        if "company" in self.fields:
            self.fields["company"].queryset = company_list(actor=self.actor)
        if "stage" in self.fields:
            stages = Stage.objects.select_related("pipeline")
            self.fields["stage"].queryset = stages_visible(self.actor, stages)


class DealCreateForm(DealForm):
    stage = forms.ModelChoiceField(Stage.objects.select_related("pipeline"), label=_("Stage"))

    class Meta(DealForm.Meta):
        fields = ["title", "stage", *DealForm.Meta.fields[1:]]


class DealQuickAddForm(QuickAddForm):
    """The kanban's add-a-deal box at the top of a column: it names the column's stage."""

    field_order = ["stage", "title", "amount"]

    stage = forms.ModelChoiceField(Stage.objects.all())


class DealMassActionForm(MassActionForm):
    """The deal list's mass actions: also move the chosen deals to a stage."""

    action = forms.ChoiceField(choices=[("stage", _("Move to stage")), *MassActionForm.ACTIONS])
    stage = forms.ModelChoiceField(Stage.objects.select_related("pipeline"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("action") == "stage" and not data.get("stage"):
            self.add_error("stage", _("Choose the stage."))
        return data
