"""Robot actions that change the item itself."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.models import EntityType
from deals.models import Stage
from leads.models import LeadStatus

from .base import Action, ActionForm, ActionRefused, RunContext, register


class ChangeStageForm(ActionForm):
    target = forms.IntegerField(label=_("Move to"), widget=forms.Select)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].widget.choices = [(place.pk, place.name) for place in self.targets()]

    def targets(self):
        if self.entity_type == EntityType.LEAD:
            return LeadStatus.objects.exclude(semantics=LeadStatus.Semantics.CONVERTED)
        if self.place is not None:
            return Stage.objects.filter(pipeline_id=self.place.pipeline_id)
        return Stage.objects.select_related("pipeline")

    def clean_target(self):
        target = self.cleaned_data["target"]
        if not self.targets().filter(pk=target).exists():
            raise forms.ValidationError(_("Choose a stage of the same pipeline."))
        if self.place is not None and target == self.place.pk:
            raise forms.ValidationError(_("The item is in this stage already."))
        return target


@register
class ChangeStageAction(Action):
    key = "automation.change_stage"
    label = _("Change the stage")
    form_class = ChangeStageForm

    def run(self, context: RunContext) -> dict:
        target = context.kind.place_model.objects.filter(pk=context.settings["target"]).first()
        if target is None:
            raise ActionRefused(_("The stage the robot moves to no longer exists."))
        context.kind.move(context.item, target, actor=None)
        return {"summary": target.name}
