from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .models import Deal, Stage


class DealForm(forms.ModelForm):
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "responsible" in self.fields:
            self.fields["responsible"].queryset = get_user_model().objects.filter(is_active=True)


class DealCreateForm(DealForm):
    stage = forms.ModelChoiceField(Stage.objects.select_related("pipeline"), label=_("Stage"))

    class Meta(DealForm.Meta):
        fields = ["title", "stage", *DealForm.Meta.fields[1:]]


class DealQuickAddForm(forms.Form):
    """The kanban's add-a-deal box at the top of a column."""

    stage = forms.ModelChoiceField(Stage.objects.all())
    title = forms.CharField(max_length=255, label=_("Title"))
    amount = forms.DecimalField(
        required=False, min_value=0, max_digits=18, decimal_places=2, label=_("Amount")
    )


class DealMassActionForm(forms.Form):
    ACTIONS = [("stage", _("Move to stage")), ("assign", _("Assign responsible")),
               ("delete", _("Delete"))]  # fmt: skip

    action = forms.ChoiceField(choices=ACTIONS)
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=[])
    stage = forms.ModelChoiceField(Stage.objects.select_related("pipeline"), required=False)
    responsible = forms.ModelChoiceField(
        get_user_model().objects.filter(is_active=True), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # ids are checked against the policy by the view, not against a list of choices
        self.fields["ids"].valid_value = lambda value: True

    def clean(self):
        data = super().clean()
        if data.get("action") == "stage" and not data.get("stage"):
            self.add_error("stage", _("Choose the stage."))
        if data.get("action") == "assign" and not data.get("responsible"):
            self.add_error("responsible", _("Choose the responsible."))
        return data
