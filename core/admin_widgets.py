from django import forms


class ColorInput(forms.TextInput):
    """The browser's colour picker for "#RRGGBB" fields."""

    input_type = "color"
