from django import forms
from django.utils.translation import gettext_lazy as _

from contacts.forms import CommunicationsForm
from core.mass_actions import MassActionForm
from core.responsible import ActiveResponsibleMixin
from deals.models import Pipeline

from .models import Lead, LeadStatus
from .selectors import lead_client


class LeadForm(ActiveResponsibleMixin, forms.ModelForm):
    """The lead's own fields, as the card edits them one at a time and the create page all at
    once. The status changes by the status bar, never by this form."""

    class Meta:
        model = Lead
        fields = [
            "title", "amount", "honorific", "last_name", "first_name", "middle_name",
            "company_title", "position", "address", "responsible", "source",
            "source_description", "campaign", "is_open_to_all", "comments",
        ]  # fmt: skip
        widgets = {
            "address": forms.Textarea(attrs={"rows": 2}),
            "comments": forms.Textarea(attrs={"rows": 3}),
            "source_description": forms.Textarea(attrs={"rows": 2}),
        }


class LeadCreateForm(LeadForm, CommunicationsForm):
    class Meta(LeadForm.Meta):
        fields = ["title", "currency", *LeadForm.Meta.fields[1:]]


class LeadMassActionForm(MassActionForm):
    """The lead list's mass actions: also change the status of the chosen leads."""

    action = forms.ChoiceField(choices=[("status", _("Change status")), *MassActionForm.ACTIONS])
    status = forms.ModelChoiceField(LeadStatus.objects.all(), required=False)

    def clean(self):
        data = super().clean()
        if data.get("action") == "status" and not data.get("status"):
            self.add_error("status", _("Choose the status."))
        return data


class LeadStatusForm(forms.Form):
    """A status change: the status bar, the kanban's drop, and "junk" with its reason."""

    status = forms.ModelChoiceField(LeadStatus.objects.all())
    comment = forms.CharField(required=False, max_length=2000, widget=forms.Textarea)

    def clean(self):
        data = super().clean()
        status = data.get("status")
        is_junk = status is not None and status.semantics == LeadStatus.Semantics.JUNK
        # the junk dialog sends a comment field: a lead goes to junk with its reason
        if is_junk and "comment" in self.data and not data.get("comment", "").strip():
            self.add_error("comment", _("Say why the lead is junk."))
        return data


# What lead_convert may ask for (its ValidationError keys) → the dialog's field asking for it.
MISSING_FIELDS = {
    "contact.last_name": "contact_last_name",
    "contact.first_name": "contact_first_name",
    "company.title": "company_title",
    "deal.title": "deal_title",
    "title": "deal_title",
}


class LeadConvertForm(forms.Form):
    """What to make of a lead: a contact, a company (new, or the one the lead already names),
    and a deal in a pipeline. The fields under "missing" show only once conversion asked."""

    NONE, NEW, EXISTING = "", "new", "existing"

    contact = forms.ChoiceField(label=_("Contact"), required=False, widget=forms.RadioSelect)
    company = forms.ChoiceField(label=_("Company"), required=False, widget=forms.RadioSelect)
    deal = forms.BooleanField(label=_("Create a deal"), required=False)
    pipeline = forms.ModelChoiceField(
        Pipeline.objects.all(), label=_("Pipeline"), required=False, empty_label=None
    )
    # asked for when the lead lacks them
    contact_first_name = forms.CharField(label=_("Contact's first name"), required=False)
    contact_last_name = forms.CharField(label=_("Contact's last name"), required=False)
    company_title = forms.CharField(label=_("Company name"), required=False)
    deal_title = forms.CharField(label=_("Deal title"), required=False)

    def __init__(self, *args, lead: Lead, actor=None, **kwargs):
        """`actor`: the user the form is shown to. The lead's contact and company are named
        only when `actor` may see them (without an actor, never)."""
        super().__init__(*args, **kwargs)
        self.lead = lead
        self.asked: set[str] = set()
        visible_contact, visible_company = (
            lead_client(actor=actor, lead=lead) if actor is not None else (None, None)
        )
        self.fields["contact"].choices = self._target_choices(
            lead.contact, _("new contact"), named=visible_contact is not None,
            unnamed=_("link to the lead's contact"),
        )  # fmt: skip
        self.fields["company"].choices = self._target_choices(
            lead.company, _("new company"), named=visible_company is not None,
            unnamed=_("link to the lead's company"),
        )  # fmt: skip
        self.fields["contact"].initial = self.EXISTING if lead.contact else self.NEW
        # a lead that names a company it has no card of yet suggests making one
        self.fields["company"].initial = (
            self.EXISTING if lead.company else self.NEW if lead.company_title else self.NONE
        )
        self.fields["deal"].initial = True
        default_pipeline = Pipeline.objects.filter(is_default=True).first()
        if default_pipeline is not None:
            self.fields["pipeline"].initial = default_pipeline.pk

    def _target_choices(self, existing, new_label, *, named: bool, unnamed) -> list:
        choices = [(self.NONE, _("do not create")), (self.NEW, new_label)]
        if existing is not None:
            label = _("link to %(name)s") % {"name": existing} if named else unnamed
            choices.append((self.EXISTING, label))
        return choices

    @property
    def missing_fields(self) -> list:
        """The fields to ask for: those conversion named, and those already filled in."""
        names = [name for name in MISSING_FIELDS.values() if name in self.fields]
        return [
            self[name]
            for name in dict.fromkeys(names)
            if name in self.asked or (self.is_bound and self.data.get(name))
        ]

    def clean(self):
        data = super().clean()
        if data.get("deal") and not data.get("pipeline"):
            self.add_error("pipeline", _("Choose the pipeline."))
        return data

    def ask(self, error_dict: dict[str, list[str]]) -> None:
        """Show what conversion found missing next to the field that supplies it."""
        for key, messages in error_dict.items():
            name = MISSING_FIELDS.get(key)
            if name is None:
                self.add_error(None, messages)
            else:
                self.asked.add(name)
                self.add_error(name, messages)

    def conversion_kwargs(self) -> dict:
        """Conversion(...) arguments from the cleaned data."""
        data = self.cleaned_data

        def target(choice, existing):
            if choice == self.NEW:
                return True
            return existing if choice == self.EXISTING else None

        def given(**names):
            return {field: data[name].strip() for field, name in names.items() if data.get(name)}

        return {
            "contact": target(data.get("contact"), self.lead.contact),
            "company": target(data.get("company"), self.lead.company),
            "deal": bool(data.get("deal")),
            "pipeline": data.get("pipeline") if data.get("deal") else None,
            "contact_fields": given(first_name="contact_first_name", last_name="contact_last_name"),
            "company_fields": given(title="company_title"),
            "deal_fields": given(title="deal_title"),
        }
