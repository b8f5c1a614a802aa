from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.admin import ColorInput, DeleteThroughServiceMixin

from .models import Deal, DealContact, DealStageChange, Pipeline, Stage
from .services import StageSpec, deal_delete, deals_funnel_refresh, pipeline_check_stages


class StageInlineFormSet(forms.BaseInlineFormSet):
    """Checks the stages together with the same rules the services apply."""

    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms):
            return
        kept, removed = [], []
        for form in self.forms:
            if not form.cleaned_data:
                continue
            if form.cleaned_data.get("DELETE"):
                removed.append(form.instance)
            else:
                kept.append(
                    StageSpec(
                        **{k: form.cleaned_data[k] for k in ("name", "sort", "semantics", "color")}
                    )
                )
        for stage in removed:
            if stage.pk and stage.deals.exists():
                raise ValidationError(
                    _("The stage %(stage)s still holds deals; move them before deleting it.")
                    % {"stage": stage.name}
                )
        pipeline_check_stages(kept)


class StageInline(admin.TabularInline):
    model = Stage
    formset = StageInlineFormSet
    fields = ["sort", "name", "semantics", "color"]
    ordering = ["sort"]
    extra = 0

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "color":
            kwargs["widget"] = ColorInput
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    """Stages are edited inside their pipeline; this page serves look-ups (role stage rules)."""

    list_display = ["name", "pipeline", "sort", "semantics"]
    list_filter = ["pipeline", "semantics"]
    list_select_related = ["pipeline"]
    search_fields = ["name", "pipeline__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin):
    list_display = ["name", "is_default", "sort"]
    list_editable = ["sort"]
    search_fields = ["name"]
    inlines = [StageInline]

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        # which stage is furthest depends on the order and the meanings (a name or a colour
        # does not; a deleted stage's deals are recomputed by the triggers as its entries go)
        reordered = [stage for stage, fields in formset.changed_objects
                     if {"sort", "semantics"} & set(fields)]  # fmt: skip
        if change and formset.model is Stage and reordered:
            deals_funnel_refresh(form.instance, stages=reordered)


class DealContactInline(admin.TabularInline):
    model = DealContact
    extra = 0
    autocomplete_fields = ["contact"]


class DealStageChangeInline(admin.TabularInline):
    model = DealStageChange
    extra = 0
    fields = ["at", "from_stage", "to_stage", "actor"]
    readonly_fields = fields
    can_delete = False
    max_num = 0


@admin.register(Deal)
class DealAdmin(DeleteThroughServiceMixin, admin.ModelAdmin):
    delete_service = staticmethod(lambda obj, actor: deal_delete(deal=obj, actor=actor))

    list_display = [
        "title",
        "pipeline",
        "stage",
        "amount",
        "currency",
        "responsible",
        "company",
        "created_at",
    ]
    list_filter = [
        "pipeline",
        "stage__semantics",
        "deal_type",
        "source",
        "is_open_to_all",
        "created_at",
    ]
    list_select_related = ["pipeline", "stage", "responsible", "company", "currency"]
    search_fields = ["title", "company__title"]
    autocomplete_fields = ["responsible", "company", "lead", "campaign"]
    readonly_fields = [
        "pipeline",
        "stage",
        "amount",
        "tax_amount",
        "stage_changed_at",
        "closed_at",
        "created_by",
    ]
    date_hierarchy = "created_at"
    inlines = [DealContactInline, DealStageChangeInline]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # deals are created in the workspace and the API, through deal_create
