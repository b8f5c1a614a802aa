"""The activity pages: the block on every item's card (add a call, meeting, task, e-mail or
comment; complete what is planned), the user's own plan, and the notifications.

The block's endpoints take the item as (entity_type, entity_id) and read it through the one
policy: an item out of sight answers 404, one seen but not editable 403. They answer with the
block re-rendered for an htmx swap.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts.models import PermissionAction
from accounts.policy import get_item, require_activity_assign
from core.errors import ApplicationError, error_text

from .forms import ADD_FORMS, ActivityCompleteForm
from .models import Activity, Notification
from .selectors import (
    activity_my_plan,
    entity_activity_get,
    notification_get,
    notification_page,
    notification_target_url,
)
from .services import (
    activity_comment_add,
    activity_complete,
    activity_create,
    activity_email_send,
    notification_mark_read,
    notifications_mark_all_read,
)
from .templatetags.activity_tags import activity_block_context

BLOCK = "activities/entity_activities.html#block"


def _entity(request, entity_type: str, entity_id: int, action: str = PermissionAction.VIEW):
    """The item if the user may `action` it: 404 when unknown or out of sight, 403 when seen
    but not open to `action` (PermissionDenied, for the caller to answer)."""
    try:
        return get_item(request.user, entity_type, entity_id, action)
    except (LookupError, ObjectDoesNotExist):  # an unknown type, or the item's DoesNotExist
        raise Http404 from None


def _refused(error: Exception, status: int) -> JsonResponse:
    return JsonResponse({"error": error_text(error)}, status=status)


def _block(request, entity, **extra):
    context = {"block": activity_block_context(user=request.user, entity=entity, **extra)}
    return render(request, BLOCK, context)


@require_GET
@login_required
def entity_activities_view(request, entity_type: str, entity_id: int):
    """The activity block of a visible item (what the card includes), for a refresh."""
    entity = _entity(request, entity_type, entity_id)
    return _block(request, entity)


def _add(kind: str, form, *, entity, actor) -> Activity:
    """Add the activity the form describes; PermissionDenied when the user may not give it to
    the responsible chosen."""
    data = form.cleaned_data
    if kind == Activity.Kind.EMAIL:
        return activity_email_send(recipients=data["recipients"], subject=data["subject"],
                                   body=data["body"], actor=actor, bound_to=[entity])  # fmt: skip
    if kind == Activity.Kind.COMMENT:
        return activity_comment_add(text=data["text"], actor=actor, bound_to=[entity])
    require_activity_assign(actor, data.get("responsible") or actor, action=PermissionAction.ADD)
    return activity_create(kind=kind, actor=actor, bound_to=[entity], **form.service_arguments())


@require_POST
@login_required
def activity_create_view(request, entity_type: str, entity_id: int, kind: str):
    """Add a call, meeting, task, e-mail (sent) or comment to an item the user may edit. A
    refused form comes back in its dialog, open, with the reasons."""
    if kind not in ADD_FORMS:
        raise Http404
    try:
        entity = _entity(request, entity_type, entity_id, PermissionAction.EDIT)
    except PermissionDenied as error:
        return _refused(error, 403)
    form = ADD_FORMS[kind](request.POST, auto_id=f"id_{entity_type}{entity_id}_{kind}_%s")
    if form.is_valid():
        try:
            _add(kind, form, entity=entity, actor=request.user)
        except (ValidationError, ApplicationError, PermissionDenied) as error:
            form.add_error(None, error_text(error))
        else:
            return _block(request, entity, can_edit=True)
    return _block(request, entity, can_edit=True, bound_form=form, bound_kind=kind)


@require_POST
@login_required
def activity_complete_view(request, entity_type: str, entity_id: int, activity_id: int):
    """Mark a planned activity of an item done, with a result text.

    Allowed to whoever may edit the item (the same right as adding activities to it); the
    activity must be bound to that item (else 404). A repeated call plans its next occurrence
    unless "reached" is ticked. An activity already done answers 409 with the reason.
    """
    try:
        entity = _entity(request, entity_type, entity_id, PermissionAction.EDIT)
    except PermissionDenied as error:
        return _refused(error, 403)
    try:
        activity = entity_activity_get(
            entity_type=entity_type, entity_id=entity_id, activity_id=activity_id
        )
    except Activity.DoesNotExist:
        raise Http404 from None
    form = ActivityCompleteForm(request.POST)
    form.is_valid()  # both fields are optional: nothing to refuse
    try:
        activity_complete(activity=activity, actor=request.user,
                          result=form.cleaned_data.get("result", ""),
                          stop_repeating=form.cleaned_data.get("stop_repeating", False))  # fmt: skip
    except ApplicationError as error:
        return _refused(error, 409)
    return _block(request, entity, can_edit=True)


@require_GET
@login_required
def activity_list_view(request):
    """The user's own planned activities: overdue, today, upcoming; each links to its item."""
    context = {"section": "activities", "plan": activity_my_plan(actor=request.user)}
    return render(request, "activities/activity_list.html", context)


@require_GET
@login_required
def notification_list_view(request):
    """The user's notifications, unread first, newest first, a page at a time."""
    try:
        number = int(request.GET.get("page", 1))
    except ValueError:
        number = 1
    context = {"section": "notifications",
               "page": notification_page(actor=request.user, number=number)}  # fmt: skip
    return render(request, "activities/notification_list.html", context)


@require_POST
@login_required
def notification_open_view(request, pk: int):
    """Mark the user's own notification read and go where it leads (the list when nowhere).
    Anybody else's notification answers 404."""
    try:
        notification = notification_get(actor=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404 from None
    notification_mark_read(notification=notification, actor=request.user)
    target = notification_target_url(notification)
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return redirect("activities:notifications")


@require_POST
@login_required
def notifications_read_all_view(request):
    """Mark every unread notification of the user read."""
    notifications_mark_all_read(actor=request.user)
    return redirect("activities:notifications")
