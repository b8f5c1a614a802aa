"""Activities, timeline comments, duplicate search, a deal's contacts and the webhook trigger,
as Bitrix24's `crm.activity.*`, `crm.timeline.comment.add`, `crm.duplicate.findbycomm`,
`crm.deal.contact.items.*` and `crm.automation.trigger` see them. Reads stay within the
caller's permission scope, writes go through this CRM's services with the UI's rules."""

import re
from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.models import PermissionAction
from accounts.policy import get_item, require_activity_assign
from activities.models import Activity, ActivityBinding
from activities.selectors import activity_list, timeline_event_of
from activities.services import activity_comment_add, activity_create
from automation.models import Trigger
from automation.triggers import trigger_hook_fire
from contacts.duplicates import duplicates_among, identity_of
from contacts.selectors import company_list, contact_list
from core.models import EntityType
from deals.models import DealContact
from deals.services import deal_set_contacts
from leads.selectors import lead_list

from .. import fields as f
from ..entities import ENTITIES, FILTER_KEY, FieldSet, filtered, item_for, ordering, page_of
from ..errors import B24Error, not_found
from ..params import as_flag, as_list, upper_keys
from ..registry import Call, Page, b24_method
from ..values import (
    parse_datetime_value,
    parse_int,
    parse_text,
    show_datetime,
    show_flag,
    show_id,
    show_text,
)

# -- Bitrix24's numeric codes ---------------------------------------------------------------


@dataclass(frozen=True)
class Codes:
    """One field's Bitrix24 codes and this CRM's values. Several codes may share a value:
    the last of them is the one shown (PRIORITY 1 "low" and 2 "medium" are both "normal")."""

    name: str
    values: dict[str, str]  # code -> this CRM's value
    unknown: str = ""  # the code shown for a value no code has

    def show(self, value) -> str:
        return {ours: code for code, ours in self.values.items()}.get(value, self.unknown)

    def parse(self, value) -> str:
        code = parse_text(value).strip()
        if code not in self.values:
            raise B24Error(f"{self.name}: '{value}' is not one of {', '.join(self.values)}.")
        return self.values[code]


Kind, Status = Activity.Kind, Activity.Status
OWNER_TYPES = Codes("OWNER_TYPE_ID", {"1": EntityType.LEAD, "2": EntityType.DEAL,
                                      "3": EntityType.CONTACT, "4": EntityType.COMPANY})  # fmt: skip
TYPES = Codes("TYPE_ID", {"1": Kind.MEETING, "2": Kind.CALL, "3": Kind.TASK, "4": Kind.EMAIL})
PRIORITIES = Codes("PRIORITY", {"1": Activity.Priority.NORMAL, "2": Activity.Priority.NORMAL,
                                "3": Activity.Priority.HIGH})  # fmt: skip
DIRECTIONS = Codes("DIRECTION", {"1": Activity.Direction.INCOMING,
                                 "2": Activity.Direction.OUTGOING}, unknown="0")  # fmt: skip
STATUSES = Codes("STATUS", {"1": Status.PLANNED, "2": Status.DONE})


def _field(name: str, path: str | None, show=show_text, parse=parse_text) -> f.Field:
    return f.Field(name, name, path=path, show=show, parse=parse)


def _moment(name: str, path: str) -> f.Field:
    return _field(name, path, show_datetime, parse_datetime_value)


def _codes(codes: Codes, path: str) -> f.Field:
    return _field(codes.name, path, codes.show, codes.parse)


def _show_completed(status: str) -> str:
    return show_flag(status == Status.DONE)


def _parse_completed(value) -> str:
    return Status.DONE if as_flag(value) else Status.PLANNED


# An activity's fields: read from the attribute `path`, filtered and ordered on it. The owner
# (path None) is the first item the activity is bound to, read from its bindings.
FIELDS = (
    _field("ID", "id", show_id, parse_int),
    _field("OWNER_TYPE_ID", None),
    _field("OWNER_ID", None),
    _codes(TYPES, "kind"),
    _field("SUBJECT", "subject"),
    _field("DESCRIPTION", "description"),
    _field("LOCATION", "location"),
    _moment("START_TIME", "starts_at"),
    # this CRM keeps one due time: a call or meeting's end is its deadline
    _moment("END_TIME", "deadline"),
    _moment("DEADLINE", "deadline"),
    _field("COMPLETED", "status", _show_completed, _parse_completed),
    _codes(STATUSES, "status"),
    _codes(PRIORITIES, "priority"),
    _codes(DIRECTIONS, "direction"),
    _field("RESPONSIBLE_ID", "responsible_id", show_id, parse_int),
    _field("AUTHOR_ID", "created_by_id", show_id, parse_int),
    _moment("CREATED", "created_at"),
    _moment("LAST_UPDATED", "updated_at"),
)
ACTIVITY = FieldSet(FIELDS)  # for entities.filtered and entities.ordering


def _owner(call: Call, owner_type, owner_id):
    """The item an activity is about, if the caller may edit it (as the card's activity block
    and the API require): "Not found" out of sight, "Access denied." seen but read-only."""
    entity_type, pk = OWNER_TYPES.parse(owner_type), parse_int(owner_id)
    if not pk:
        raise B24Error("OWNER_ID is not defined or invalid.")
    return get_item(call.user, entity_type, pk, PermissionAction.EDIT)


def _responsible(call: Call, value):
    responsible = f.user_of("RESPONSIBLE_ID")(value, call, None) if parse_int(value) else call.user
    require_activity_assign(call.user, responsible, action=PermissionAction.ADD)
    return responsible


# -- activities -----------------------------------------------------------------------------


@b24_method("crm.activity.add", scope="crm")
def activity_add(call: Call) -> int:
    """A meeting, call, task or e-mail, planned or (COMPLETED=Y) logged as done. An e-mail is
    recorded, never sent, as Bitrix24 records one added this way."""
    fields = upper_keys(call.param("fields"), "fields")
    for each in as_list(fields.get("COMMUNICATIONS")):  # checked, not kept: no field for them
        if not isinstance(each, dict) or not str(each.get("VALUE") or "").strip():
            raise B24Error("COMMUNICATIONS: every item needs a VALUE.")
    owner = _owner(call, fields.get("OWNER_TYPE_ID"), fields.get("OWNER_ID"))
    direction = parse_int(fields.get("DIRECTION"))
    activity = activity_create(
        actor=call.user, bound_to=[owner],
        responsible=_responsible(call, fields.get("RESPONSIBLE_ID")),
        kind=TYPES.parse(fields.get("TYPE_ID")),
        subject=parse_text(fields.get("SUBJECT")).strip(),
        description=parse_text(fields.get("DESCRIPTION")),
        location=parse_text(fields.get("LOCATION")),
        starts_at=parse_datetime_value(fields.get("START_TIME")),
        deadline=parse_datetime_value(fields.get("DEADLINE") or fields.get("END_TIME")),
        is_done=as_flag(fields.get("COMPLETED")),
        priority=PRIORITIES.parse(fields.get("PRIORITY") or "2"),
        direction=DIRECTIONS.parse(direction) if direction else "",
    )  # fmt: skip
    return activity.pk


@b24_method("crm.activity.todo.add", scope="crm")
def activity_todo_add(call: Call) -> dict:
    """Bitrix24's newer to-do (camelCase parameters): a planned task, answered as {"id": N}."""
    owner = _owner(call, call.param("ownerTypeId"), call.param("ownerId"))
    description = parse_text(call.param("description"))
    activity = activity_create(
        actor=call.user, bound_to=[owner], kind=Kind.TASK,
        responsible=_responsible(call, call.param("responsibleId")),
        # a to-do may come without a title; an activity here needs a subject
        subject=parse_text(call.param("title")).strip() or description.strip()[:200] or "To-do",
        description=description, deadline=parse_datetime_value(call.param("deadline")),
    )  # fmt: skip
    return {"id": activity.pk}


def _activities(call: Call) -> QuerySet[Activity]:
    """The activities the caller may see. Comments are activities here, but in Bitrix24
    timeline entries: crm.activity.* leaves them out."""
    activities = activity_list(actor=call.user).exclude(kind=Kind.COMMENT)
    return activities.prefetch_related("bindings")


@b24_method("crm.activity.get", scope="crm")
def activity_get(call: Call) -> dict:
    pk = parse_int(call.param("id"))
    if not pk:
        raise B24Error("ID is not defined or invalid.")
    activity = _activities(call).filter(pk=pk).first()
    if activity is None:
        raise not_found()
    return _row(activity, FIELDS)


@b24_method("crm.activity.list", scope="crm")
def activity_list_method(call: Call) -> Page:
    """Pages of 50 as entities.item_list pages: filtered (the owner through the bindings),
    ordered, selected; `start=-1` skips the count. Three queries whatever the page holds."""
    conditions = call.param("filter") if isinstance(call.param("filter"), dict) else {}
    activities = filtered(ACTIVITY, _owned_by(_activities(call), conditions), conditions)
    activities = activities.order_by(*ordering(ACTIVITY, call.param("order")))
    selected = _selection(call.param("select"))
    return page_of(activities, call, lambda page: [_row(each, selected) for each in page])


def _owned_by(activities: QuerySet, conditions: dict) -> QuerySet:
    """OWNER_TYPE_ID and OWNER_ID (equal to, or @ one of) name one binding together."""
    binding = {}
    for key, value in conditions.items():
        prefix, name = FILTER_KEY.match(str(key)).groups()
        if name.upper() not in ("OWNER_TYPE_ID", "OWNER_ID") or prefix not in (None, "=", "@"):
            continue
        parse = OWNER_TYPES.parse if name.upper() == "OWNER_TYPE_ID" else parse_int
        column = "entity_type" if name.upper() == "OWNER_TYPE_ID" else "entity_id"
        binding[f"{column}__in"] = [parse(each) for each in as_list(value)]
    if not binding:
        return activities
    return activities.filter(pk__in=ActivityBinding.objects.filter(**binding).values("activity"))


def _selection(select) -> list[f.Field]:
    names = {str(name).upper() for name in as_list(select)} or {"*"}
    return [field for field in FIELDS if "*" in names or field.name in names or field.name == "ID"]


def _row(activity: Activity, selected: list[f.Field]) -> dict:
    first = next(iter(activity.bindings.all()), None)  # prefetched, in the order they were made
    owner = {"OWNER_TYPE_ID": OWNER_TYPES.show(first.entity_type) if first else "",
             "OWNER_ID": show_id(first.entity_id) if first else None}  # fmt: skip
    return {field.name: owner[field.name] if field.path is None
            else field.show(getattr(activity, field.path)) for field in selected}  # fmt: skip


# -- the timeline ----------------------------------------------------------------------------


@b24_method("crm.timeline.comment.add", scope="crm")
def timeline_comment_add(call: Call) -> int:
    """A comment on an item the caller may edit (as the card and the API require); the id
    answered is the comment's timeline entry, the one the API's timeline answers with."""
    fields = upper_keys(call.param("fields"), "fields")
    entity_type = parse_text(fields.get("ENTITY_TYPE")).strip().lower()
    pk = parse_int(fields.get("ENTITY_ID"))
    if entity_type not in EntityType.values or not pk:
        raise B24Error("ENTITY_TYPE and ENTITY_ID must name a lead, deal, contact or company.")
    item = get_item(call.user, entity_type, pk, PermissionAction.EDIT)
    comment = activity_comment_add(text=parse_text(fields.get("COMMENT")), actor=call.user,
                                   bound_to=[item])  # fmt: skip
    return timeline_event_of(entity=item, activity=comment).pk


# -- duplicates -----------------------------------------------------------------------------

MAX_VALUES = 20
SEARCHED = {"LEAD": (EntityType.LEAD, lead_list), "CONTACT": (EntityType.CONTACT, contact_list),
            "COMPANY": (EntityType.COMPANY, company_list)}  # fmt: skip


@b24_method("crm.duplicate.findbycomm", scope="crm")
def duplicate_find_by_communication(call: Call) -> dict | list:
    """The visible leads, contacts and companies with one of the phones (or e-mails), compared
    normalised as this CRM's duplicate search compares them: one query per entity type."""
    kind = parse_text(call.param("type")).upper()
    if kind not in ("PHONE", "EMAIL"):
        raise B24Error("Parameter 'type' must be PHONE or EMAIL.")
    values = [parse_text(each) for each in as_list(call.param("values"))]
    if len(values) > MAX_VALUES:
        raise B24Error(f"Too many values: at most {MAX_VALUES} are allowed.")
    wanted = parse_text(call.param("entity_type")).upper()
    if wanted and wanted not in SEARCHED:
        raise B24Error("Parameter 'entity_type' must be LEAD, CONTACT or COMPANY.")
    identity = identity_of(**{"phones" if kind == "PHONE" else "emails": values})
    found = {}
    for name, (entity, visible) in SEARCHED.items():
        if wanted in ("", name):
            matches = duplicates_among(entity=entity, identity=identity,
                                       candidates=visible(actor=call.user))  # fmt: skip
            ids = list(matches.order_by("pk").values_list("pk", flat=True))
            if ids:
                found[name] = ids
    return found or []  # Bitrix24 answers an empty array, not an empty object


# -- a deal's contacts ----------------------------------------------------------------------


@b24_method("crm.deal.contact.items.get", scope="crm")
def deal_contact_items_get(call: Call) -> list[dict]:
    deal = item_for(ENTITIES["deal"], call, PermissionAction.VIEW)
    links = DealContact.objects.filter(deal=deal).order_by("sort", "id")
    return [{"CONTACT_ID": link.contact_id, "SORT": link.sort, "ROLE_ID": 0,
             "IS_PRIMARY": show_flag(link.is_primary)} for link in links]  # fmt: skip


@b24_method("crm.deal.contact.items.set", scope="crm")
def deal_contact_items_set(call: Call) -> bool:
    """The deal's contacts become exactly `items`, in SORT order; the one with IS_PRIMARY=Y
    (else the first) is primary. Links come and go through the deals services, which
    journal them; contacts out of the caller's sight are refused."""
    deal = item_for(ENTITIES["deal"], call, PermissionAction.EDIT)
    items = sorted((upper_keys(each, "items") for each in as_list(call.param("items"))),
                   key=lambda each: parse_int(each.get("SORT")) or 0)  # fmt: skip
    ids = [parse_int(each.get("CONTACT_ID")) for each in items]
    contacts = f.visible_all(contact_list, "CONTACT_ID", ids, call)
    primary = next((contact for contact, each in zip(contacts, items, strict=True)
                    if as_flag(each.get("IS_PRIMARY"))), contacts[0] if contacts else None)  # fmt: skip
    deal_set_contacts(deal=deal, contacts=contacts, actor=call.user, primary=primary,
                      sorts=[parse_int(each.get("SORT")) for each in items])  # fmt: skip
    return True


@b24_method("crm.deal.contact.items.delete", scope="crm")
def deal_contact_items_delete(call: Call) -> bool:
    deal = item_for(ENTITIES["deal"], call, PermissionAction.EDIT)
    deal_set_contacts(deal=deal, contacts=[], actor=call.user)
    return True


# -- automation -----------------------------------------------------------------------------

TARGET = re.compile(r"^(DEAL|LEAD)_(\d+)$", re.IGNORECASE)


@b24_method("crm.automation.trigger", scope="crm")
def automation_trigger(call: Call) -> bool:
    """Fire a webhook trigger for a deal or lead the caller may edit (`target` DEAL_57). The
    move is automation.triggers.trigger_hook_fire's: forward only unless the trigger allows
    moving back, the trigger's pipeline only.

    Bitrix24 names a webhook trigger by a `code` shown in its URL. This CRM's webhook trigger
    has no code: it is named by its id, the first part of its URL /hooks/automation/<id>/<token>/
    (the token is the credential of that public URL; here the REST webhook is). So `code` is
    the trigger's id."""
    match = TARGET.match(parse_text(call.param("target")).strip())
    if match is None:
        raise B24Error("Unknown target: give DEAL_<id> or LEAD_<id>.")
    entity_type, pk = match.group(1).lower(), int(match.group(2))
    item = get_item(call.user, entity_type, pk, PermissionAction.EDIT)
    trigger = _webhook_trigger(parse_text(call.param("code")).strip())
    trigger_hook_fire(trigger=trigger, entity_type=entity_type, entity_id=item.pk)
    return True


def _webhook_trigger(code: str) -> Trigger:
    webhooks = Trigger.objects.filter(kind=Trigger.Kind.WEBHOOK, is_active=True)
    webhooks = webhooks.select_related("stage", "lead_status")
    trigger = webhooks.filter(pk=code).first() if code.isdecimal() else None
    if trigger is None:
        raise B24Error(f"Trigger '{code}' not found.")
    return trigger
