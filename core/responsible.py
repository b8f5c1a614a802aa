"""Who can be made responsible for a CRM item: the active members of staff."""

from django import forms
from django.contrib.auth import get_user_model


def active_users():
    """The active members of staff, by name: whom a picker offers."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .order_by("last_name", "first_name", "username")
    )


class UserChoiceField(forms.ModelChoiceField):
    """A picker of one user, each named by full name (else login)."""

    def label_from_instance(self, user) -> str:
        return user.get_full_name() or user.username


class UsersChoiceField(forms.ModelMultipleChoiceField):
    """A picker of several users, each named by full name (else login)."""

    def label_from_instance(self, user) -> str:
        return user.get_full_name() or user.username


class ActiveResponsibleMixin:
    """For an item's model form: its `responsible` field (where the form has one) offers only
    active users."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "responsible" in self.fields:
            self.fields["responsible"].queryset = get_user_model().objects.filter(is_active=True)
