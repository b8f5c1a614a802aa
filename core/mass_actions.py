"""Mass actions of the item lists (deals, leads, contacts, companies): the form the list's
action bar sends, and running its action on the chosen items the access policy allows, with
the messages that report what was done, skipped and refused.

What an action does to one item stays in each app's view (it calls that app's services).
"""

from collections.abc import Callable, Iterable

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from .errors import ApplicationError, error_text

# The permission (accounts.models.PermissionAction values) an action needs on each item:
# deleting needs "delete", every other action "edit".
DELETE, EDIT = "delete", "edit"


class MassActionForm(forms.Form):
    """Assign the responsible of, or delete, the chosen items. A list with more actions
    declares its own `action` field and the fields those actions need."""

    ACTIONS = [("assign", _("Assign responsible")), ("delete", _("Delete"))]

    action = forms.ChoiceField(choices=ACTIONS)
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=[])
    responsible = forms.ModelChoiceField(
        get_user_model().objects.filter(is_active=True), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # ids are checked against the policy by the view, not against a list of choices
        self.fields["ids"].valid_value = lambda value: True

    def clean(self):
        data = super().clean()
        if data.get("action") == "assign" and not data.get("responsible"):
            self.add_error("responsible", _("Choose the responsible."))
        return data


def mass_action_response(
    request: HttpRequest,
    *,
    form: MassActionForm,
    list_url: str,
    within: Callable[[list[int], str], Iterable],
    apply: Callable[[object, dict], None],
    done_message: str,
    skipped_message: str,
) -> HttpResponseRedirect:
    """Run the form's action on the chosen items and go back to the list (with its filters).

    `within(ids, permission)` gives the chosen items the user may `permission` (through the
    app's selector); `apply(item, cleaned_data)` does the action to one item, raising
    ApplicationError, PermissionDenied or ValidationError to refuse it. The messages say how
    many items were done (`done_message`) and skipped for lack of rights (`skipped_message`,
    both with `%(count)d`), and each refusal with the item's name."""
    back = f"{list_url}?{request.POST.get('query', '')}"
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(back)
    action, ids = form.cleaned_data["action"], form.cleaned_data["ids"]
    allowed = list(within(ids, DELETE if action == "delete" else EDIT))
    done, refusals = 0, []
    for item in allowed:
        try:
            apply(item, form.cleaned_data)
            done += 1
        except (ApplicationError, PermissionDenied, ValidationError) as error:
            refusals.append(f"{item}: {error_text(error)}")
    if done:
        messages.success(request, done_message % {"count": done})
    skipped = len(set(ids)) - len(allowed)
    if skipped:
        messages.warning(request, skipped_message % {"count": skipped})
    for refusal in refusals:
        messages.error(request, refusal)
    return redirect(back)
