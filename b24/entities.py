"""Leads, deals, contacts and companies as Bitrix24's classic `crm.<entity>.*` methods see
them: their fields (fields.py), and list / get / add / update / delete through this CRM's
selectors (the caller's permission scope) and services (the same rules as the UI)."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.db.models import Model, Q, QuerySet

from accounts.models import PermissionAction, PermissionEntity
from accounts.policy import get_item, require_assign
from catalog.models import Currency
from contacts.models import Communication, Company, Contact
from contacts.selectors import company_list, contact_list
from contacts.services import (
    CommunicationInput,
    communications_replace,
    company_create,
    company_delete,
    company_update,
    contact_create,
    contact_delete,
    contact_update,
)
from deals.models import Deal, Pipeline
from deals.selectors import deal_list
from deals.services import (
    deal_create,
    deal_delete,
    deal_move_to_stage,
    deal_set_contacts,
    deal_update,
    pipeline_default,
)
from leads.models import Lead, LeadStatus, Source
from leads.selectors import lead_list
from leads.services import (
    Conversion,
    lead_convert,
    lead_create,
    lead_delete,
    lead_set_status,
    lead_update,
)

from . import fields as f
from .errors import B24Error, not_found
from .params import as_list, upper_keys
from .registry import Call, Page
from .stages import SEMANTIC_IDS, category_resolve, stage_id_show, stage_resolve
from .values import parse_int, show_id

PAGE_SIZE = 50

# Bitrix24's multi-fields and this CRM's kinds of communication
MULTI_FIELDS = {"PHONE": Communication.Kind.PHONE, "EMAIL": Communication.Kind.EMAIL,
                "WEB": Communication.Kind.WEB, "IM": Communication.Kind.MESSENGER}  # fmt: skip
LABELS = {"WORK": "work", "MOBILE": "mobile", "HOME": "home", "TELEGRAM": "telegram",
          "WHATSAPP": "whatsapp"}  # fmt: skip


@dataclass(frozen=True)
class FieldSet:
    """Fields looked up by their Bitrix24 name in any case (what filtered and ordering ask)."""

    fields: tuple[f.Field, ...]

    def field(self, name: str) -> f.Field | None:
        return self.by_name.get(str(name).upper())

    @cached_property
    def by_name(self) -> dict[str, f.Field]:
        return {field.name: field for field in self.fields}


@dataclass(frozen=True)
class Entity(FieldSet):
    name: str  # LEAD, DEAL, CONTACT, COMPANY
    permission: str
    model: type[Model]
    scoped: Callable[..., QuerySet]  # the list selector: what the caller may see
    create: Callable[[Call, dict], Model]
    update: Callable[[Call, Model, dict], Model] | None = None  # None: no .update method
    delete: Callable[..., None] | None = None
    has_communications: bool = True

    @property
    def owner(self) -> str:
        return self.model.ENTITY_TYPE.value  # a Communication's owner field


# -- reading ------------------------------------------------------------------------------


def item_list(entity: Entity, call: Call) -> Page:
    """A page of 50 of the caller's visible items: filtered, ordered, the fields selected;
    `start=-1` skips counting (no total, no next). Three queries whatever the page holds."""
    items = filtered(entity, entity.scoped(actor=call.user), call.param("filter"))
    items = items.order_by(*ordering(entity, call.param("order")))
    selected = selection(entity, call.param("select"))
    return page_of(items, call, lambda page: rows_read(entity, page, selected))


def page_of(items: QuerySet, call: Call, read: Callable[[QuerySet], list]) -> Page:
    """The page of 50 the call's `start` names, `read` into rows: with the count of all and
    the next start (none when no row follows); `start=-1` skips the count, as in Bitrix24."""
    start = parse_int(call.param("start")) or 0
    if start < 0:
        return Page(read(items[:PAGE_SIZE]), 0, None)
    total = items.count()
    following = start + PAGE_SIZE if start + PAGE_SIZE < total else None
    return Page(read(items[start : start + PAGE_SIZE]), total, following)


def item_get(entity: Entity, call: Call) -> dict:
    """Every field of the item, read in one go through the caller's list selector: an item
    out of sight is not found."""
    every = [field for field in entity.fields if field.path or field.name in MULTI_FIELDS]
    rows = rows_read(entity, entity.scoped(actor=call.user).filter(pk=_id_of(call)), every)
    if not rows:
        raise not_found()
    return rows[0]


def rows_read(entity: Entity, items: QuerySet, selected: list[f.Field]) -> list[dict]:
    paths = {"pk"} | {
        path for field in selected if field.path for path in (field.path, *field.extra_paths)
    }
    rows = list(items.values(*paths))
    multi = [field for field in selected if field.name in MULTI_FIELDS]
    found = _communications(entity, [row["pk"] for row in rows], multi) if multi else {}
    return [
        {field.name: (found.get((row["pk"], field.name), []) if field.name in MULTI_FIELDS
                      else field.value(row)) for field in selected}
        for row in rows
    ]  # fmt: skip


def _communications(entity: Entity, ids: list[int], multi: list[f.Field]) -> dict:
    kinds = {MULTI_FIELDS[field.name]: field.name for field in multi}
    found: dict[tuple, list] = {}
    rows = Communication.objects.filter(**{f"{entity.owner}_id__in": ids}, kind__in=kinds)
    for pk, owner, kind, label, value in rows.order_by("pk").values_list(
        "pk", f"{entity.owner}_id", "kind", "label", "value"
    ):
        found.setdefault((owner, kinds[kind]), []).append(
            {"ID": str(pk), "VALUE_TYPE": label.upper(), "VALUE": value, "TYPE_ID": kinds[kind]}
        )
    return found


def selection(entity: Entity, select) -> list[f.Field]:
    """The fields `select` names: `*` is every field but the multi-fields, which come only
    by name, as in Bitrix24; `UF_*` (custom fields: none here) adds nothing."""
    names = [str(name).upper() for name in as_list(select)]
    if not names:
        names = ["*"]
    chosen = {}
    for name in names:
        if name == "*":
            chosen.update({field.name: field for field in entity.fields if field.path})
        elif (field := entity.field(name)) and (field.path or name in MULTI_FIELDS):
            chosen[name] = field
    chosen.setdefault("ID", entity.field("ID"))
    return list(chosen.values())


def ordering(entity: Entity, order) -> list[str]:
    given = order if isinstance(order, dict) else {}
    result = []
    for name, direction in given.items():
        field = entity.field(str(name))
        if field is None or field.path is None:
            continue
        result.append(("-" if str(direction).upper() == "DESC" else "") + field.path)
    return [*result, "pk"] if "pk" not in result and "-pk" not in result else result


FILTER_KEY = re.compile(r"^(!=%|!%=|!@|=%|%=|!%|>=|<=|!=|@|%|>|<|!|=)?(.+)$")


def filtered(entity: Entity, items: QuerySet, conditions) -> QuerySet:
    """Bitrix24's classic filter: every condition ANDed; prefixes = != ! > >= < <= @ !@
    % !% =% !=%. A field this CRM does not have is ignored, as Bitrix24 ignores it."""
    if not isinstance(conditions, dict):
        return items
    for key, value in conditions.items():
        prefix, name = FILTER_KEY.match(str(key)).groups()
        field = entity.field(name)
        if field is None or field.path is None:
            continue
        condition = _condition(field, prefix or "=", value)
        items = (
            items.exclude(condition)
            if prefix and prefix.startswith("!")
            else items.filter(condition)
        )
    return items


def _condition(field: f.Field, prefix: str, value) -> Q:
    path = field.path
    operator = prefix.lstrip("!") or "="
    if operator in ("@",) or (operator == "=" and isinstance(value, dict | list)):
        return Q(**{f"{path}__in": [field.parse(each) for each in as_list(value)]})
    if operator == "%":
        return Q(**{f"{path}__icontains": str(value)})
    if operator in ("=%", "%="):
        return _like(path, str(value))
    lookup = {"=": "", ">": "__gt", ">=": "__gte", "<": "__lt", "<=": "__lte"}[operator]
    parsed = field.parse(value)
    if parsed is None:
        return Q(**{f"{path}__isnull": True})
    return Q(**{f"{path}{lookup}": parsed})


def _like(path: str, pattern: str) -> Q:
    """SQL LIKE with the client's own % wildcards, case-insensitive."""
    inner = pattern.strip("%")
    if "%" in inner or "_" in inner:
        parts = [re.escape(part).replace("_", ".") for part in pattern.split("%")]
        return Q(**{f"{path}__iregex": "^" + ".*".join(parts) + "$"})
    if pattern.startswith("%") and pattern.endswith("%") and len(pattern) > 1:
        return Q(**{f"{path}__icontains": inner})
    if pattern.endswith("%"):
        return Q(**{f"{path}__istartswith": inner})
    if pattern.startswith("%"):
        return Q(**{f"{path}__iendswith": inner})
    return Q(**{f"{path}__iexact": inner})


# -- writing ------------------------------------------------------------------------------


def item_add(entity: Entity, call: Call) -> int:
    data, communications = _written(entity, call, _fields_param(call), item=None)
    if entity.has_communications:
        data["communications"] = communications
    item = entity.create(call, data)
    return item.pk


def item_update(entity: Entity, call: Call) -> bool:
    """Only the fields given change; unknown and read-only ones are ignored, as in Bitrix24.
    Multi-fields are patches: an ID with a value changes it, an ID with DELETE=Y or no value
    deletes it, a value without an ID is added."""
    item = item_for(entity, call, PermissionAction.EDIT)
    data, patches = _written(entity, call, _fields_param(call), item=item)
    item = entity.update(call, item, data)
    if patches:
        communications_replace(owner=item, items=_patched(entity, item, patches))
    return True


def item_delete(entity: Entity, call: Call) -> bool:
    entity.delete(
        **{entity.owner: item_for(entity, call, PermissionAction.DELETE)}, actor=call.user
    )
    return True


def _fields_param(call: Call) -> dict:
    return upper_keys(call.param("fields"), "fields")


def item_for(entity: Entity, call: Call, action: str) -> Model:
    """The item the call's `id` names if the caller may `action` it (raises as get_within
    does): for the item's own methods and those on its parts (product rows, contacts)."""
    return get_item(call.user, entity.permission, _id_of(call), action)


def _id_of(call: Call) -> int:
    pk = parse_int(call.param("id"))
    if not pk:
        raise B24Error("ID is not defined or invalid.")
    return pk


def _written(entity: Entity, call: Call, fields: dict, *, item) -> tuple[dict, dict]:
    """The service's keyword arguments for the writable fields given, and the multi-fields."""
    data, multi = {}, {}
    for name, value in fields.items():
        upper = str(name).upper()
        if upper in MULTI_FIELDS and entity.has_communications:
            multi[upper] = as_list(value)
            continue
        field = entity.field(upper)
        if field is not None and field.write is not None and not (item and field.immutable):
            data.update(field.write(value, call, item))
    if item is None:
        missing = [field.name for field in entity.fields if field.required
                   and not any(key.upper() == field.name for key in fields)]  # fmt: skip
        if missing:
            raise B24Error(f"Required fields are missing: {', '.join(missing)}.")
        return data, [_communication(name, each) for name, items in multi.items()
                      for each in items if isinstance(each, dict) and each.get("VALUE")]  # fmt: skip
    return data, multi


def _communication(name: str, item: dict) -> CommunicationInput:
    label = LABELS.get(str(item.get("VALUE_TYPE", "")).upper(), "other")
    return CommunicationInput(kind=MULTI_FIELDS[name], value=str(item["VALUE"]), label=label)


def _patched(entity: Entity, item: Model, patches: dict) -> list[CommunicationInput]:
    current = {str(each.pk): each for each in item.communications.order_by("pk")}
    kept = {pk: CommunicationInput(kind=each.kind, value=each.value, label=each.label)
            for pk, each in current.items()}  # fmt: skip
    added = []
    for name, items in patches.items():
        for patch in items:
            if not isinstance(patch, dict):
                continue
            pk = str(patch.get("ID", "")).strip()
            if pk and pk in kept:
                if str(patch.get("DELETE", "")).upper() == "Y" or not patch.get("VALUE"):
                    del kept[pk]
                else:
                    kept[pk] = _communication(name, {"VALUE_TYPE": current[pk].label.upper(),
                                                     **patch})  # fmt: skip
            elif not pk and patch.get("VALUE"):
                added.append(_communication(name, patch))
    return [*kept.values(), *added]


def _responsible(call: Call, data: dict, *, permission: str, action: str, pipeline_id=None):
    responsible = data.get("responsible") or call.user
    require_assign(call.user, permission, responsible, action=action, pipeline_id=pipeline_id)
    return responsible


# -- the four entities --------------------------------------------------------------------


def _deal_create(call: Call, data: dict) -> Deal:
    data = dict(data)
    contacts = data.pop("contacts", [])
    stage_id = data.pop("stage_id", None)
    pipeline_id = data.pop("pipeline_id", None)
    if stage_id is not None:
        stage_id = stage_resolve(stage_id, pipeline_id=pipeline_id)
    pipeline = Pipeline.objects.get(pk=pipeline_id) if pipeline_id else pipeline_default()
    stage = pipeline.stages.get(pk=stage_id) if stage_id else None
    responsible = _responsible(call, data, permission=PermissionEntity.DEAL,
                               action=PermissionAction.ADD, pipeline_id=pipeline.pk)  # fmt: skip
    data["responsible"] = responsible
    return deal_create(actor=call.user, title=data.pop("title", "") or None, pipeline=pipeline,
                       stage=stage, contacts=contacts, **data)  # fmt: skip


def _deal_update(call: Call, deal: Deal, data: dict) -> Deal:
    data = dict(data)
    stage_id = data.pop("stage_id", None)
    contacts = data.pop("contacts", None)
    if "responsible" in data:
        _responsible(call, data, permission=PermissionEntity.DEAL, action=PermissionAction.EDIT,
                     pipeline_id=deal.pipeline_id)  # fmt: skip
    if data:
        deal = deal_update(deal=deal, actor=call.user, data=data)
    if stage_id is not None:
        stage = deal.pipeline.stages.get(pk=stage_resolve(stage_id, pipeline_id=deal.pipeline_id))
        if stage.pk != deal.stage_id:
            deal = deal_move_to_stage(deal=deal, stage=stage, actor=call.user)
    if contacts is not None:
        deal = deal_set_contacts(deal=deal, contacts=contacts, actor=call.user)
    return deal


def _contacts_of(value, call: Call, item) -> dict:
    ids = [pk for each in as_list(value) if (pk := parse_int(each))]
    return {"contacts": f.visible_all(contact_list, "CONTACT_IDS", ids, call)}


def _deal_stage(value, call, item) -> dict:
    return {"stage_id": value}  # resolved against the pipeline the deal is (or will be) in


def _deal_category(value, call, item) -> dict:
    return {"pipeline_id": category_resolve(value)}


COMMON_LINKS = (
    f.link("CURRENCY_ID", "Currency", "currency_id", "currency", f.by_code(Currency, "CURRENCY_ID"),
           type="crm_currency", parse=f.parse_text, show=f.show_text),
    f.link("SOURCE_ID", "Source", "source__code", "source", f.by_code(Source, "SOURCE_ID"),
           type="crm_status", status_type="SOURCE", parse=f.parse_text, show=f.show_text),
    f.link("ASSIGNED_BY_ID", "Responsible", "responsible_id", "responsible",
           f.user_of("ASSIGNED_BY_ID"), type="user"),
)  # fmt: skip

DEAL = Entity(
    name="DEAL", permission=PermissionEntity.DEAL, model=Deal, scoped=deal_list,
    create=_deal_create, update=_deal_update, delete=deal_delete, has_communications=False,
    fields=(
        f.integer("ID", "ID", "id", read_only=True),
        f.text("TITLE", "Name", "title"),
        f.choice("TYPE_ID", "Type", "deal_type", Deal.Type),
        f.Field("CATEGORY_ID", "Pipeline", "crm_category", "pipeline_id", show_id,
                category_resolve, _deal_category, immutable=True),
        f.Field("STAGE_ID", "Stage", "crm_status", "stage_id", parse=stage_resolve,
                write=_deal_stage, status_type="DEAL_STAGE", extra_paths=("pipeline_id",),
                combine=lambda row: stage_id_show(row["pipeline_id"], row["stage_id"])),
        f.Field("STAGE_SEMANTIC_ID", "Stage semantics", "string", "stage__semantics",
                lambda value: SEMANTIC_IDS.get(value, "P")),
        f.integer("PROBABILITY", "Probability", "probability"),
        *COMMON_LINKS,
        f.money("OPPORTUNITY", "Amount", "amount"),
        f.money("TAX_VALUE", "Tax", "tax_amount", read_only=True),
        f.link("COMPANY_ID", "Company", "company_id", "company",
               f.visible(company_list, "COMPANY_ID"), type="crm_company"),
        f.Field("CONTACT_IDS", "Contacts", "crm_contact", None, write=_contacts_of, multiple=True),
        f.date("BEGINDATE", "Start date", "begins_on"),
        f.date("CLOSEDATE", "Expected close date", "closes_on"),
        f.flag("OPENED", "Available to everyone", "is_open_to_all"),
        f.Field("CLOSED", "Closed", "char", "closed_at", lambda value: "Y" if value else "N"),
        f.text("COMMENTS", "Comments", "comments"),
        f.text("SOURCE_DESCRIPTION", "Source details", "source_description"),
        f.integer("LEAD_ID", "Lead", "lead_id", read_only=True),
        f.moment("MOVED_TIME", "Moved to the stage", "stage_changed_at"),
        f.moment("CLOSEDATE_FACT", "Closed", "closed_at"),
        *f.timestamps(),
    ),
)  # fmt: skip


def _lead_create(call: Call, data: dict) -> Lead:
    data = dict(data)
    data["responsible"] = _responsible(call, data, permission=PermissionEntity.LEAD,
                                       action=PermissionAction.ADD)  # fmt: skip
    title = data.pop("title", "") or " ".join(
        filter(None, [data.get("first_name"), data.get("last_name")])) or "Lead"  # fmt: skip
    lead = lead_create(actor=call.user, title=title, **data)
    if settings.CRM_NO_LEADS_MODE:
        # As Bitrix24's simple CRM mode: the lead is converted at once into a deal (and a
        # contact when it has a name, a company when it names one); its status says so.
        lead = lead_convert(lead=lead, actor=call.user, conversion=Conversion(
            contact=True if lead.first_name or lead.last_name else None,
            company=True if lead.company_title else None, deal=True,
        )).lead  # fmt: skip
    return lead


def _lead_update(call: Call, lead: Lead, data: dict) -> Lead:
    data = dict(data)
    status = data.pop("status", None)
    if "responsible" in data:
        _responsible(call, data, permission=PermissionEntity.LEAD, action=PermissionAction.EDIT)
    if data:
        lead = lead_update(lead=lead, actor=call.user, data=data)
    if status is not None and status.pk != lead.status_id:
        lead = lead_set_status(lead=lead, status=status, actor=call.user)
    return lead


NAMES = (
    f.text("HONORIFIC", "Salutation", "honorific"),
    f.text("NAME", "First name", "first_name"),
    f.text("SECOND_NAME", "Middle name", "middle_name"),
    f.text("LAST_NAME", "Last name", "last_name"),
    f.text("POST", "Position", "position"),
)
MULTI = tuple(
    f.Field(name, name.title(), "crm_multifield", None, multiple=True, write=lambda *args: {})
    for name in MULTI_FIELDS
)

LEAD = Entity(
    name="LEAD", permission=PermissionEntity.LEAD, model=Lead, scoped=lead_list,
    create=_lead_create, update=_lead_update, delete=lead_delete,
    fields=(
        f.integer("ID", "ID", "id", read_only=True),
        f.text("TITLE", "Name", "title"),
        *NAMES,
        f.text("COMPANY_TITLE", "Company name", "company_title"),
        f.link("STATUS_ID", "Status", "status__code", "status", f.by_code(LeadStatus, "STATUS_ID"),
               type="crm_status", status_type="STATUS", parse=f.parse_text, show=f.show_text),
        f.text("STATUS_DESCRIPTION", "Status comment", "status_comment"),
        f.Field("STATUS_SEMANTIC_ID", "Status semantics", "string", "status__semantics",
                lambda value: SEMANTIC_IDS.get(value, "P")),
        *COMMON_LINKS,
        f.money("OPPORTUNITY", "Amount", "amount"),
        f.text("ADDRESS", "Address", "address"),
        f.text("COMMENTS", "Comments", "comments"),
        f.text("SOURCE_DESCRIPTION", "Source details", "source_description"),
        f.flag("OPENED", "Available to everyone", "is_open_to_all"),
        f.link("COMPANY_ID", "Company", "company_id", "company",
               f.visible(company_list, "COMPANY_ID"), type="crm_company"),
        f.link("CONTACT_ID", "Contact", "contact_id", "contact",
               f.visible(contact_list, "CONTACT_ID"), type="crm_contact"),
        *(f.text(f"UTM_{part.upper()}", f"utm_{part}", f"utm_{part}")
          for part in ("source", "medium", "campaign", "content", "term")),
        f.moment("DATE_CLOSED", "Converted", "converted_at"),
        *f.timestamps(),
        *MULTI,
    ),
)  # fmt: skip


def _created_by(service: Callable, permission: str) -> Callable:
    """An entity's create: the responsible checked against the add scope, then `service`."""

    def create(call: Call, data: dict) -> Model:
        data = dict(data)
        data["responsible"] = _responsible(call, data, permission=permission,
                                           action=PermissionAction.ADD)  # fmt: skip
        return service(actor=call.user, **data)

    return create


def _updated_by(service: Callable, permission: str, item_name: str) -> Callable:
    """An entity's update: a new responsible checked against the edit scope, then `service`."""

    def update(call: Call, item: Model, data: dict) -> Model:
        if "responsible" in data:
            _responsible(call, data, permission=permission, action=PermissionAction.EDIT)
        return service(**{item_name: item}, actor=call.user, data=data) if data else item

    return update


CONTACT = Entity(
    name="CONTACT", permission=PermissionEntity.CONTACT, model=Contact, scoped=contact_list,
    create=_created_by(contact_create, PermissionEntity.CONTACT),
    update=_updated_by(contact_update, PermissionEntity.CONTACT, "contact"), delete=contact_delete,
    fields=(
        f.integer("ID", "ID", "id", read_only=True),
        *NAMES,
        f.date("BIRTHDATE", "Birthdate", "birthdate"),
        f.choice("TYPE_ID", "Type", "contact_type", Contact.Type),
        *COMMON_LINKS[1:],
        f.text("ADDRESS", "Address", "address"),
        f.text("COMMENTS", "Comments", "comments"),
        *f.timestamps(),
        *MULTI,
    ),
)  # fmt: skip


COMPANY = Entity(
    name="COMPANY", permission=PermissionEntity.COMPANY, model=Company, scoped=company_list,
    create=_created_by(company_create, PermissionEntity.COMPANY),
    update=_updated_by(company_update, PermissionEntity.COMPANY, "company"), delete=company_delete,
    fields=(
        f.integer("ID", "ID", "id", read_only=True),
        f.text("TITLE", "Company name", "title", required=True),
        f.choice("COMPANY_TYPE", "Type", "company_type", Company.Type),
        f.choice("INDUSTRY", "Industry", "industry", Company.Industry),
        f.integer("EMPLOYEES", "Employees", "employees"),
        f.money("REVENUE", "Annual revenue", "revenue"),
        *COMMON_LINKS,
        f.text("ADDRESS", "Address", "address"),
        f.text("COMMENTS", "Comments", "comments"),
        *f.timestamps(),
        *MULTI,
    ),
)  # fmt: skip

ENTITIES = {entity.name.lower(): entity for entity in (LEAD, DEAL, CONTACT, COMPANY)}
