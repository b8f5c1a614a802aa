from django import forms
from django.utils.translation import gettext_lazy as _

from core.responsible import ActiveResponsibleMixin

from .models import Communication, Company, Contact
from .requisites import validate_inn
from .services import CommunicationInput


class ContactForm(ActiveResponsibleMixin, forms.ModelForm):
    """A contact's own fields, as the card edits them one at a time and the create page all
    at once."""

    class Meta:
        model = Contact
        fields = [
            "honorific", "last_name", "first_name", "middle_name", "position", "birthdate",
            "contact_type", "source", "responsible", "address", "comments",
        ]  # fmt: skip
        widgets = {
            "birthdate": forms.DateInput(attrs={"type": "date"}),
            "address": forms.Textarea(attrs={"rows": 2}),
            "comments": forms.Textarea(attrs={"rows": 3}),
        }


class CompanyForm(ActiveResponsibleMixin, forms.ModelForm):
    """A company's own fields (requisites and contacts have their own blocks)."""

    class Meta:
        model = Company
        fields = [
            "title", "company_type", "industry", "revenue", "currency", "employees", "source",
            "responsible", "address", "comments",
        ]  # fmt: skip
        widgets = {
            "address": forms.Textarea(attrs={"rows": 2}),
            "comments": forms.Textarea(attrs={"rows": 3}),
        }


class CommunicationsForm(forms.Form):
    """Phones and e-mails, one per line: what communications_replace receives."""

    phones = forms.CharField(
        label=_("Phones"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    emails = forms.CharField(
        label=_("E-mails"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    @classmethod
    def initial_of(cls, owner) -> dict:
        values = {"phones": [], "emails": []}
        for communication in owner.communications.all():
            if communication.kind == Communication.Kind.PHONE:
                values["phones"].append(communication.value)
            elif communication.kind == Communication.Kind.EMAIL:
                values["emails"].append(communication.value)
        return {key: "\n".join(lines) for key, lines in values.items()}

    def communications(self, owner=None) -> list[CommunicationInput]:
        """The phones and e-mails typed, plus the owner's other kinds (websites, messengers),
        which this form does not show and must not drop."""
        items = [
            CommunicationInput(kind=Communication.Kind.PHONE, value=line.strip())
            for line in self.cleaned_data.get("phones", "").splitlines()
            if line.strip()
        ]
        items += [
            CommunicationInput(kind=Communication.Kind.EMAIL, value=line.strip())
            for line in self.cleaned_data.get("emails", "").splitlines()
            if line.strip()
        ]
        if owner is not None:
            kept = (Communication.Kind.PHONE, Communication.Kind.EMAIL)
            items += [
                CommunicationInput(kind=item.kind, value=item.value, label=item.label)
                for item in owner.communications.exclude(kind__in=kept)
            ]
        return items


class ContactCreateForm(ContactForm, CommunicationsForm):
    class Meta(ContactForm.Meta):
        pass


class CompanyCreateForm(CompanyForm, CommunicationsForm):
    # the INN starts the company's requisites; a company already known by it is a duplicate
    inn = forms.CharField(label=_("INN"), required=False, max_length=12,
                          validators=[validate_inn])  # fmt: skip

    class Meta(CompanyForm.Meta):
        pass


class ClientAttachForm(forms.Form):
    """What the deal card's client block attaches or detaches: a contact or a company."""

    KINDS = [("contact", _("Contact")), ("company", _("Company"))]

    kind = forms.ChoiceField(choices=KINDS)
    id = forms.IntegerField(min_value=1, required=False)


class ClientCreateForm(forms.Form):
    """The client block's small form: a new contact (first and last name) or company (name),
    with a phone and an e-mail."""

    kind = forms.ChoiceField(choices=ClientAttachForm.KINDS)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    title = forms.CharField(label=_("Company name"), max_length=255, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=255, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("kind") == "company" and not data.get("title", "").strip():
            self.add_error("title", _("Give the company a name."))
        if data.get("kind") == "contact" and not (
            data.get("first_name", "").strip() or data.get("last_name", "").strip()
        ):
            self.add_error("last_name", _("Give the contact a first or last name."))
        return data

    def communications(self) -> list[CommunicationInput]:
        items = []
        if self.cleaned_data.get("phone"):
            items.append(
                CommunicationInput(kind=Communication.Kind.PHONE, value=self.cleaned_data["phone"])
            )
        if self.cleaned_data.get("email"):
            items.append(
                CommunicationInput(kind=Communication.Kind.EMAIL, value=self.cleaned_data["email"])
            )
        return items


class DuplicateMergeForm(forms.Form):
    """Which of the duplicates survives and, for each field they differ in, whose value it
    keeps: each answer is the id of one of `records` (a field left unanswered keeps the
    survivor's value, or the first one filled if it has none)."""

    def __init__(self, data=None, *, records: list, fields: list[str]):
        super().__init__(data)
        choices = [(record.pk, str(record)) for record in records]
        self.fields["survivor"] = forms.TypedChoiceField(choices=choices, coerce=int)
        for name in fields:
            self.fields[f"value_{name}"] = forms.TypedChoiceField(
                choices=choices, coerce=int, required=False, empty_value=None
            )
