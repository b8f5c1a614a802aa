from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.http import posted_id

from .forms import RoleForm, ShareForm
from .models import ApiToken, PermissionAction, Role, SavedFilter, User
from .policy import can, can_manage_settings, get_item
from .selectors import share_list
from .services import (
    api_token_create,
    api_token_revoke,
    object_share,
    object_unshare,
    role_save,
    saved_filter_delete,
    saved_filter_save,
)


def _require_settings_right(request) -> None:
    if not can_manage_settings(request.user):
        raise PermissionDenied(_("Only administrators manage roles."))


@login_required
def role_list(request):
    _require_settings_right(request)
    roles = Role.objects.order_by("name")
    return render(request, "accounts/role_list.html", {"roles": roles, "section": "settings"})


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
    context = {"form": form, "role": role, "actions": PermissionAction.choices,
               "section": "settings"}  # fmt: skip
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


def _shared_item(request, entity_type: str, pk: int, action: str):
    """The item, if the user may `action` it (404 unknown or out of sight, 403 seen but
    locked)."""
    try:
        return get_item(request.user, entity_type, pk, action)
    except (LookupError, ObjectDoesNotExist):
        raise Http404 from None


@login_required
def share_view(request, entity_type: str, pk: int):
    """The share block of a card: who else sees the item; share it with a colleague (view, or
    view and edit) or take a share back: for those who may edit the item. Answers with the
    re-rendered block."""
    changing = request.method == "POST"
    obj = _shared_item(request, entity_type, pk, "edit" if changing else "view")
    form = ShareForm(request.POST or None, sharer=request.user)
    if request.method == "POST":
        if "revoke" in request.POST:
            colleague = get_object_or_404(User, pk=posted_id(request, "revoke"))
            object_unshare(obj=obj, colleague=colleague, actor=request.user)
        elif form.is_valid():
            object_share(obj=obj, colleague=form.cleaned_data["colleague"], actor=request.user,
                         can_edit=form.cleaned_data["can_edit"])  # fmt: skip
            form = ShareForm(sharer=request.user)
    context = {"entity": obj, "entity_type": entity_type, "shares": share_list(obj=obj),
               "share_form": form, "can_share": changing or can(request.user, "edit", obj)}  # fmt: skip
    return render(request, "accounts/share_block.html", context)


@login_required
def api_token_list_view(request):
    """The user's own API tokens: make one (shown once, here), revoke one."""
    new_token = None
    if request.method == "POST" and "revoke" in request.POST:
        token = get_object_or_404(ApiToken, pk=posted_id(request, "revoke"), user=request.user)
        api_token_revoke(token=token)
        messages.success(request, _("The token %(name)s is revoked.") % {"name": token.name})
        return redirect("accounts:tokens")
    if request.method == "POST":
        try:
            _row, new_token = api_token_create(user=request.user, name=request.POST.get("name", ""))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    tokens = ApiToken.objects.filter(user=request.user)
    return render(request, "accounts/token_list.html", {"tokens": tokens, "new_token": new_token})
