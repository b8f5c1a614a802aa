from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .forms import RoleForm
from .models import PermissionAction, Role, SavedFilter
from .policy import can_manage_settings
from .services import role_save, saved_filter_delete, saved_filter_save


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


@require_POST
@login_required
def saved_filter_save_view(request):
    """Save the list's current filters under a name; back to the list with them applied."""
    list_key, query = request.POST.get("list_key", ""), request.POST.get("query", "")
    back = url_has_allowed_host_and_scheme(request.POST.get("next", ""), allowed_hosts=None)
    next_url = request.POST["next"] if back else "/"
    try:
        saved_filter_save(
            user=request.user, list_key=list_key, name=request.POST.get("name", ""), query=query
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(f"{next_url}?{query}" if query else next_url)


@require_POST
@login_required
def saved_filter_delete_view(request, pk: int):
    saved_filter = get_object_or_404(SavedFilter, pk=pk, user=request.user)
    saved_filter_delete(saved_filter=saved_filter)
    back = url_has_allowed_host_and_scheme(request.POST.get("next", ""), allowed_hosts=None)
    return redirect(request.POST["next"] if back else "/")
