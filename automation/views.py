"""The automation editor: a pipeline's stages (or the lead statuses) as columns with their
robots and triggers. Robots and triggers are added, changed and deleted in a dialog (htmx
forms answered with the dialog's next content and the column again, out of band); robots
are reordered by dragging. Administrators only; every write goes through automation.robots
or automation.triggers."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from accounts.policy import can_manage_settings
from deals.models import Pipeline, Stage

from .forms import (
    RobotForm,
    TriggerForm,
    action_settings_data,
    action_settings_form,
    condition_choices,
    condition_from_rows,
    condition_groups,
    errors_show,
)
from .items import entity_type_of
from .models import Robot, Trigger
from .robots import robot_create, robot_delete, robot_update, robots_reorder
from .selectors import automation_column, automation_columns, automation_place_get
from .triggers import (
    trigger_create,
    trigger_delete,
    trigger_token_rotate,
    trigger_update,
    trigger_webhook_url,
)

DIALOG_CLOSE_EVENT = "automationDialogClose"


def _require_administrator(request) -> None:
    if not can_manage_settings(request.user):
        raise PermissionDenied(_("Only administrators set up automation."))


def _place(place_kind: str, place_id: int):
    try:
        return automation_place_get(place_kind=place_kind, place_id=place_id)
    except LookupError:
        raise Http404 from None


def _place_kind(place) -> str:
    return "stage" if isinstance(place, Stage) else "lead-status"


def _editor_url(place) -> str:
    if isinstance(place, Stage):
        return reverse("automation:pipeline", args=[place.pipeline_id])
    return reverse("automation:lead-statuses")


@require_GET
@login_required
def automation_index_view(request):
    """The default pipeline's editor (the lead statuses' one without pipelines)."""
    _require_administrator(request)
    pipeline = Pipeline.objects.order_by("-is_default", "sort", "id").first()
    if pipeline is None:
        return redirect("automation:lead-statuses")
    return redirect("automation:pipeline", pipeline_id=pipeline.pk)


@require_GET
@login_required
def pipeline_editor_view(request, pipeline_id: int):
    _require_administrator(request)
    return _editor(request, pipeline=get_object_or_404(Pipeline, pk=pipeline_id))


@require_GET
@login_required
def lead_statuses_editor_view(request):
    _require_administrator(request)
    return _editor(request, pipeline=None)


def _editor(request, *, pipeline: Pipeline | None):
    """The columns with their robots and triggers: the same queries for any number of them."""
    context = {
        "section": "settings",
        "pipelines": Pipeline.objects.order_by("sort", "id"),
        "pipeline": pipeline,
        "columns": automation_columns(pipeline=pipeline),
    }
    return render(request, "automation/automation_editor.html", context)


def _saved(request, place, *, trigger: Trigger | None = None, token: str = ""):
    """After a change: the place's column again (swapped in out of band) and the dialog
    closed; kept open when it shows a webhook trigger's new token."""
    if not request.htmx and not token:
        return redirect(_editor_url(place))
    context = {"column": automation_column(place=place), "trigger": trigger}
    if token:
        context["webhook_url"] = request.build_absolute_uri(trigger_webhook_url(trigger, token))
    response = render(request, "automation/dialog_saved.html", context)
    if not token:
        trigger_client_event(response, DIALOG_CLOSE_EVENT)
    return response


# robots


@login_required
def robot_create_view(request, place_kind: str, place_id: int):
    _require_administrator(request)
    return _robot_dialog(request, place=_place(place_kind, place_id), robot=None)


@login_required
def robot_update_view(request, pk: int):
    _require_administrator(request)
    robot = get_object_or_404(Robot.objects.select_related("stage", "lead_status"), pk=pk)
    return _robot_dialog(request, place=robot.place, robot=robot)


def _robot_dialog(request, *, place, robot: Robot | None):
    """The robot form (GET), or its submission: saved through robot_create / robot_update,
    or shown again with the services' messages next to the fields."""
    entity_type, condition_errors = entity_type_of(place), []
    if request.method == "POST":
        form = RobotForm(request.POST, entity_type=entity_type)
        settings_form = action_settings_form(request.POST.get("action", ""), place=place,
                                             entity_type=entity_type, data=request.POST)  # fmt: skip
        condition = condition_from_rows(request.POST)
        if form.is_valid():
            values = form.values(
                settings=action_settings_data(settings_form, request.POST), condition=condition
            )
            try:
                if robot is None:
                    robot_create(place=place, values=values)
                else:
                    robot_update(robot=robot, values=values)
            except ValidationError as error:
                left = errors_show(error, form, settings_form)
                condition_errors = left.pop("condition", [])
                for texts in left.values():
                    form.add_error(None, texts)
            else:
                return _saved(request, place)
        elif settings_form is not None:
            settings_form.is_valid()  # its messages show beside the robot's own
    else:
        initial = RobotForm.initial_of(robot) if robot else None
        form = RobotForm(initial=initial, entity_type=entity_type)
        action_key = robot.action if robot else next(iter(form.fields["action"].choices))[0]
        settings_form = action_settings_form(action_key, place=place, entity_type=entity_type,
                                             initial=robot.settings if robot else None)  # fmt: skip
        condition = robot.condition if robot else {}
    context = {
        "form": form,
        "settings_form": settings_form,
        "robot": robot,
        "place": place,
        "place_kind": _place_kind(place),
        "condition_groups": condition_groups(condition),
        "condition_errors": condition_errors,
        "condition_choices": condition_choices(entity_type),
    }
    return render(request, "automation/robot_form.html", context)


@require_GET
@login_required
def robot_settings_fields_view(request, place_kind: str, place_id: int):
    """The settings fields of the action chosen in the robot form (`?action=`)."""
    _require_administrator(request)
    place = _place(place_kind, place_id)
    settings_form = action_settings_form(request.GET.get("action", ""), place=place,
                                         entity_type=entity_type_of(place))  # fmt: skip
    return render(request, "automation/robot_form.html#settings-fields",
                  {"settings_form": settings_form})  # fmt: skip


@require_POST
@login_required
def robot_delete_view(request, pk: int):
    _require_administrator(request)
    robot = get_object_or_404(Robot.objects.select_related("stage", "lead_status"), pk=pk)
    place = robot.place
    robot_delete(robot=robot)
    return _saved(request, place)


@require_POST
@login_required
def robots_reorder_view(request, place_kind: str, place_id: int):
    """Put the place's robots in the posted order (`robot`, repeated); answers with it."""
    _require_administrator(request)
    place = _place(place_kind, place_id)
    robot_ids = [int(pk) for pk in request.POST.getlist("robot") if pk.isascii() and pk.isdigit()]
    robots_reorder(place=place, robot_ids=robot_ids)
    return JsonResponse({"robots": [robot.pk for robot in automation_column(place=place).robots]})


# triggers


@login_required
def trigger_create_view(request, place_kind: str, place_id: int):
    _require_administrator(request)
    return _trigger_dialog(request, place=_place(place_kind, place_id), trigger=None)


@login_required
def trigger_update_view(request, pk: int):
    _require_administrator(request)
    trigger = get_object_or_404(Trigger.objects.select_related("stage", "lead_status"), pk=pk)
    return _trigger_dialog(request, place=trigger.place, trigger=trigger)


def _trigger_dialog(request, *, place, trigger: Trigger | None):
    """The trigger form (GET), or its submission through trigger_create / trigger_update; a
    new webhook trigger answers with its URL and token, shown this once."""
    initial = TriggerForm.initial_of(trigger) if trigger else None
    form = TriggerForm(request.POST or None, initial=initial, entity_type=entity_type_of(place))
    if request.method == "POST" and form.is_valid():
        try:
            if trigger is None:
                trigger, token = trigger_create(place=place, values=form.values())
            else:
                trigger, token = trigger_update(trigger=trigger, values=form.values()), ""
                if trigger.kind == Trigger.Kind.WEBHOOK and not trigger.token_hash:
                    token = trigger_token_rotate(trigger=trigger)  # it just became a webhook
        except ValidationError as error:
            for texts in errors_show(error, form).values():
                form.add_error(None, texts)
        else:
            return _saved(request, place, trigger=trigger, token=token)
    context = {"form": form, "trigger": trigger, "place": place, "place_kind": _place_kind(place)}
    return render(request, "automation/trigger_form.html", context)


@require_POST
@login_required
def trigger_delete_view(request, pk: int):
    _require_administrator(request)
    trigger = get_object_or_404(Trigger.objects.select_related("stage", "lead_status"), pk=pk)
    place = trigger.place
    trigger_delete(trigger=trigger)
    return _saved(request, place)


@require_POST
@login_required
def trigger_rotate_token_view(request, pk: int):
    """A new secret for a webhook trigger: its new URL is shown once; the old one stops."""
    _require_administrator(request)
    trigger = get_object_or_404(Trigger.objects.select_related("stage", "lead_status"), pk=pk)
    if trigger.kind != Trigger.Kind.WEBHOOK:
        raise Http404
    token = trigger_token_rotate(trigger=trigger)
    return _saved(request, trigger.place, trigger=trigger, token=token)
