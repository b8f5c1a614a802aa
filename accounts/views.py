from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from .forms import RoleForm
from .models import PermissionAction, Role
from .policy import can_manage_settings
from .services import role_save


def _require_settings_right(request) -> None:
    if not can_manage_settings(request.user):
        raise PermissionDenied(_("Only administrators manage roles."))


@login_required
def role_list(request):
    _require_settings_right(request)
    roles = Role.objects.order_by("name")
    return render(request, "accounts/role_list.html", {"roles": roles})


@login_required
def role_edit(request, pk: int | None = None):
    """The role editor: create (no pk) or change a role's whole matrix of rights."""
    _require_settings_right(request)
    role = get_object_or_404(Role, pk=pk) if pk else None
    form = RoleForm(request.POST or None, role=role)
    if request.method == "POST" and form.is_valid():
        role = role_save(
            role=role,
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
            scopes=form.scopes(),
            stage_rules=form.stage_rules(),
        )
        messages.success(request, _("The role %(name)s is saved.") % {"name": role.name})
        return redirect("accounts:role-update", pk=role.pk)
    context = {"form": form, "role": role, "actions": PermissionAction.choices}
    return render(request, "accounts/role_form.html", context)
