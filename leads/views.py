"""The lead pages: kanban by status, list, card, create, edit in place, status changes, junk,
conversion, delete, mass actions, export.

Every view reads leads through leads.selectors (the access policy) and writes through
leads.services; a refused change answers with the reason.
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
from accounts.policy import card_rights, require_assign
from activities.selectors import timeline_list
from catalog.rows_editor import product_rows_response
from catalog.services import currency_base
from contacts.duplicates import duplicates_shown, identity_of_communications
from contacts.selectors import contact_list
from core.board import QuickAddForm, column_totals_json, cursor_parse, quick_add_refused
from core.csv_export import csv_response
from core.errors import ApplicationError, error_text
from core.inline_edit import inline_field_response
from core.listing import Column, list_page_context, query_without
from core.mass_actions import mass_action_response

from .conversion_rights import check_convert_rights
from .filters import LeadBoardFilter, LeadFilter
from .forms import (
    LeadConvertForm,
    LeadCreateForm,
    LeadForm,
    LeadMassActionForm,
    LeadStatusForm,
)
from .models import Lead, LeadStatus
from .selectors import (
    lead_board,
    lead_board_cards,
    lead_cards_decorate,
    lead_column_totals,
    lead_deals,
    lead_export_rows,
    lead_get,
    lead_list,
    lead_within,
)
from .services import (
    Conversion,
    lead_convert,
    lead_create,
    lead_delete,
    lead_set_product_rows,
    lead_set_status,
    lead_update,
)

EXPORT_BATCH = 2000
LIST_KEY = "leads"
COLUMNS = [
    Column("title", _("Lead"), "title"),
    Column("status", _("Status"), "status__sort"),
    Column("amount", _("Amount"), "amount"),
    Column("client", _("Client"), "last_name"),
    Column("source", _("Source"), "source__name"),
    Column("responsible", _("Responsible"), "responsible__last_name"),
    Column("created", _("Created"), "created_at"),
]


def _lead(request, pk: int, action: str = PermissionAction.VIEW) -> Lead:
    try:
        return lead_get(actor=request.user, lead_id=pk, action=action)
    except Lead.DoesNotExist:
        raise Http404 from None


def _wants_json(request) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


def _board_filter(request, query: QueryDict | None = None) -> LeadBoardFilter:
    return LeadBoardFilter(
        request.GET if query is None else query, queryset=lead_list(actor=request.user),
        request=request,
    )  # fmt: skip


@require_GET
@login_required
def lead_board_view(request):
    """The kanban: a column per status with its count and sum, cards newest first; more cards
    load as a column scrolls."""
    board_filter = _board_filter(request)
    context = {
        "section": "leads",
        "columns": lead_board(leads=board_filter.qs),
        "filter": board_filter,
        "base_currency": currency_base(),
        "query": request.GET.urlencode(),
        "presets": SavedFilter.objects.filter(user=request.user, list_key=LIST_KEY),
        "list_key": LIST_KEY,
    }
    return render(request, "leads/lead_board.html", context)


@require_GET
@login_required
def lead_board_column_view(request, status_id: int):
    """The next cards of a column, after the card named by `?after=<created_at>_<id>`."""
    status = get_object_or_404(LeadStatus, pk=status_id)
    after = cursor_parse(request.GET.get("after", ""))
    if after is None:
        return HttpResponseBadRequest("after=<created_at>_<id> is required")
    cards, has_more = lead_board_cards(_board_filter(request).qs, status=status, after=after)
    lead_cards_decorate(cards)
    context = {"cards": cards, "has_more": has_more, "group": status, "column_route": "leads:board-column",
               "query": query_without(request.GET, "after")}  # fmt: skip
    return render(request, "includes/board_cards.html", context)


@require_POST
@login_required
def lead_set_status_view(request, pk: int):
    """Give a lead another status (with a comment, e.g. why it is junk): the kanban's drop
    (JSON: the columns' new totals, or the reason for a refusal with 403 / 409) and the card's
    status bar and junk dialog (back to the card with a message)."""
    wants_json = _wants_json(request)
    form = LeadStatusForm(request.POST)
    try:
        lead = _lead(request, pk, PermissionAction.EDIT)
        if not form.is_valid():
            raise ValidationError([" ".join(errors) for errors in form.errors.values()])
        lead = lead_set_status(lead=lead, status=form.cleaned_data["status"], actor=request.user,
                               comment=form.cleaned_data["comment"].strip())  # fmt: skip
    except (PermissionDenied, ApplicationError, ValidationError) as error:
        if not wants_json:
            messages.error(request, error_text(error))
            return redirect("leads:detail", pk=pk)
        status = 403 if isinstance(error, PermissionDenied) else 409
        return JsonResponse({"error": error_text(error)}, status=status)
    if not wants_json:
        messages.success(request, _("The lead is now “%(status)s”.") % {"status": lead.status})
        return redirect(lead)
    board_query = QueryDict(request.POST.get("board_query", ""))
    totals = lead_column_totals(_board_filter(request, board_query).qs)
    columns = column_totals_json(totals, currency_base())
    return JsonResponse({"lead": lead.pk, "status": lead.status_id, "columns": columns})


@login_required
def lead_create_view(request):
    """A new lead: the full form, or the kanban's quick add (title and amount in the first
    column), which answers with the new card."""
    if request.method == "POST" and request.htmx:
        return _lead_quick_add(request)
    initial = {"responsible": request.user, "currency": currency_base()}
    form = LeadCreateForm(request.POST or None, initial=initial)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        duplicates = _unconfirmed_duplicates(request, form)
    if request.method == "POST" and form.is_valid() and not duplicates:
        data = {name: value for name, value in form.cleaned_data.items()
                if name in LeadCreateForm.Meta.fields}  # fmt: skip
        try:
            require_assign(
                request.user,
                PermissionEntity.LEAD,
                data["responsible"],
                action=PermissionAction.ADD,
            )
            lead = lead_create(actor=request.user, communications=form.communications(), **data)
        except (ValidationError, ApplicationError, PermissionDenied) as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("The lead %(title)s is created.") % {"title": lead.title})
            return redirect(lead)
    context = {"form": form, "section": "leads", "duplicates": duplicates}
    return render(request, "leads/lead_form.html", context)


def _unconfirmed_duplicates(request, form) -> list:
    """The leads and contacts the user may see that share a phone or e-mail with the new lead,
    unless the user has seen them and chose to create it anyway."""
    if request.POST.get("confirm_duplicates"):
        return []
    identity = identity_of_communications(form.communications())
    return [
        *duplicates_shown(entity=PermissionEntity.LEAD, identity=identity,
                          candidates=lead_list(actor=request.user)),
        *duplicates_shown(entity=PermissionEntity.CONTACT, identity=identity,
                          candidates=contact_list(actor=request.user)),
    ]  # fmt: skip


def _lead_quick_add(request):
    form = QuickAddForm(request.POST)  # the box at the top of the first column
    if not form.is_valid():
        return quick_add_refused(request, form, errors_id="quick-add-errors")
    try:
        require_assign(
            request.user, PermissionEntity.LEAD, request.user, action=PermissionAction.ADD
        )
        lead = lead_create(
            actor=request.user,
            title=form.cleaned_data["title"],
            amount=form.cleaned_data["amount"] or 0,
        )
    except (ValidationError, ApplicationError, PermissionDenied) as error:
        form.add_error(None, error_text(error))
        return quick_add_refused(request, form, errors_id="quick-add-errors")
    lead = lead_get(actor=request.user, lead_id=lead.pk)
    lead_cards_decorate([lead])
    return render(request, "includes/board_card.html", {"card": lead})


def _lead_filter(request, queryset=None) -> LeadFilter:
    queryset = lead_list(actor=request.user) if queryset is None else queryset
    return LeadFilter(request.GET, queryset=queryset, request=request)


@require_GET
@login_required
def lead_list_view(request):
    lead_filter = _lead_filter(request)
    context = {
        "section": "leads",
        **list_page_context(
            request.GET, item_filter=lead_filter, columns=COLUMNS, default_sort="-created"
        ),
        "presets": SavedFilter.objects.filter(user=request.user, list_key=LIST_KEY),
        "list_key": LIST_KEY,
        "mass_form": LeadMassActionForm(),
    }
    return render(request, "leads/lead_list.html", context)


@require_GET
@login_required
def lead_count_view(request):
    """The number of leads under the list's filters, counted only when asked for."""
    return JsonResponse({"count": _lead_filter(request).qs.count()})


@require_POST
@login_required
def lead_mass_action_view(request):
    """Change the status, the responsible, or delete the chosen leads: each lead the user may
    not change (or delete) is skipped and counted, each refused change is reported."""
    return mass_action_response(
        request,
        form=LeadMassActionForm(request.POST),
        list_url=reverse("leads:list"),
        within=lambda ids, action: lead_within(actor=request.user, lead_ids=ids, action=action),
        apply=lambda lead, data: _apply_mass_action(request.user, lead, data),
        done_message=_("Done for %(count)d lead(s)."),
        skipped_message=_("%(count)d lead(s) skipped: your role does not allow it."),
    )


def _apply_mass_action(actor, lead: Lead, data: dict) -> None:
    if data["action"] == "delete":
        lead_delete(lead=lead, actor=actor)
    elif data["action"] == "status":
        lead_set_status(lead=lead, status=data["status"], actor=actor)
    else:
        require_assign(
            actor, PermissionEntity.LEAD, data["responsible"], action=PermissionAction.EDIT
        )
        lead_update(lead=lead, actor=actor, data={"responsible": data["responsible"]})


@require_GET
@login_required
def lead_detail_view(request, pk: int):
    """The lead card: fields edited in place, its client, the deals made from it, the status
    bar, junk and convert dialogs, products, activities and the timeline."""
    lead = _lead(request, pk)
    statuses = list(LeadStatus.objects.order_by("sort"))
    is_converted = lead.status.semantics == LeadStatus.Semantics.CONVERTED
    context = {
        "section": "leads",
        "lead": lead,
        "fields": LeadForm(instance=lead),
        "statuses": [status for status in statuses if not status.is_final],
        "junk_status": next((s for s in statuses if s.semantics == "junk"), None),
        "is_converted": is_converted,
        "deals": lead_deals(actor=request.user, lead=lead),
        "convert_form": None if is_converted else LeadConvertForm(lead=lead, actor=request.user),
        "timeline": timeline_list(entity=lead),
        **card_rights(request.user, lead),
    }
    if is_converted:  # a converted lead's fields and products are read-only for everybody
        context["readonly"] = True
    return render(request, "leads/lead_detail.html", context)


@login_required
def lead_update_view(request, pk: int):
    """One field of the card in place (`?field=`), saved through lead_update."""
    lead = _lead(request, pk, PermissionAction.EDIT if request.method == "POST" else "view")
    field = request.GET.get("field", "")

    def save(data: dict) -> Lead:
        if "responsible" in data:
            require_assign(
                request.user,
                PermissionEntity.LEAD,
                data["responsible"],
                action=PermissionAction.EDIT,
            )
        return lead_update(lead=lead, actor=request.user, data=data)

    return inline_field_response(
        request, obj=lead, form_class=LeadForm, field=field,
        url=reverse("leads:update", args=[lead.pk]), save=save,
    )  # fmt: skip


@login_required
def lead_convert_view(request, pk: int):
    """The convert dialog: choose what to make of the lead; when conversion finds fields
    missing (the contact's name, the company's), the dialog asks for them and is sent again.
    After converting it shows links to what was created. htmx gets the dialog's content, a
    plain request the whole page."""
    lead = _lead(request, pk, PermissionAction.EDIT)
    form = LeadConvertForm(request.POST or None, lead=lead)
    result = None
    if request.method == "POST" and form.is_valid():
        conversion = Conversion(**form.conversion_kwargs())
        try:
            check_convert_rights(request.user, lead, conversion)
            result = lead_convert(lead=lead, conversion=conversion, actor=request.user)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                form.ask(error.message_dict)
            else:
                form.add_error(None, error.messages)
        except (ApplicationError, PermissionDenied) as error:
            form.add_error(None, error_text(error))
    context = {"lead": lead, "form": form, "section": "leads"}
    if result is not None:
        messages.success(request, _("The lead %(title)s is converted.") % {"title": lead.title})
        if not request.htmx:
            return redirect(lead)  # the card links to what was created
        context["created"] = [
            (label, str(obj), obj.get_absolute_url())
            for label, obj in (
                (_("Contact"), result.contact),
                (_("Company"), result.company),
                (_("Deal"), result.deal),
            )  # fmt: skip
            if obj is not None
        ]
        template = "leads/lead_convert.html#done"
    else:
        template = (
            "leads/lead_convert.html#convert-form" if request.htmx else "leads/lead_convert.html"
        )
    # the errors come with 200: htmx swaps only successful answers into the dialog
    return render(request, template, context)


@login_required
def lead_delete_view(request, pk: int):
    """Confirm (GET), then delete (POST) through lead_delete."""
    lead = _lead(request, pk, PermissionAction.DELETE)
    if request.method == "POST":
        lead_delete(lead=lead, actor=request.user)
        messages.success(request, _("The lead %(title)s is deleted.") % {"title": lead.title})
        return redirect("leads:list")
    return render(request, "leads/lead_confirm_delete.html", {"lead": lead, "section": "leads"})


@require_GET
@login_required
def lead_export(request):
    """The leads the user may export under the list's filters, as CSV (the export scope of
    their roles decides)."""
    leads = _lead_filter(request, Lead.objects.all()).qs
    header = [_("ID"), _("Title"), _("Status"), _("Amount"), _("Currency"), _("Last name"),
              _("First name"), _("Company"), _("Source"), _("Campaign"), _("Responsible"),
              _("Created")]  # fmt: skip
    rows = (
        [
            lead.pk,
            lead.title,
            lead.status.name,
            lead.amount,
            lead.currency_id,
            lead.last_name,
            lead.first_name,
            lead.company_title,
            str(lead.source or ""),
            str(lead.campaign or ""),
            str(lead.responsible or ""),
            lead.created_at.isoformat(),
        ]  # fmt: skip
        for lead in lead_export_rows(actor=request.user, leads=leads).iterator(
            chunk_size=EXPORT_BATCH
        )
    )
    return csv_response(filename="leads.csv", header=header, rows=rows)


@login_required
def lead_product_rows_view(request, pk: int):
    """The card's products panel (GET) and its save (POST: all rows, through
    lead_set_product_rows); needs the right to edit the lead."""
    lead = _lead(request, pk, PermissionAction.EDIT)
    return product_rows_response(
        request,
        owner=lead,
        save=lambda rows: lead_set_product_rows(lead=lead, rows=rows, actor=request.user),
    )
