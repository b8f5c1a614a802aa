from django import forms
from django.utils.translation import gettext_lazy as _

from core.models import EntityType

from .fields import FIELDS
from .models import DuplicatePolicy, Import

SKIP = ""


class ImportCreateForm(forms.Form):
    entity = forms.ChoiceField(label=_("Import as"))
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8 or Windows-1251; separated by commas, semicolons or tabs; the first "
                    "row names the columns."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv"}),
    )  # fmt: skip
    duplicate_policy = forms.ChoiceField(
        label=_("When a row matches an existing item by phone, e-mail or INN"),
        choices=DuplicatePolicy,
        initial=DuplicatePolicy.SKIP,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, entities: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entity"].choices = [
            (value, label) for value, label in EntityType.choices if value in entities
        ]


class ImportMappingForm(forms.Form):
    """A field (or "skip") for every column of the import's file, and the duplicate policy."""

    duplicate_policy = forms.ChoiceField(
        label=_("When a row matches an existing item by phone, e-mail or INN"),
        choices=DuplicatePolicy,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, csv_import: Import, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(SKIP, _("— skip —"))] + [
            (field.key, field.label) for field in FIELDS[csv_import.entity]
        ]
        self.initial.setdefault("duplicate_policy", csv_import.duplicate_policy)
        for index, heading in enumerate(csv_import.header):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=heading or _("Column %(number)d") % {"number": index + 1},
                choices=choices,
                required=False,
                initial=csv_import.mapping[index] if index < len(csv_import.mapping) else SKIP,
            )
        self.column_count = len(csv_import.header)

    def mapping(self) -> list[str]:
        return [self.cleaned_data[f"column_{index}"] for index in range(self.column_count)]

    def columns(self) -> list[forms.BoundField]:
        return [self[f"column_{index}"] for index in range(self.column_count)]
