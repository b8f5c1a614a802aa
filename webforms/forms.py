"""The web form settings page's forms (the form, its fields as a formset) and the public form
built from a web form's fields. Input checks only: the rules are the service's."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.responsible import UserChoiceField, UsersChoiceField, active_users

from .models import WebForm, WebFormField

# The honeypot: hidden from people by the page's style, filled by the bots that fill everything.
HONEYPOT_FIELD = "website"
CONSENT_FIELD = "consent"


class WebFormSettingsForm(forms.ModelForm):
    responsible = UserChoiceField(label=_("Manager"), queryset=active_users(), required=False)
    managers = UsersChoiceField(
        label=_("Managers"), queryset=active_users(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For turns and random choice; inactive and absent managers are skipped."),
    )  # fmt: skip

    class Meta:
        model = WebForm
        fields = ["name", "is_active", "transfer_mode", "assignment", "responsible", "managers",
                  "consent_text", "success_message"]  # fmt: skip
        widgets = {
            "transfer_mode": forms.RadioSelect,
            "assignment": forms.RadioSelect,
            "consent_text": forms.Textarea(attrs={"rows": 2}),
            "success_message": forms.Textarea(attrs={"rows": 2}),
        }


class WebFormFieldForm(forms.ModelForm):
    class Meta:
        model = WebFormField
        fields = ["label", "kind", "target", "is_required", "choices", "sort"]
        widgets = {"choices": forms.Textarea(attrs={"rows": 2})}

    def validate_unique(self) -> None:
        """The fields are replaced together: their uniqueness is the service's check."""


WebFormFieldFormSet = forms.formset_factory(WebFormFieldForm, extra=2, can_delete=True)


class PublicForm(forms.Form):
    """The fields of a web form, named by their ids, then the consent box and the honeypot."""

    def __init__(self, *args, web_form: WebForm, **kwargs):
        super().__init__(*args, **kwargs)
        self.web_form = web_form
        for field in web_form.fields.all():
            self.fields[f"field_{field.pk}"] = _form_field(field)
        if web_form.consent_text:
            self.fields[CONSENT_FIELD] = forms.BooleanField(
                label=web_form.consent_text, required=True
            )
        self.fields[HONEYPOT_FIELD] = forms.CharField(
            required=False, label=_("Leave this field empty"),
            widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
        )  # fmt: skip

    @property
    def visible_fields_only(self) -> list:
        return [field for field in self if field.name != HONEYPOT_FIELD]

    @property
    def is_spam(self) -> bool:
        return bool(self.cleaned_data.get(HONEYPOT_FIELD))

    def answers(self) -> list[dict]:
        """[{"label", "target", "value"}] in the form's order, a checkbox as yes / no."""
        rows = []
        for field in self.web_form.fields.all():
            value = self.cleaned_data.get(f"field_{field.pk}")
            if field.kind == WebFormField.Kind.CHECKBOX:
                value = str(_("yes") if value else _("no"))
            rows.append({"label": field.label, "target": field.target,
                         "value": str(value or "").strip()})  # fmt: skip
        return rows


def _form_field(field: WebFormField) -> forms.Field:
    common = {"label": field.label, "required": field.is_required}
    kind = WebFormField.Kind
    if field.kind == kind.EMAIL:
        return forms.EmailField(max_length=254, **common)
    if field.kind == kind.PHONE:
        return forms.CharField(max_length=50, widget=forms.TextInput(attrs={"type": "tel"}),
                               **common)  # fmt: skip
    if field.kind == kind.TEXTAREA:
        return forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 4}), **common)
    if field.kind == kind.SELECT:
        choices = [("", "—")] + [(choice, choice) for choice in field.choice_list]
        return forms.ChoiceField(choices=choices, **common)
    if field.kind == kind.CHECKBOX:
        return forms.BooleanField(**common)
    return forms.CharField(max_length=255, **common)
