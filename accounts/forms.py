"""The role editor: one field per entity × action, per pipeline for deals, per stage."""

from django import forms
from django.utils.translation import gettext_lazy as _

from deals.models import Pipeline

from .models import PermissionAction, PermissionEntity, PermissionScope, Role, User

INHERIT = ""


def scope_key(entity: str, action: str, pipeline_id: int | None = None) -> str:
    return f"{entity}.{action}" + (f".{pipeline_id}" if pipeline_id else "")


class RoleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, role: Role | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.role = role
        self.pipelines = list(Pipeline.objects.prefetch_related("stages"))
        stored, rules = {}, {}
        if role is not None:
            self.initial.update(name=role.name, description=role.description)
            stored = {
                scope_key(p.entity, p.action, p.pipeline_id): p.scope
                for p in role.permissions.all()
            }
            rules = {rule.stage_id: rule for rule in role.stage_rules.all()}
        for entity in PermissionEntity.values:
            for action in PermissionAction.values:
                key = scope_key(entity, action)
                self.fields[key] = forms.ChoiceField(
                    choices=PermissionScope.choices, initial=stored.get(key, PermissionScope.NONE)
                )
        pipeline_choices = [(INHERIT, _("as for all deals")), *PermissionScope.choices]
        for pipeline in self.pipelines:
            for action in PermissionAction.values:
                key = scope_key(PermissionEntity.DEAL, action, pipeline.pk)
                self.fields[key] = forms.ChoiceField(
                    choices=pipeline_choices, required=False, initial=stored.get(key, INHERIT)
                )
            for stage in pipeline.stages.all():
                rule = rules.get(stage.pk)
                self.fields[f"stage.{stage.pk}.view"] = forms.BooleanField(
                    required=False, initial=rule.can_view if rule else True
                )
                self.fields[f"stage.{stage.pk}.move"] = forms.BooleanField(
                    required=False, initial=rule.can_move_into if rule else True
                )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        others = Role.objects.exclude(pk=getattr(self.role, "pk", None))
        if others.filter(name__iexact=name).exists():
            raise forms.ValidationError(_("A role with this name exists already."))
        return name

    def matrix(self) -> list[tuple[str, list]]:
        """Rows of the general table: (entity label, its action fields in column order)."""
        return [
            (label, [self[scope_key(entity, action)] for action in PermissionAction.values])
            for entity, label in PermissionEntity.choices
        ]

    def pipeline_rows(self) -> list[tuple[Pipeline, list, list]]:
        """Per pipeline: its deal action fields, and (stage, view field, move field) rows."""
        return [
            (
                pipeline,
                [
                    self[scope_key(PermissionEntity.DEAL, action, pipeline.pk)]
                    for action in PermissionAction.values
                ],
                [
                    (stage, self[f"stage.{stage.pk}.view"], self[f"stage.{stage.pk}.move"])
                    for stage in pipeline.stages.all()
                ],
            )
            for pipeline in self.pipelines
        ]

    def scopes(self) -> dict[tuple[str, str, int | None], str]:
        data = self.cleaned_data
        result = {
            (entity, action, None): data[scope_key(entity, action)]
            for entity in PermissionEntity.values
            for action in PermissionAction.values
        }
        for pipeline in self.pipelines:
            for action in PermissionAction.values:
                scope = data[scope_key(PermissionEntity.DEAL, action, pipeline.pk)]
                if scope != INHERIT:
                    result[(PermissionEntity.DEAL, action, pipeline.pk)] = scope
        return result

    def stage_rules(self) -> dict[int, tuple[bool, bool]]:
        return {
            stage.pk: (
                self.cleaned_data[f"stage.{stage.pk}.view"],
                self.cleaned_data[f"stage.{stage.pk}.move"],
            )
            for pipeline in self.pipelines
            for stage in pipeline.stages.all()
        }


class ShareForm(forms.Form):
    """Share an item with one colleague: to see it, or to see and edit it."""

    colleague = forms.ModelChoiceField(User.objects.none(), label=_("Colleague"))
    can_edit = forms.BooleanField(required=False, label=_("may edit"))

    def __init__(self, *args, sharer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["colleague"].queryset = User.objects.filter(is_active=True).exclude(
            pk=sharer.pk
        )
