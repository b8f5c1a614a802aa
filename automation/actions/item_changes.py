"""Robot actions that change the item itself, copy it or convert it."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from catalog.services import product_rows_as_input
from core.errors import ApplicationError, error_text
from core.models import EntityType
from deals.models import Deal, Pipeline, Stage
from deals.services import deal_create, deal_move_to_pipeline
from leads.models import Lead, LeadStatus
from leads.services import Conversion, lead_convert

from ..items import deal_contacts
from .base import Action, ActionForm, ActionRefused, RunContext, register


class TargetStageForm(ActionForm):
    """The stage (or lead status) a robot moves its item to, one of targets()."""

    target = forms.IntegerField(label=_("Move to"), widget=forms.Select)
    refusal = _("Choose a stage of the same pipeline.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].widget.choices = [
            (place.pk, self.label_of(place)) for place in self.targets()
        ]

    def targets(self):
        raise NotImplementedError

    def label_of(self, place) -> str:
        return place.name

    def clean_target(self):
        target = self.cleaned_data["target"]
        if not self.targets().filter(pk=target).exists():
            raise forms.ValidationError(self.refusal)
        return target


class ChangeStageForm(TargetStageForm):
    def targets(self):
        if self.entity_type == EntityType.LEAD:
            return LeadStatus.objects.exclude(semantics=LeadStatus.Semantics.CONVERTED)
        if self.place is not None:
            return Stage.objects.filter(pipeline_id=self.place.pipeline_id)
        return Stage.objects.select_related("pipeline")

    def clean_target(self):
        target = super().clean_target()
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


class ChangePipelineForm(TargetStageForm):
    refusal = _("Choose a stage of another pipeline.")

    def targets(self):
        stages = Stage.objects.select_related("pipeline").order_by("pipeline__sort", "sort")
        if self.place is not None:
            return stages.exclude(pipeline_id=self.place.pipeline_id)
        return stages

    def label_of(self, place) -> str:
        return place.name_with_pipeline


@register
class ChangePipelineAction(Action):
    """Bitrix24's "Change pipeline" robot: the deal goes on in another pipeline's stage."""

    key = "automation.change_pipeline"
    label = _("Move to another pipeline")
    form_class = ChangePipelineForm
    entity_types = (EntityType.DEAL,)

    def run(self, context: RunContext) -> dict:
        target = Stage.objects.select_related("pipeline").filter(
            pk=context.settings["target"]).first()  # fmt: skip
        if target is None:
            raise ActionRefused(_("The stage the robot moves to no longer exists."))
        deal_move_to_pipeline(deal=context.item, stage=target, actor=None)
        return {"summary": target.name_with_pipeline}


# The fields a robot may set, per kind of item: plain values of the item itself (no stage,
# currency or responsible: other actions and services own those).
SETTABLE_FIELDS = {
    EntityType.DEAL: (Deal, ["title", "amount", "probability", "deal_type", "begins_on",
                             "closes_on", "source", "source_description", "comments",
                             "is_open_to_all"]),
    EntityType.LEAD: (Lead, ["title", "amount", "company_title", "source", "source_description",
                             "comments", "is_open_to_all"]),
}  # fmt: skip
# what the database holds beyond the field's own form field (its check constraints)
FORM_FIELD_LIMITS = {"amount": {"min_value": 0}, "probability": {"max_value": 100}}


def settable_form_field(entity_type: str, name: str) -> forms.Field:
    """The model field's own form field, which parses the stored text into its value."""
    model, _names = SETTABLE_FIELDS[entity_type]
    return model._meta.get_field(name).formfield(**FORM_FIELD_LIMITS.get(name, {}))


def value_as_text(value) -> str:
    """A cleaned value as the settings keep it: text that the form field parses back."""
    if value is None:
        return ""
    if isinstance(value, Model):
        return str(value.pk)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


class SetFieldForm(ActionForm):
    field = forms.ChoiceField(label=_("Field"))
    value = forms.CharField(label=_("Value"), required=False, max_length=5000,
                            help_text=_("Empty clears the field (if it may be empty)."))  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        model, names = SETTABLE_FIELDS[self.entity_type]
        self.fields["field"].choices = [
            (name, str(model._meta.get_field(name).verbose_name).capitalize()) for name in names
        ]

    def clean(self):
        data = super().clean()
        name = data.get("field")
        if not name:
            return data
        form_field = settable_form_field(self.entity_type, name)
        try:
            value = form_field.clean(data.get("value", ""))
        except ValidationError as error:
            label = dict(self.fields["field"].choices).get(name, name)
            self.add_error("value", [f"{label}: {message}" for message in error.messages])
            return data
        data["value"] = value_as_text(value)
        return data


@register
class SetFieldAction(Action):
    key = "automation.set_field"
    label = _("Set a field")
    form_class = SetFieldForm

    def run(self, context: RunContext) -> dict:
        name, text = context.settings["field"], context.settings.get("value", "")
        model, names = SETTABLE_FIELDS[context.entity_type]
        if name not in names:
            raise ActionRefused(
                gettext("A robot cannot set the field %(field)s.") % {"field": name}
            )
        try:
            value = settable_form_field(context.entity_type, name).clean(text)
        except ValidationError as error:  # e.g. the source chosen was deleted since
            raise ActionRefused(
                gettext("The value set by the robot is no longer valid: %(error)s")
                % {"error": error_text(error)}
            ) from error
        try:
            context.kind.update(context.item, {name: value}, actor=None)
        except (ApplicationError, ValidationError) as error:
            raise ActionRefused(error_text(error)) from error
        model_field = model._meta.get_field(name)
        summary = gettext("%(field)s: %(value)s") % {
            "field": str(model_field.verbose_name).capitalize(),
            "value": value_as_shown(model_field, value),
        }
        return {"summary": summary[:200], "field": name, "value": text}


def value_as_shown(model_field, value) -> str:
    """A value as people read it in the run's summary."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    return str(value)


class CopyDealForm(ActionForm):
    pipeline = forms.ModelChoiceField(label=_("Pipeline"), queryset=Pipeline.objects.all())
    stage = forms.ModelChoiceField(
        label=_("Stage"), queryset=Stage.objects.select_related("pipeline"), required=False,
        empty_label=_("the pipeline's first stage"),
    )  # fmt: skip

    def clean(self):
        data = super().clean()
        pipeline, stage = data.get("pipeline"), data.get("stage")
        if pipeline is None:
            return data
        if stage is not None and stage.pipeline_id != pipeline.pk:
            self.add_error(
                "stage",
                _("The stage %(stage)s belongs to another pipeline than %(pipeline)s.")
                % {"stage": stage.name, "pipeline": pipeline.name},
            )
            return data
        target = stage or pipeline.stages.order_by("sort").first()
        if self.place is not None and target is not None and target.pk == self.place.pk:
            # the copy would enter this very stage and run this robot again, without end
            self.add_error("stage", _("The copy cannot start in the robot's own stage."))
        return data


@register
class CopyItemAction(Action):
    """Copies the deal, with its company, contacts and products, into another pipeline."""

    key = "automation.copy_deal"
    label = _("Copy the deal into another pipeline")
    form_class = CopyDealForm
    entity_types = (EntityType.DEAL,)

    def run(self, context: RunContext) -> dict:
        settings, deal = context.settings, context.item
        pipeline = Pipeline.objects.filter(pk=settings.get("pipeline")).first()
        if pipeline is None:
            raise ActionRefused(gettext("The pipeline to copy the deal into no longer exists."))
        stage = None
        if settings.get("stage"):
            stage = Stage.objects.filter(pk=settings["stage"], pipeline=pipeline).first()
            if stage is None:
                raise ActionRefused(gettext("The stage to copy the deal into no longer exists."))
        contacts = deal_contacts(deal)
        rows = product_rows_as_input(owner=deal)
        try:
            copy = deal_create(
                title=deal.title, actor=None, pipeline=pipeline, stage=stage,
                currency=deal.currency, responsible=deal.responsible, contacts=contacts,
                product_rows=rows, company=deal.company, deal_type=deal.deal_type,
                source=deal.source, source_description=deal.source_description,
                campaign=deal.campaign, comments=deal.comments,
                is_open_to_all=deal.is_open_to_all, begins_on=deal.begins_on,
                closes_on=deal.closes_on, **({} if rows else {"amount": deal.amount}),
            )  # fmt: skip
        except (ApplicationError, ValidationError) as error:
            raise ActionRefused(error_text(error)) from error
        return {
            "summary": gettext("%(title)s (#%(id)s) in %(pipeline)s")
            % {"title": copy.title, "id": copy.pk, "pipeline": pipeline.name},
            "deal": copy.pk,
        }


class ConvertLeadForm(ActionForm):
    create_contact = forms.BooleanField(label=_("Create a contact"), required=False, initial=True)
    create_company = forms.BooleanField(label=_("Create a company"), required=False)
    create_deal = forms.BooleanField(label=_("Create a deal"), required=False, initial=True)
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline of the deal"), queryset=Pipeline.objects.all(), required=False,
        empty_label=_("the default pipeline"),
    )  # fmt: skip

    def clean(self):
        data = super().clean()
        if not (
            data.get("create_contact") or data.get("create_company") or data.get("create_deal")
        ):
            raise forms.ValidationError(_("Choose what to create from the lead."))
        if isinstance(self.place, LeadStatus) and self.place.is_final:
            raise forms.ValidationError(
                _("A lead in the status %(status)s cannot be converted.")
                % {"status": self.place.name}
            )
        if not data.get("create_deal"):
            data["pipeline"] = None
        return data


@register
class ConvertLeadAction(Action):
    """Converts the lead into a contact, a company and a deal, as chosen."""

    key = "automation.convert_lead"
    label = _("Convert the lead")
    form_class = ConvertLeadForm
    entity_types = (EntityType.LEAD,)

    def run(self, context: RunContext) -> dict:
        settings, lead = context.settings, context.item
        if lead.status.semantics == LeadStatus.Semantics.CONVERTED:
            raise ActionRefused(gettext("The lead is converted already."))
        if lead.status.semantics == LeadStatus.Semantics.JUNK:
            raise ActionRefused(gettext("A junk lead is not converted."))
        pipeline = None
        if settings.get("create_deal") and settings.get("pipeline"):
            pipeline = Pipeline.objects.filter(pk=settings["pipeline"]).first()
            if pipeline is None:
                raise ActionRefused(gettext("The pipeline for the new deal no longer exists."))
        conversion = Conversion(
            contact=True if settings.get("create_contact") else None,
            company=True if settings.get("create_company") else None,
            deal=bool(settings.get("create_deal")),
            pipeline=pipeline,
        )
        try:
            result = lead_convert(lead=lead, conversion=conversion, actor=None)
        except ValidationError as error:
            raise ActionRefused(
                gettext("The lead lacks what the conversion needs: %(missing)s")
                % {"missing": " ".join(error.messages)}
            ) from error
        except ApplicationError as error:
            raise ActionRefused(error.message) from error
        created = {
            name: obj
            for name, obj in (("contact", result.contact), ("company", result.company),
                              ("deal", result.deal))
            if obj is not None
        }  # fmt: skip
        return {
            "summary": ", ".join(str(obj) for obj in created.values())[:200],
            **{name: obj.pk for name, obj in created.items()},
        }
