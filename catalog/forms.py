"""The forms of the catalog pages: a section and a product. They parse and validate input;
the services write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.mass_actions import MassActionForm

from .models import Currency, Product, Section
from .services import PRODUCT_FIELDS


class SectionChoiceField(forms.ModelChoiceField):
    """Sections indented by their depth in the tree."""

    def label_from_instance(self, section: Section) -> str:
        return f"{'— ' * (section.depth - 1)}{section.name}"


class SectionForm(forms.Form):
    """A new section, or a section renamed, moved under another parent, (de)activated."""

    name = forms.CharField(label=_("Name"), max_length=255)
    parent = SectionChoiceField(
        queryset=Section.objects.none(),
        required=False,
        empty_label=_("(top level)"),
        label=_("Parent section"),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, sections=None, section: Section | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = sections if sections is not None else Section.objects.get_tree()
        if section is not None:  # never under itself or below itself
            choices = choices.exclude(path__startswith=section.path)
        self.fields["parent"].queryset = choices


class ProductForm(forms.ModelForm):
    """A product's own fields; origin and external id belong to the shop sync."""

    section = SectionChoiceField(
        queryset=Section.objects.none(), required=False, label=_("Section")
    )

    class Meta:
        model = Product
        fields = PRODUCT_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = Section.objects.get_tree()
        self.fields["currency"].queryset = Currency.objects.all()


class ProductMassActionForm(MassActionForm):
    """Switch the chosen products on or off in the catalog, or delete them."""

    ACTIONS = [("activate", _("Make active")), ("deactivate", _("Make inactive")),
               ("delete", _("Delete"))]  # fmt: skip

    action = forms.ChoiceField(choices=ACTIONS)
    responsible = None
