"""Who can be made responsible for a CRM item: the active members of staff."""

from django.contrib.auth import get_user_model


class ActiveResponsibleMixin:
    """For an item's model form: its `responsible` field (where the form has one) offers only
    active users."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "responsible" in self.fields:
            self.fields["responsible"].queryset = get_user_model().objects.filter(is_active=True)
