"""The contact and company pages (list, card, create, edit in place, delete, mass actions,
export, duplicates and their merge) and the client block of the deal and lead cards.

Every view reads through contacts.selectors (the access policy) and writes through
contacts.services, or, for what a deal or lead links to, through contacts.client_owners.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.models import PermissionAction, PermissionEntity, SavedFilter
from accounts.policy import card_rights, require_assign
from activities.selectors import timeline_list
from core.csv_export import csv_response
from core.errors import ApplicationError, error_text
from core.inline_edit import inline_field_response
from core.listing import Column, list_page_context
from core.mass_actions import MassActionForm, mass_action_response
from core.templatetags.crm import display_value
from deals.selectors import deal_list

from .client_owners import OWNERS, ClientOwner
from .duplicates import (
    Identity,
    duplicate_group_page,
    duplicates_shown,
    identity_of,
    identity_of_communications,
)
from .filters import CompanyFilter, ContactFilter
from .forms import (
    ClientAttachForm,
    ClientCreateForm,
    CommunicationsForm,
    CompanyCreateForm,
    CompanyForm,
    ContactCreateForm,
    ContactForm,
    DuplicateMergeForm,
)
from .models import Communication, Company, Contact
from .selectors import (
    company_contact_links,
    company_export_rows,
    company_get,
    company_list,
    company_list_rows,
    company_search,
    company_within,
    contact_company_links,
    contact_export_rows,
    contact_get,
    contact_list,
    contact_list_rows,
    contact_search,
    contact_within,
)
from .services import (
    COMPANY_FIELDS,
    CONTACT_FIELDS,
    communications_replace,
    company_create,
    company_delete,
    company_merge,
    company_update,
    contact_create,
    contact_delete,
    contact_merge,
    contact_update,
)

EXPORT_BATCH = 2000
CONTACT_COLUMNS = [
    Column("name", gettext_lazy("Name"), "last_name"),
    Column("type", gettext_lazy("Type"), "contact_type"),
    Column("companies", gettext_lazy("Companies")),
    Column("communications", gettext_lazy("Phone and e-mail")),
    Column("responsible", gettext_lazy("Responsible"), "responsible__last_name"),
    Column("created", gettext_lazy("Created"), "created_at"),
]
COMPANY_COLUMNS = [
    Column("title", gettext_lazy("Company"), "title"),
    Column("type", gettext_lazy("Type"), "company_type"),
    Column("industry", gettext_lazy("Industry"), "industry"),
    Column("communications", gettext_lazy("Phone and e-mail")),
    Column("responsible", gettext_lazy("Responsible"), "responsible__last_name"),
    Column("created", gettext_lazy("Created"), "created_at"),
]


@dataclass(frozen=True)
class Kind:
    """What the contact pages and the company pages differ in."""

    entity: str
    model: type
    section: str
    list_key: str
    columns: list
    filter_class: type
    form_class: type
    create_form_class: type
    list: object
    list_rows: object
    within: object
    get: object
    create: object
    update: object
    delete: object
    merge: object
    merge_fields: list[str]
    url_prefix: str


CONTACTS = Kind(
    entity=PermissionEntity.CONTACT, model=Contact, section="contacts", list_key="contacts",
    columns=CONTACT_COLUMNS, filter_class=ContactFilter, form_class=ContactForm,
    create_form_class=ContactCreateForm, list=contact_list, list_rows=contact_list_rows,
    within=lambda actor, ids, action: contact_within(actor=actor, contact_ids=ids, action=action),
    get=lambda actor, pk, action: contact_get(actor=actor, contact_id=pk, action=action),
    create=contact_create,
    update=lambda obj, actor, data: contact_update(contact=obj, actor=actor, data=data),
    delete=lambda obj, actor: contact_delete(contact=obj, actor=actor),
    merge=contact_merge, merge_fields=CONTACT_FIELDS,
    url_prefix="contacts:",
)  # fmt: skip
COMPANIES = Kind(
    entity=PermissionEntity.COMPANY, model=Company, section="companies", list_key="companies",
    columns=COMPANY_COLUMNS, filter_class=CompanyFilter, form_class=CompanyForm,
    create_form_class=CompanyCreateForm, list=company_list, list_rows=company_list_rows,
    within=lambda actor, ids, action: company_within(actor=actor, company_ids=ids, action=action),
    get=lambda actor, pk, action: company_get(actor=actor, company_id=pk, action=action),
    create=company_create,
    update=lambda obj, actor, data: company_update(company=obj, actor=actor, data=data),
    delete=lambda obj, actor: company_delete(company=obj, actor=actor),
    merge=company_merge, merge_fields=COMPANY_FIELDS,
    url_prefix="contacts:company-",
)  # fmt: skip


def _item(request, kind: Kind, pk: int, action: str = PermissionAction.VIEW):
    try:
        return kind.get(request.user, pk, action)
    except kind.model.DoesNotExist:
        raise Http404 from None


def _url(kind: Kind, name: str, *args) -> str:
    return reverse(f"{kind.url_prefix}{name}", args=args)


# Lists, counts, mass actions, exports


def _list(request, kind: Kind):
    item_filter = kind.filter_class(
        request.GET, queryset=kind.list_rows(actor=request.user), request=request
    )
    context = {
        "section": kind.section,
        **list_page_context(
            request.GET, item_filter=item_filter, columns=kind.columns, default_sort="-created"
        ),
        "presets": SavedFilter.objects.filter(user=request.user, list_key=kind.list_key),
        "list_key": kind.list_key,
        "mass_form": MassActionForm(),
    }
    return render(request, f"contacts/{kind.model._meta.model_name}_list.html", context)


def _count(request, kind: Kind):
    item_filter = kind.filter_class(
        request.GET, queryset=kind.list_rows(actor=request.user), request=request
    )
    return JsonResponse({"count": item_filter.qs.count()})


def _mass_action(request, kind: Kind):
    """Assign the responsible of, or delete, the chosen items: each item the user may not
    change (or delete) is skipped and counted, each refusal is reported."""

    def apply(item, data: dict) -> None:
        if data["action"] == "delete":
            kind.delete(item, request.user)
        else:
            responsible = data["responsible"]
            require_assign(request.user, kind.entity, responsible, action=PermissionAction.EDIT)
            kind.update(item, request.user, {"responsible": responsible})

    return mass_action_response(
        request,
        form=MassActionForm(request.POST),
        list_url=_url(kind, "list"),
        within=lambda ids, action: kind.within(request.user, ids, action),
        apply=apply,
        done_message=_("Done for %(count)d item(s)."),
        skipped_message=_("%(count)d item(s) skipped: your role does not allow it."),
    )


def _phones_and_emails(item) -> tuple[str, str]:
    communications = list(item.communications.all())
    phones = [c.value for c in communications if c.kind == Communication.Kind.PHONE]
    emails = [c.value for c in communications if c.kind == Communication.Kind.EMAIL]
    return ", ".join(phones), ", ".join(emails)


@require_GET
@login_required
def contact_list_view(request):
    return _list(request, CONTACTS)


@require_GET
@login_required
def contact_count_view(request):
    """The number of contacts under the list's filters, counted only when asked for."""
    return _count(request, CONTACTS)


@require_POST
@login_required
def contact_mass_action_view(request):
    return _mass_action(request, CONTACTS)


@require_GET
@login_required
def contact_export(request):
    """The contacts the user may export under the list's filters, as CSV."""
    contacts = ContactFilter(request.GET, queryset=Contact.objects.all(), request=request).qs
    header = [_("ID"), _("Last name"), _("First name"), _("Middle name"), _("Position"),
              _("Type"), _("Phones"), _("E-mails"), _("Companies"), _("Source"),
              _("Responsible"), _("Created")]  # fmt: skip

    def rows():
        for contact in contact_export_rows(actor=request.user, contacts=contacts).iterator(
            chunk_size=EXPORT_BATCH
        ):
            phones, emails = _phones_and_emails(contact)
            yield [
                contact.pk, contact.last_name, contact.first_name, contact.middle_name,
                contact.position, contact.get_contact_type_display(), phones, emails,
                ", ".join(company.title for company in contact.companies.all()),
                str(contact.source or ""), str(contact.responsible or ""),
                contact.created_at.isoformat(),
            ]  # fmt: skip

    return csv_response(filename="contacts.csv", header=header, rows=rows())


@require_GET
@login_required
def company_list_view(request):
    return _list(request, COMPANIES)


@require_GET
@login_required
def company_count_view(request):
    """The number of companies under the list's filters, counted only when asked for."""
    return _count(request, COMPANIES)


@require_POST
@login_required
def company_mass_action_view(request):
    return _mass_action(request, COMPANIES)


@require_GET
@login_required
def company_export(request):
    """The companies the user may export under the list's filters, as CSV."""
    companies = CompanyFilter(request.GET, queryset=Company.objects.all(), request=request).qs
    header = [_("ID"), _("Company"), _("Type"), _("Industry"), _("INN"), _("Phones"),
              _("E-mails"), _("Address"), _("Source"), _("Responsible"), _("Created")]  # fmt: skip

    def rows():
        for company in company_export_rows(actor=request.user, companies=companies).iterator(
            chunk_size=EXPORT_BATCH
        ):
            phones, emails = _phones_and_emails(company)
            requisites = list(company.requisites.all())
            yield [
                company.pk, company.title, company.get_company_type_display(),
                company.get_industry_display(), requisites[0].inn if requisites else "",
                phones, emails, company.address, str(company.source or ""),
                str(company.responsible or ""), company.created_at.isoformat(),
            ]  # fmt: skip

    return csv_response(filename="companies.csv", header=header, rows=rows())


# Cards, create, edit in place, delete


def _create(request, kind: Kind):
    """The create form; when the phones or e-mails typed are already on records the user may
    see, it lists them and creates only once the user confirms ("Create anyway")."""
    form = kind.create_form_class(request.POST or None, initial={"responsible": request.user})
    duplicates = []
    if request.method == "POST" and form.is_valid():
        duplicates = _unconfirmed_duplicates(request, kind, form)
    if request.method == "POST" and form.is_valid() and not duplicates:
        data = {
            name: value
            for name, value in form.cleaned_data.items()
            if name in kind.form_class.Meta.fields
        }
        try:
            require_assign(
                request.user, kind.entity, data["responsible"], action=PermissionAction.ADD
            )
            inn = {"inn": inn} if (inn := form.cleaned_data.get("inn")) else {}
            item = kind.create(actor=request.user, communications=form.communications(), **data,
                               **inn)  # fmt: skip
        except (ValidationError, ApplicationError, PermissionDenied) as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("%(item)s is created.") % {"item": item})
            return redirect(item)
    context = {"form": form, "section": kind.section, "kind": kind.section,
               "entity": kind.entity, "duplicates": duplicates}  # fmt: skip
    return render(request, f"contacts/{kind.model._meta.model_name}_form.html", context)


def _unconfirmed_duplicates(request, kind: Kind, form) -> list:
    """The records the user may see that share a phone, e-mail or INN with the one being created,
    unless the user has seen them and chose to create it anyway."""
    if request.POST.get("confirm_duplicates"):
        return []
    identity = identity_of_communications(
        form.communications(), inn=form.cleaned_data.get("inn", "")
    )
    return _visible_duplicates(request, kind, identity)


def _visible_duplicates(request, kind: Kind, identity: Identity) -> list:
    return duplicates_shown(entity=kind.entity, identity=identity,
                            candidates=kind.list(actor=request.user))  # fmt: skip


def _update(request, kind: Kind, pk: int):
    """One field of the card in place (`?field=`), saved through the update service."""
    action = PermissionAction.EDIT if request.method == "POST" else PermissionAction.VIEW
    item = _item(request, kind, pk, action)

    def save(data: dict):
        if "responsible" in data:
            require_assign(request.user, kind.entity, data["responsible"],
                               action=PermissionAction.EDIT)  # fmt: skip
        return kind.update(item, request.user, data)

    return inline_field_response(
        request, obj=item, form_class=kind.form_class, field=request.GET.get("field", ""),
        url=_url(kind, "update", item.pk), save=save,
    )  # fmt: skip


def _communications(request, kind: Kind, pk: int):
    """The card's phones and e-mails: shown, edited (`?edit=1`), saved (POST) in place."""
    action = PermissionAction.EDIT if request.method == "POST" else PermissionAction.VIEW
    item = _item(request, kind, pk, action)
    form = CommunicationsForm(request.POST or None, initial=CommunicationsForm.initial_of(item))
    editing = request.method == "GET" and "edit" in request.GET
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                communications_replace(owner=item, items=form.communications(owner=item))
        except ValidationError as error:
            form.add_error(None, " ".join(error.messages))
    if form.errors:
        editing = True
    context = {"obj": item, "form": form, "editing": editing,
               "url": _url(kind, "communications", item.pk)}  # fmt: skip
    return render(request, "contacts/communications.html", context)


def _delete(request, kind: Kind, pk: int):
    """Confirm (GET), then delete (POST) through the delete service."""
    item = _item(request, kind, pk, PermissionAction.DELETE)
    if request.method == "POST":
        kind.delete(item, request.user)
        messages.success(request, _("%(item)s is deleted.") % {"item": item})
        return redirect(_url(kind, "list"))
    context = {"item": item, "section": kind.section, "kind": kind.section}
    return render(request, "contacts/item_confirm_delete.html", context)


CARD_DEALS = 20


def _card_deals(actor, **where) -> list:
    """The newest deals of a contact or company that `actor` may see, one more than the card
    shows (so it knows to link to the rest)."""
    deals = deal_list(actor=actor).filter(**where).order_by("-created_at", "-id")
    return list(deals[: CARD_DEALS + 1])


@require_GET
@login_required
def contact_detail_view(request, pk: int):
    """The contact card: fields edited in place, phones and e-mails, companies, deals,
    activities and the timeline."""
    contact = _item(request, CONTACTS, pk)
    context = {
        "section": "contacts",
        "contact": contact,
        "fields": ContactForm(instance=contact),
        "company_links": contact_company_links(actor=request.user, contact=contact),
        "deals": _card_deals(request.user, contact_links__contact=contact),
        "all_deals_url": f"{reverse('deals:list')}?contact={contact.pk}",
        "timeline": timeline_list(entity=contact),
        **card_rights(request.user, contact),
    }
    return render(request, "contacts/contact_detail.html", context)


@login_required
def contact_create_view(request):
    return _create(request, CONTACTS)


@login_required
def contact_update_view(request, pk: int):
    return _update(request, CONTACTS, pk)


@login_required
def contact_communications_view(request, pk: int):
    return _communications(request, CONTACTS, pk)


@login_required
def contact_delete_view(request, pk: int):
    return _delete(request, CONTACTS, pk)


@require_GET
@login_required
def company_detail_view(request, pk: int):
    """The company card: fields edited in place, phones and e-mails, its contacts (decision
    makers first), its deals the user may see, its requisites, activities and the timeline."""
    company = _item(request, COMPANIES, pk)
    context = {
        "section": "companies",
        "company": company,
        "fields": CompanyForm(instance=company),
        "contact_links": company_contact_links(actor=request.user, company=company),
        "deals": _card_deals(request.user, company=company),
        "all_deals_url": f"{reverse('deals:list')}?company={company.pk}",
        "requisites": company.requisites.all(),
        "timeline": timeline_list(entity=company),
        **card_rights(request.user, company),
    }
    return render(request, "contacts/company_detail.html", context)


@login_required
def company_create_view(request):
    return _create(request, COMPANIES)


@login_required
def company_update_view(request, pk: int):
    return _update(request, COMPANIES, pk)


@login_required
def company_communications_view(request, pk: int):
    return _communications(request, COMPANIES, pk)


@login_required
def company_delete_view(request, pk: int):
    return _delete(request, COMPANIES, pk)


# The client block of the deal and lead cards


def _editable_owner(request, entity_type: str, pk: int):
    """The deal or lead whose client changes, and its ClientOwner: 404 for any other type or
    when out of sight, 403 when only visible."""
    owner = OWNERS.get(entity_type)
    if owner is None:
        raise Http404
    try:
        return owner, owner.get_editable(request.user, pk)
    except ObjectDoesNotExist:
        raise Http404 from None


def _client_block(request, owner: ClientOwner, item, *, form=None, error: str = ""):
    item = owner.get_editable(request.user, item.pk)  # fresh: its company and contacts changed
    context = {"entity": item, "client_form": form, "client_error": error}
    return render(request, "contacts/client_block.html", context)


@require_GET
@login_required
def client_search_view(request, entity_type: str, pk: int):
    """Contacts and companies the user may see whose name, phone or e-mail contains `?q=`,
    each with a button that attaches it to the deal or lead."""
    _owner, item = _editable_owner(request, entity_type, pk)
    text = request.GET.get("q", "")
    context = {
        "entity": item,
        "entity_type": entity_type,
        "q": text,
        "contacts": contact_search(actor=request.user, text=text),
        "companies": company_search(actor=request.user, text=text),
    }
    return render(request, "contacts/client_block.html#search-results", context)


@require_POST
@login_required
def client_attach_view(request, entity_type: str, pk: int):
    """Attach a contact or the company the user may see (a lead's replaces its own)."""
    owner, item = _editable_owner(request, entity_type, pk)
    form = ClientAttachForm(request.POST)
    if not form.is_valid() or not form.cleaned_data["id"]:
        return _client_block(request, owner, item, error=_("Choose a contact or a company."))
    kind = CONTACTS if form.cleaned_data["kind"] == "contact" else COMPANIES
    client = _item(request, kind, form.cleaned_data["id"])
    try:
        _attach(owner, item, client, request.user)
    except (ValidationError, ApplicationError) as error:
        return _client_block(request, owner, item, error=error_text(error))
    return _client_block(request, owner, item)


def _attach(owner: ClientOwner, item, client, actor) -> None:
    if isinstance(client, Contact):
        owner.add_contact(item, client, actor)
    else:
        owner.set_company(item, client, actor)


@require_POST
@login_required
def client_detach_view(request, entity_type: str, pk: int):
    """Detach a contact, or the company, from the deal or lead."""
    owner, item = _editable_owner(request, entity_type, pk)
    form = ClientAttachForm(request.POST)
    if not form.is_valid():
        return _client_block(request, owner, item, error=_("Choose a contact or a company."))
    try:
        if form.cleaned_data["kind"] == "company":
            owner.set_company(item, None, request.user)
        else:
            owner.remove_contact(item, form.cleaned_data["id"] or 0, request.user)
    except (ValidationError, ApplicationError) as error:
        return _client_block(request, owner, item, error=error_text(error))
    return _client_block(request, owner, item)


@require_POST
@login_required
def client_create_view(request, entity_type: str, pk: int):
    """Create a contact or a company from the block's small form and attach it."""
    owner, item = _editable_owner(request, entity_type, pk)
    form = ClientCreateForm(request.POST)
    if not form.is_valid():
        return _client_block(request, owner, item, form=form)
    data = form.cleaned_data
    kind = CONTACTS if data["kind"] == "contact" else COMPANIES
    try:
        require_assign(request.user, kind.entity, request.user, action=PermissionAction.ADD)
        with transaction.atomic():
            if kind is CONTACTS:
                client = contact_create(
                    actor=request.user, first_name=data["first_name"],
                    last_name=data["last_name"], communications=form.communications(),
                )  # fmt: skip
            else:
                client = company_create(
                    actor=request.user, title=data["title"], communications=form.communications()
                )
            _attach(owner, item, client, request.user)
    except (ValidationError, ApplicationError, PermissionDenied) as error:
        form.add_error(None, error_text(error))
        return _client_block(request, owner, item, form=form)
    return _client_block(request, owner, item)


# Duplicates: the groups sharing a phone, an e-mail or an INN, and the merge of one


def _duplicates_kind(request) -> Kind:
    return COMPANIES if request.GET.get("entity") == PermissionEntity.COMPANY else CONTACTS


@require_GET
@login_required
def duplicate_list_view(request):
    """Groups of contacts (`?entity=company`: companies) the user may see that share a phone,
    an e-mail or an INN, a page at a time, each with a link to merge it."""
    kind = _duplicates_kind(request)
    try:
        number = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        number = 1
    page = duplicate_group_page(actor=request.user, entity=kind.entity, number=number)
    context = {"section": kind.section, "entity": kind.entity, "page": page}
    return render(request, "contacts/duplicate_list.html", context)


@require_GET
@login_required
def duplicate_check_view(request):
    """The create form's warning while the user types (htmx): the contacts (`?entity=company`:
    companies) the user may see that already have one of the `?phones=` or `?emails=` (one
    per line), or a company the `?inn=`."""
    kind = _duplicates_kind(request)
    identity = identity_of(
        phones=request.GET.get("phones", "").splitlines(),
        emails=request.GET.get("emails", "").splitlines(),
        inn=request.GET.get("inn", "") if kind.entity == PermissionEntity.COMPANY else "",
    )
    context = {"duplicates": _visible_duplicates(request, kind, identity)}
    return render(request, "contacts/duplicate_warning.html", context)


@login_required
def duplicate_merge_view(request):
    """Merge the contacts (or companies) `?ids=`: choose the one kept and, for each field they
    differ in, whose value it keeps (GET), then merge (POST). Every one must be visible (404);
    the merge needs the edit right on the one kept and the delete right on the others (403)."""
    kind = _duplicates_kind(request)
    records = _merge_records(request, kind)
    fields = _differing_fields(kind, records)
    form = DuplicateMergeForm(request.POST or None, records=records, fields=fields)
    if request.method == "POST" and form.is_valid():
        survivor = _item(request, kind, form.cleaned_data["survivor"], PermissionAction.EDIT)
        duplicates = [
            _item(request, kind, record.pk, PermissionAction.DELETE)
            for record in records
            if record.pk != survivor.pk
        ]
        chosen = {record.pk: record for record in records}
        values = {name: getattr(chosen[form.cleaned_data[f"value_{name}"]], name)
                  for name in fields if form.cleaned_data[f"value_{name}"]}  # fmt: skip
        try:
            if values.get("responsible", survivor.responsible) != survivor.responsible:
                require_assign(request.user, kind.entity, values["responsible"],
                               action=PermissionAction.EDIT)  # fmt: skip
            with transaction.atomic():
                kind.merge(target=survivor, duplicates=duplicates, actor=request.user,
                           values=values)  # fmt: skip
        except (ValidationError, ApplicationError, PermissionDenied) as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("The duplicates are merged into %(item)s.")
                             % {"item": survivor})  # fmt: skip
            return redirect(survivor)
    context = {
        "section": kind.section,
        "entity": kind.entity,
        "form": form,
        "records": records,
        "survivor": str(form.data.get("survivor", records[0].pk)),
        "rows": _merge_rows(kind, records, fields, form),
        "query": request.GET.urlencode(),
    }
    return render(request, "contacts/duplicate_merge.html", context)


def _merge_records(request, kind: Kind) -> list:
    """The records `?ids=` names, oldest first: 404 unless there are two or more and the user
    sees every one."""
    try:
        ids = {int(value) for value in request.GET.getlist("ids")}
    except ValueError:
        raise Http404 from None
    records = list(kind.within(request.user, ids, PermissionAction.VIEW))
    if len(ids) < 2 or len(records) != len(ids):
        raise Http404
    return records


def _differing_fields(kind: Kind, records: list) -> list[str]:
    attnames = {name: kind.model._meta.get_field(name).attname for name in kind.merge_fields}
    return [
        name
        for name, attname in attnames.items()
        if len({getattr(record, attname) for record in records}) > 1
    ]


def _merge_rows(kind: Kind, records: list, fields: list[str], form) -> list[dict]:
    """A row per differing field: its label and, per record, the value shown and whether its
    radio is checked (what the user chose, else the first value that is not empty)."""
    rows = []
    for name in fields:
        cells = [(record, display_value(record, name)) for record in records]
        first_filled = next((record.pk for record, shown in cells if shown), records[0].pk)
        checked = form.data.get(f"value_{name}", str(first_filled))
        rows.append({
            "name": f"value_{name}",
            "label": kind.model._meta.get_field(name).verbose_name,
            "cells": [(record, shown, str(record.pk) == str(checked)) for record, shown in cells],
        })  # fmt: skip
    return rows
