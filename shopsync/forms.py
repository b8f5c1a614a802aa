"""The shop settings page's forms: the shop's own fields in two groups (connection, new
deals), its pipeline rules and its order status → stage map as formsets. Input checks only:
the rules (a fixed assignment has its manager, the map's stages are in the shop's pipelines,
an amount range the right way round) are the service's."""

import zoneinfo
from functools import cache

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.forms.models import construct_instance
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from catalog.models import Section
from core.responsible import UserChoiceField, UsersChoiceField
from deals.models import Pipeline, Stage

from .models import Shop, ShopAssignmentRule

CONNECTION_FIELDS = [
    "name", "exchange_url", "login", "password", "commerceml_version", "push_encoding",
    "time_zone", "sync_interval_minutes", "import_from", "import_to", "callback_url", "is_active",
]  # fmt: skip
DEAL_FIELDS = [
    "pipeline", "probability", "assignment", "responsible", "managers", "is_open_to_all",
    "notify_department",
]  # fmt: skip
STATUS_FIELDS = ["allow_backward_moves"]


@cache
def _time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class ShopForm(forms.ModelForm):
    """Steps 1 and 2 of the page: how to reach the shop, and what its new deals get."""

    # never rendered back; left empty, the saved password stays
    password = forms.CharField(
        label=_("Password"), required=False, max_length=255,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )  # fmt: skip
    exchange_url = forms.URLField(
        label=_("Exchange URL"), required=False, max_length=200, assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("The shop's CommerceML exchange endpoint."),
        widget=forms.URLInput(attrs={"placeholder": "https://shop.example.com/bitrix/admin/1c_exchange.php"}),
    )  # fmt: skip
    callback_url = forms.URLField(
        label=_("Status callback URL"), required=False, max_length=200, assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("For a shop without a CommerceML exchange: where the CRM posts the state "
                    "of an order that changed in the CRM."),
    )  # fmt: skip
    time_zone = forms.ChoiceField(label=_("Shop time zone"), choices=_time_zone_choices)
    pipeline = forms.ModelChoiceField(Pipeline.objects.all(), label=_("Pipeline"), empty_label=None)
    probability = forms.IntegerField(
        label=_("Probability, %"), required=False, min_value=0, max_value=100
    )
    assignment = forms.ChoiceField(
        label=_("Responsible"), choices=Shop.Assignment.choices, widget=forms.RadioSelect
    )
    responsible = UserChoiceField(
        User.objects.filter(is_active=True), label=_("Manager"), required=False
    )
    managers = UsersChoiceField(
        User.objects.filter(is_active=True),
        label=_("Managers to choose from"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A new deal goes to one of them who is at work today, at random."),
    )

    class Meta:
        model = Shop
        fields = CONNECTION_FIELDS + DEAL_FIELDS + STATUS_FIELDS
        widgets = {
            "import_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "import_to": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }  # fmt: skip

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")  # the labels stand above their fields
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.password:
            self.fields["password"].help_text = _("Saved. Leave empty to keep it.")
        if not self.instance.pk and not self.is_bound:
            self.initial["pipeline"] = Pipeline.objects.filter(is_default=True).first()

    def clean_password(self) -> str:
        return self.cleaned_data["password"] or self.instance.password

    def _post_clean(self):
        # Only the values go onto the shop here. The model's own checks (a unique name, a
        # fixed assignment with its manager) run once, in the service, and the view puts its
        # errors next to the fields.
        try:
            self.instance = construct_instance(self, self.instance, self._meta.fields)
        except ValidationError as error:
            self._update_errors(error)

    @property
    def connection_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in CONNECTION_FIELDS]

    @property
    def deal_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in DEAL_FIELDS]

    @property
    def deal_fields_after_pipeline(self) -> list[forms.BoundField]:
        """Step 2 below the pipeline and its rules."""
        return [self[name] for name in DEAL_FIELDS if name != "pipeline"]

    @property
    def status_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in STATUS_FIELDS]


class StageSelect(forms.Select):
    """Stages with their pipeline on each option, so the page offers those of the chosen one."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-pipeline"] = instance.pipeline_id
        return option


class StageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, stage: Stage) -> str:
        return stage.name


class StatusStageForm(forms.Form):
    """A row of step 3: an order status of the shop and the stage its deals move to."""

    status_code = forms.CharField(
        label=_("Order status code"), max_length=50,
        widget=forms.TextInput(attrs={"aria-label": _("Order status code"), "placeholder": "P"}),
    )  # fmt: skip
    stage = StageChoiceField(
        Stage.objects.select_related("pipeline").order_by("pipeline__sort", "pipeline", "sort"),
        label=_("Stage"),
        widget=StageSelect(attrs={"aria-label": _("Stage")}),
    )


class BaseStatusStageFormSet(forms.BaseFormSet):
    @cached_property
    def stage_choices(self) -> list:
        return list(StatusStageForm.base_fields["stage"].choices)

    def add_fields(self, form, index):
        super().add_fields(form, index)
        # one query for the stages of every row, not one per row
        form.fields["stage"].choices = self.stage_choices


StatusStageFormSet = forms.formset_factory(
    StatusStageForm, formset=BaseStatusStageFormSet, extra=1, can_delete=True
)


class AmountRangeForm(forms.Form):
    """The order amount range both kinds of the shop's rules have (empty: any)."""

    amount_min = forms.DecimalField(
        label=_("Amount from"), required=False, min_value=0, max_digits=18, decimal_places=2,
        widget=forms.NumberInput(attrs={"aria-label": _("Amount from"), "step": "0.01"}),
    )  # fmt: skip
    amount_max = forms.DecimalField(
        label=_("Amount to"), required=False, min_value=0, max_digits=18, decimal_places=2,
        widget=forms.NumberInput(attrs={"aria-label": _("Amount to"), "step": "0.01"}),
    )  # fmt: skip


class ShopRouteForm(AmountRangeForm):
    """A pipeline rule in step 2: the conditions an order meets (empty: any) and the pipeline
    its deal goes to. The rows' order on the page is the rules' order."""

    site = forms.CharField(
        label=_("Site"), required=False, max_length=100,
        widget=forms.TextInput(attrs={"aria-label": _("Site"), "placeholder": "s1"}),
    )  # fmt: skip
    region = forms.CharField(
        label=_("Region"), required=False, max_length=100,
        widget=forms.TextInput(attrs={"aria-label": _("Region")}),
    )  # fmt: skip
    customer_group = forms.CharField(
        label=_("Customer group"), required=False, max_length=100,
        widget=forms.TextInput(attrs={"aria-label": _("Customer group")}),
    )  # fmt: skip
    pipeline = forms.ModelChoiceField(
        Pipeline.objects.all(), label=_("Pipeline"),
        widget=forms.Select(attrs={"aria-label": _("Rule pipeline")}),
    )  # fmt: skip


class BaseShopRouteFormSet(forms.BaseFormSet):
    @cached_property
    def pipeline_choices(self) -> list:
        # through iter(): list() of the choices themselves would count them first (a query)
        return list(iter(ShopRouteForm.base_fields["pipeline"].choices))

    def add_fields(self, form, index):
        super().add_fields(form, index)
        # one query for the pipelines of every row, not one per row
        form.fields["pipeline"].choices = self.pipeline_choices


ShopRouteFormSet = forms.formset_factory(
    ShopRouteForm, formset=BaseShopRouteFormSet, extra=0, can_delete=True
)


class SectionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, section: Section) -> str:
        return "· " * (section.depth - 1) + section.name  # the tree shown by indentation


class AssignmentRuleForm(AmountRangeForm):
    """An assignment rule in step 2: the conditions an order meets (empty: any) and the
    manager its deal goes to. The rows' order on the page is the rules' order."""

    section = SectionChoiceField(
        Section.objects.order_by("path"), label=_("Product section"), required=False,
        empty_label=_("Any"), widget=forms.Select(attrs={"aria-label": _("Product section")}),
    )  # fmt: skip
    client_type = forms.ChoiceField(
        label=_("Client"), required=False, choices=ShopAssignmentRule.ClientType.choices,
        widget=forms.Select(attrs={"aria-label": _("Client")}),
    )  # fmt: skip
    responsible = UserChoiceField(
        User.objects.filter(is_active=True), label=_("Manager"),
        widget=forms.Select(attrs={"aria-label": _("Rule manager")}),
    )  # fmt: skip


class BaseAssignmentRuleFormSet(forms.BaseFormSet):
    @cached_property
    def choices(self) -> dict[str, list]:
        return {name: list(iter(AssignmentRuleForm.base_fields[name].choices))
                for name in ("section", "responsible")}  # fmt: skip

    def add_fields(self, form, index):
        super().add_fields(form, index)
        # one query for the sections and the managers of every row, not one per row
        for name, choices in self.choices.items():
            form.fields[name].choices = choices


AssignmentRuleFormSet = forms.formset_factory(
    AssignmentRuleForm, formset=BaseAssignmentRuleFormSet, extra=0, can_delete=True
)
