"""The deal pages: kanban, list, card, create, edit in place, delete, mass actions, export.

Every view reads deals through deals.selectors (the access policy) and writes through
deals.services; a refused move or edit answers with the reason.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBadRequest, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import PermissionAction, PermissionEntity, SavedFilter
from accounts.policy import card_rights, require_assign, stages_visible
from activities.selectors import timeline_list
from catalog.rows_editor import product_rows_response
from catalog.services import currency_base
from core.board import column_totals_json, cursor_parse, quick_add_refused
from core.csv_export import csv_response
from core.errors import ApplicationError, error_text
from core.inline_edit import inline_field_response
from core.listing import Column, list_page_context, query_without
from core.mass_actions import mass_action_response

from .field_owners import deal_owned_fields
from .filters import DealBoardFilter, DealFilter
from .forms import DealCreateForm, DealForm, DealMassActionForm, DealQuickAddForm
from .models import Deal, Pipeline, Stage
from .selectors import (
    deal_board,
    deal_board_cards,
    deal_cards_decorate,
    deal_column_totals,
    deal_export_rows,
    deal_get,
    deal_list,
    deal_within,
)
from .services import (
    deal_create,
    deal_delete,
    deal_move_to_pipeline,
    deal_move_to_stage,
    deal_set_product_rows,
    deal_update,
    pipeline_default,
)

EXPORT_BATCH = 2000
LIST_KEY = "deals"
COLUMNS = [
    Column("title", _("Deal"), "title"),
    Column("stage", _("Stage"), "stage__sort"),
    Column("amount", _("Amount"), "amount"),
    Column("client", _("Client"), "company__title"),
    Column("responsible", _("Responsible"), "responsible__last_name"),
    Column("closes_on", _("Expected close"), "closes_on"),
    Column("created", _("Created"), "created_at"),
]


def _deal(request, pk: int, action: str = PermissionAction.VIEW) -> Deal:
    try:
        return deal_get(actor=request.user, deal_id=pk, action=action)
    except Deal.DoesNotExist:
        raise Http404 from None


def _board_pipeline(request) -> Pipeline:
    pipeline_id = request.GET.get("pipeline")
    if pipeline_id and pipeline_id.isdigit():
        return get_object_or_404(Pipeline, pk=pipeline_id)
    try:
        return pipeline_default()
    except ApplicationError:
        raise Http404(_("No pipeline is configured yet.")) from None


def _board_filter(request, query: QueryDict | None = None) -> DealBoardFilter:
    return DealBoardFilter(
        request.GET if query is None else query, queryset=deal_list(actor=request.user),
        request=request,
    )  # fmt: skip


@require_GET
@login_required
def deal_board_view(request):
    """The kanban of one pipeline: a column per stage with its count and sum, cards newest
    first; more cards load as a column scrolls."""
    pipeline = _board_pipeline(request)
    board_filter = _board_filter(request)
    columns = deal_board(actor=request.user, pipeline=pipeline, deals=board_filter.qs)
    context = {
        "section": "deals",
        "pipeline": pipeline,
        "pipelines": Pipeline.objects.all(),
        "columns": columns,
        "filter": board_filter,
        "base_currency": currency_base(),
        "query": query_without(request.GET, "pipeline"),
        "keep": [("pipeline", pipeline.pk)],
        "presets": SavedFilter.objects.filter(user=request.user, list_key=LIST_KEY),
        "list_key": LIST_KEY,
    }
    return render(request, "deals/deal_board.html", context)


@require_GET
@login_required
def deal_board_column_view(request, stage_id: int):
    """The next cards of a column, after the card named by `?after=<created_at>_<id>`."""
    stage = get_object_or_404(Stage, pk=stage_id)
    after = cursor_parse(request.GET.get("after", ""))
    if after is None:
        return HttpResponseBadRequest("after=<created_at>_<id> is required")
    deals = _board_filter(request).qs.filter(pipeline_id=stage.pipeline_id)
    cards, has_more = deal_board_cards(deals, stage=stage, after=after)
    deal_cards_decorate(cards)
    context = {"cards": cards, "has_more": has_more, "group": stage, "column_route": "deals:board-column",
               "query": query_without(request.GET, "after")}  # fmt: skip
    return render(request, "includes/board_cards.html", context)


@require_POST
@login_required
def deal_move_view(request, pk: int):
    """Move a deal to `stage`: the kanban's drop (JSON: the columns' new totals, or the reason
    for a refusal with 403 / 409) and the card's stage bar (back to the card with a message)."""
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    try:
        deal = _deal(request, pk, PermissionAction.EDIT)
        stage_id = request.POST.get("stage", "")
        stage = get_object_or_404(Stage, pk=int(stage_id) if stage_id.isdigit() else 0)
        deal = deal_move_to_stage(deal=deal, stage=stage, actor=request.user)
    except (PermissionDenied, ApplicationError) as error:
        if not wants_json:
            messages.error(request, error_text(error))
            return redirect("deals:detail", pk=pk)
        status = 403 if isinstance(error, PermissionDenied) else 409
        return JsonResponse({"error": error_text(error)}, status=status)
    if not wants_json:
        return redirect(deal)
    board_query = QueryDict(request.POST.get("board_query", ""))
    deals = _board_filter(request, board_query).qs.filter(pipeline_id=deal.pipeline_id)
    columns = column_totals_json(deal_column_totals(deals), currency_base())
    return JsonResponse({"deal": deal.pk, "stage": deal.stage_id, "columns": columns})


@require_POST
@login_required
def deal_move_to_pipeline_view(request, pk: int):
    """The card's "Move to another pipeline": the deal goes to the chosen stage of another
    pipeline (one the user may see), back to the card with a message."""
    try:
        deal = _deal(request, pk, PermissionAction.EDIT)
        stage_id = request.POST.get("stage", "")
        stages = stages_visible(request.user, Stage.objects.select_related("pipeline"))
        stage = get_object_or_404(stages, pk=int(stage_id) if stage_id.isdigit() else 0)
        deal = deal_move_to_pipeline(deal=deal, stage=stage, actor=request.user)
    except (PermissionDenied, ApplicationError) as error:
        messages.error(request, error_text(error))
        return redirect("deals:detail", pk=pk)
    messages.success(
        request, _("The deal is now in %(pipeline)s.") % {"pipeline": deal.pipeline.name}
    )
    return redirect(deal)


@login_required
def deal_create_view(request):
    """A new deal: the full form, or the kanban's quick add (title and amount in a column),
    which answers with the new card."""
    if request.method == "POST" and request.htmx:
        return _deal_quick_add(request)
    initial = {"responsible": request.user, "currency": currency_base()}
    if request.GET.get("stage"):
        initial["stage"] = request.GET["stage"]
    form = DealCreateForm.for_actor(request.user)(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        stage = data.pop("stage")
        try:
            require_assign(request.user, PermissionEntity.DEAL, data["responsible"], action=PermissionAction.ADD,
                               pipeline_id=stage.pipeline_id)  # fmt: skip
            deal = deal_create(actor=request.user, pipeline=stage.pipeline, stage=stage, **data)
        except (ValidationError, ApplicationError, PermissionDenied) as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("The deal %(title)s is created.") % {"title": deal.title})
            return redirect(deal)
    return render(request, "deals/deal_form.html", {"form": form, "section": "deals"})


def _deal_quick_add(request):
    form = DealQuickAddForm(request.POST)
    errors_id = f"quick-add-errors-{request.POST.get('stage', '')}"  # under the column's box
    if not form.is_valid():
        return quick_add_refused(request, form, errors_id=errors_id)
    stage = form.cleaned_data["stage"]
    try:
        require_assign(request.user, PermissionEntity.DEAL, request.user, action=PermissionAction.ADD,
                           pipeline_id=stage.pipeline_id)  # fmt: skip
        deal = deal_create(
            actor=request.user,
            title=form.cleaned_data["title"],
            pipeline=stage.pipeline,
            stage=stage,
            amount=form.cleaned_data["amount"] or 0,
        )
    except (ValidationError, ApplicationError, PermissionDenied) as error:
        form.add_error(None, error_text(error))
        return quick_add_refused(request, form, errors_id=errors_id)
    deal = deal_get(actor=request.user, deal_id=deal.pk)
    deal_cards_decorate([deal])
    return render(request, "includes/board_card.html", {"card": deal})


@require_GET
@login_required
def deal_list_view(request):
    deal_filter = DealFilter(request.GET, queryset=deal_list(actor=request.user), request=request)
    context = {
        "section": "deals",
        **list_page_context(
            request.GET, item_filter=deal_filter, columns=COLUMNS, default_sort="-created"
        ),
        "presets": SavedFilter.objects.filter(user=request.user, list_key=LIST_KEY),
        "list_key": LIST_KEY,
        "mass_form": DealMassActionForm(),
        "stages": Stage.objects.select_related("pipeline").order_by("pipeline__sort", "sort"),
    }
    return render(request, "deals/deal_list.html", context)


@require_GET
@login_required
def deal_count_view(request):
    """The number of deals under the list's filters, counted only when asked for."""
    deal_filter = DealFilter(request.GET, queryset=deal_list(actor=request.user), request=request)
    return JsonResponse({"count": deal_filter.qs.count()})


@require_POST
@login_required
def deal_mass_action_view(request):
    """Change the stage, the responsible, or delete the chosen deals: each deal the user may
    not change (or delete) is skipped and counted, each refused move is reported."""
    return mass_action_response(
        request,
        form=DealMassActionForm(request.POST),
        list_url=reverse("deals:list"),
        within=lambda ids, action: deal_within(actor=request.user, deal_ids=ids, action=action),
        apply=lambda deal, data: _apply_mass_action(request.user, deal, data),
        done_message=_("Done for %(count)d deal(s)."),
        skipped_message=_("%(count)d deal(s) skipped: your role does not allow it."),
    )


def _apply_mass_action(actor, deal: Deal, data: dict) -> None:
    if data["action"] == "delete":
        deal_delete(deal=deal, actor=actor)
    elif data["action"] == "stage":
        deal_move_to_stage(deal=deal, stage=data["stage"], actor=actor)
    else:
        require_assign(actor, PermissionEntity.DEAL, data["responsible"], action=PermissionAction.EDIT,
                           pipeline_id=deal.pipeline_id)  # fmt: skip
        deal_update(deal=deal, actor=actor, data={"responsible": data["responsible"]})


@require_GET
@login_required
def deal_detail_view(request, pk: int):
    """The deal card: fields edited in place, the stage bar, client, products, activities and
    the timeline."""
    deal = _deal(request, pk)
    context = {
        "section": "deals",
        "deal": deal,
        "fields": DealForm.for_actor(request.user)(instance=deal),
        "stages": stages_visible(request.user, deal.pipeline.stages.order_by("sort")),
        # where "Move to another pipeline" may take it
        "other_stages": stages_visible(
            request.user,
            Stage.objects.exclude(pipeline=deal.pipeline)
            .select_related("pipeline")
            .order_by("pipeline__sort", "pipeline__name", "sort"),
        ),
        **card_rights(request.user, deal),
        "owned_fields": deal_owned_fields(deal),
        "timeline": timeline_list(entity=deal),
    }
    return render(request, "deals/deal_detail.html", context)


@login_required
def deal_update_view(request, pk: int):
    """One field of the card in place (`?field=`), saved through deal_update."""
    deal = _deal(request, pk, PermissionAction.EDIT if request.method == "POST" else "view")
    field = request.GET.get("field", "")

    def save(data: dict) -> Deal:
        if "responsible" in data:
            require_assign(request.user, PermissionEntity.DEAL, data["responsible"], action=PermissionAction.EDIT,
                               pipeline_id=deal.pipeline_id)  # fmt: skip
        return deal_update(deal=deal, actor=request.user, data=data)

    return inline_field_response(
        request, obj=deal, form_class=DealForm.for_actor(request.user), field=field,
        url=reverse("deals:update", args=[deal.pk]), save=save,
    )  # fmt: skip


@login_required
def deal_delete_view(request, pk: int):
    """Confirm (GET), then delete (POST) through deal_delete."""
    deal = _deal(request, pk, PermissionAction.DELETE)
    if request.method == "POST":
        deal_delete(deal=deal, actor=request.user)
        messages.success(request, _("The deal %(title)s is deleted.") % {"title": deal.title})
        return redirect("deals:list")
    return render(request, "deals/deal_confirm_delete.html", {"deal": deal, "section": "deals"})


@require_GET
@login_required
def deal_export(request):
    """The deals the user may export under the list's filters, as CSV (the export scope of
    their roles decides)."""
    deals = DealFilter(request.GET, queryset=Deal.objects.all(), request=request).qs
    header = [_("ID"), _("Title"), _("Pipeline"), _("Stage"), _("Amount"), _("Currency"),
              _("Responsible"), _("Company"), _("Created")]  # fmt: skip
    rows = (
        [
            deal.pk,
            deal.title,
            deal.pipeline.name,
            deal.stage.name,
            deal.amount,
            deal.currency_id,
            str(deal.responsible or ""),
            str(deal.company or ""),
            deal.created_at.isoformat(),
        ]  # fmt: skip
        for deal in deal_export_rows(actor=request.user, deals=deals).iterator(
            chunk_size=EXPORT_BATCH
        )
    )
    return csv_response(filename="deals.csv", header=header, rows=rows)


@login_required
def deal_product_rows_view(request, pk: int):
    """The card's products panel (GET) and its save (POST: all rows, through
    deal_set_product_rows); needs the right to edit the deal."""
    deal = _deal(request, pk, PermissionAction.EDIT)
    return product_rows_response(
        request,
        owner=deal,
        save=lambda rows: deal_set_product_rows(deal=deal, rows=rows, actor=request.user),
    )
