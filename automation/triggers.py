"""Triggers: outside events that move a deal into a stage (or a lead into a status).

A trigger belongs to the place it moves items into. Setting one up (create, change, delete,
a new webhook token) is checked here, so a stored trigger can always be fired: its kind is
known, its settings are those of its kind. Firing (`triggers_fire`) is the one entry point
for every app that sees such an event (activities, field changes, shop sync, web forms,
e-mail); the inbound webhook fires its own trigger through `trigger_hook_fire`.

Moves go through the items' services with no actor (the timeline shows the system), and only
forward along the pipeline unless the trigger allows moving back.
"""

import datetime
import hmac
import secrets
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils.translation import gettext as _

from activities.models import Activity
from core.models import EntityType
from core.secrets import secret_digest
from core.services import lock_for_update
from deals.services import DEAL_FIELDS
from leads.models import LeadStatus
from leads.services import LEAD_FIELDS

from .items import ItemKind, entity_type_of, is_forward, item_kind, locked_item, place_filter
from .models import Trigger

Kind = Trigger.Kind
TRIGGER_FIELDS = ["name", "kind", "settings", "allow_backwards", "is_active"]
# the settings each kind of trigger takes (every one optional unless its check says so)
SETTINGS_OF_KIND = {
    Kind.FIELD_CHANGED: ("field", "value"),
    Kind.ACTIVITY_COMPLETED: ("activity_kind",),
    Kind.ORDER_STATUS_CHANGED: ("status",),
    Kind.FORM_SUBMITTED: ("form",),
    Kind.PAYMENT_RECEIVED: (),
    Kind.ORDER_SHIPPED: (),
    Kind.ORDER_CANCELLED: (),
    Kind.EMAIL_RECEIVED: (),
    Kind.WEBHOOK: (),
}
# the fields a "field changed" trigger may watch: those the items' update services change
WATCHED_FIELDS = {
    EntityType.DEAL: [*DEAL_FIELDS, "currency"],
    EntityType.LEAD: list(LEAD_FIELDS),
}
TRUE_WORDS, FALSE_WORDS = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}


def trigger_field_choices(entity_type: str) -> list[tuple[str, str]]:
    """The fields a "field changed" trigger of this kind of item may watch, as (name, label)."""
    model = item_kind(entity_type).model
    return [
        (name, str(model._meta.get_field(name).verbose_name))
        for name in WATCHED_FIELDS[entity_type]
    ]


def _cleaned(place, values: dict) -> dict:
    """The trigger's values, checked and normalised; ValidationError by field otherwise."""
    entity_type = entity_type_of(place)
    values = dict(values)
    errors: dict[str, list[str]] = {}
    values["name"] = str(values.get("name") or "").strip()
    if not values["name"]:
        errors["name"] = [_("Give the trigger a name.")]
    if isinstance(place, LeadStatus) and place.semantics == LeadStatus.Semantics.CONVERTED:
        errors["lead_status"] = [
            _("A lead becomes converted only by its conversion: a trigger cannot move it there.")
        ]
    if values.get("kind") not in Kind.values:
        errors["kind"] = [_("Choose the event the trigger waits for.")]
    else:
        try:
            values["settings"] = _settings_cleaned(
                values["kind"], values.get("settings") or {}, entity_type
            )
        except ValidationError as error:
            errors.update(error.message_dict)
    values["allow_backwards"] = bool(values.get("allow_backwards", False))
    values["is_active"] = bool(values.get("is_active", True))
    if errors:
        raise ValidationError(errors)
    return values


def _settings_cleaned(kind: str, settings, entity_type: str) -> dict:
    """A kind's settings, checked: ValidationError by setting name ("settings" for the
    whole), like an action's settings form."""
    if not isinstance(settings, dict):
        raise ValidationError({"settings": _("The settings of a trigger are a dictionary.")})
    allowed = SETTINGS_OF_KIND[kind]
    unknown = sorted(str(key) for key in settings if key not in allowed)
    if unknown:
        raise ValidationError({
            "settings": _("This event takes no setting %(names)s.") % {"names": ", ".join(unknown)}
        })  # fmt: skip
    if kind == Kind.FIELD_CHANGED:
        return _field_changed_settings(settings, entity_type)
    if kind == Kind.ACTIVITY_COMPLETED:
        activity_kind = str(settings.get("activity_kind") or "")
        if activity_kind and activity_kind not in Activity.Kind.values:
            raise ValidationError({"activity_kind": _("Choose a kind of activity.")})
        return {"activity_kind": activity_kind} if activity_kind else {}
    if kind == Kind.ORDER_STATUS_CHANGED:
        status = str(settings.get("status") or "").strip()
        if not status:
            raise ValidationError({"status": _("Give the order status that moves the item.")})
        if len(status) > 100:
            raise ValidationError({"status": _("An order status code is at most 100 characters.")})
        return {"status": status}
    if kind == Kind.FORM_SUBMITTED:
        form = settings.get("form")
        if form in (None, ""):
            return {}
        if isinstance(form, bool) or not str(form).isdigit() or int(form) < 1:
            raise ValidationError({"form": _("A web form is chosen by its id.")})
        return {"form": int(form)}
    return {}


def _field_changed_settings(settings: dict, entity_type: str) -> dict:
    name = settings.get("field")
    if name not in WATCHED_FIELDS[entity_type]:
        item = _("deal") if entity_type == EntityType.DEAL else _("lead")
        raise ValidationError({"field": _("Choose a field of the %(item)s.") % {"item": item}})
    value = settings.get("value")
    value = "" if value is None else str(value).strip()
    if value:
        model = item_kind(entity_type).model
        value = _field_value_cleaned(model._meta.get_field(name), value)
    return {"field": name, "value": value}


def _field_value_cleaned(field: models.Field, value: str) -> str:
    """The value a watched field must have, in the form it is compared in."""
    label = str(field.verbose_name)
    if isinstance(field, models.BooleanField):
        if value.lower() not in TRUE_WORDS | FALSE_WORDS:
            raise ValidationError({"value": _("%(field)s is yes or no.") % {"field": label}})
        return "true" if value.lower() in TRUE_WORDS else "false"
    if isinstance(field, models.ForeignKey):
        if not value.isdigit():
            raise ValidationError(
                {"value": _("%(field)s is compared by its id.") % {"field": label}}
            )
        return str(int(value))
    if isinstance(field, models.DecimalField | models.IntegerField):
        try:
            return format(Decimal(value).normalize(), "f")
        except InvalidOperation:
            raise ValidationError({
                "value": _("%(value)s is not a number (%(field)s).") % {"value": value, "field": label}
            }) from None  # fmt: skip
    if isinstance(field, models.DateField):
        try:
            return datetime.date.fromisoformat(value).isoformat()
        except ValueError:
            raise ValidationError({
                "value": _("%(field)s is a date such as 2025-03-31.") % {"field": label}
            }) from None  # fmt: skip
    if field.choices and value not in {str(choice) for choice, _label in field.flatchoices}:
        raise ValidationError({"value": _("%(value)s is not a choice of %(field)s.")
                               % {"value": value, "field": label}})  # fmt: skip
    return value


def _field_has_value(item, name: str, expected: str) -> bool:
    """Does the item's field `name` hold `expected` (as _field_value_cleaned stored it)?"""
    field = item._meta.get_field(name)
    actual = getattr(item, field.attname)
    if actual is None or actual == "":
        return False
    if isinstance(field, models.BooleanField):
        return ("true" if actual else "false") == expected
    if isinstance(field, models.DecimalField | models.IntegerField):
        return Decimal(actual) == Decimal(expected)
    if isinstance(field, models.DateField):
        return actual.isoformat() == expected
    if field.choices:
        return str(actual) == expected
    return str(actual).casefold() == expected.casefold()


@transaction.atomic
def trigger_create(*, place, values: dict) -> tuple[Trigger, str]:
    """Add a trigger at the end of the place's (a Stage or a LeadStatus) triggers. Returns
    the trigger and, for an inbound webhook, its secret token (shown once: only its hash
    is kept), else "". Raises ValidationError by field."""
    values = _cleaned(place, values)
    last = Trigger.objects.filter(**place_filter(place)).aggregate(last=Max("sort"))["last"]
    trigger = Trigger(**place_filter(place), sort=(last or 0) + 10,
                      **{name: values[name] for name in TRIGGER_FIELDS})  # fmt: skip
    token = ""
    if trigger.kind == Kind.WEBHOOK:
        token = secrets.token_urlsafe(32)
        trigger.token_hash = secret_digest(token)
    trigger.full_clean()
    trigger.save()
    return trigger, token


@transaction.atomic
def trigger_update(*, trigger: Trigger, values: dict) -> Trigger:
    """Change a trigger. A trigger that stops being a webhook loses its token; one that
    becomes a webhook has none until trigger_token_rotate gives it one (its URL answers 404
    until then). Raises ValidationError by field."""
    current = {name: getattr(trigger, name) for name in TRIGGER_FIELDS}
    values = _cleaned(trigger.place, current | values)
    for name in TRIGGER_FIELDS:
        setattr(trigger, name, values[name])
    if trigger.kind != Kind.WEBHOOK:
        trigger.token_hash = ""
    trigger.full_clean()
    trigger.save()
    return trigger


@transaction.atomic
def trigger_delete(*, trigger: Trigger) -> None:
    """Delete a trigger (its webhook URL stops working at once)."""
    trigger.delete()


@transaction.atomic
def trigger_token_rotate(*, trigger: Trigger) -> str:
    """A new secret token for a webhook trigger; the old one stops working. Returns the
    token (shown once). Raises ValidationError for a trigger of another kind."""
    if trigger.kind != Kind.WEBHOOK:
        raise ValidationError({"kind": _("Only an inbound webhook trigger has a token.")})
    trigger = lock_for_update(trigger)
    token = secrets.token_urlsafe(32)
    trigger.token_hash = secret_digest(token)
    trigger.save(update_fields=["token_hash", "updated_at"])
    return token


def trigger_webhook_url(trigger: Trigger, token: str) -> str:
    """The absolute path that fires the webhook trigger with its token (POST)."""
    return reverse("automation_hooks:fire", args=[trigger.pk, token])


def trigger_for_token(*, trigger_id: int, token: str) -> Trigger | None:
    """The active webhook trigger of that id whose token this is, else None (unknown,
    inactive, other kind and wrong token alike). The token is compared in constant time."""
    trigger = (
        Trigger.objects.filter(pk=trigger_id, kind=Kind.WEBHOOK, is_active=True)
        .select_related("stage", "lead_status")
        .first()
    )
    stored = trigger.token_hash if trigger is not None and trigger.token_hash else "0" * 64
    matches = hmac.compare_digest(stored, secret_digest(token))
    return trigger if trigger is not None and trigger.token_hash and matches else None


def _place_of(kind: ItemKind, item):
    return getattr(item, kind.place_field)


def _is_left_alone(kind: ItemKind, item) -> bool:
    """Converted leads stay where they are."""
    return (
        kind.entity_type == EntityType.LEAD
        and item.status.semantics == LeadStatus.Semantics.CONVERTED
    )


def _may_move(current, target, trigger: Trigger) -> bool:
    if target.pk == current.pk:
        return False
    if isinstance(target, LeadStatus) and target.semantics == LeadStatus.Semantics.CONVERTED:
        return False
    return is_forward(current, target) or trigger.allow_backwards


def _settings_match(trigger: Trigger, item, details: dict) -> bool:
    settings = trigger.settings or {}
    if trigger.kind == Kind.FIELD_CHANGED:
        if settings.get("field") not in (details.get("fields") or ()):
            return False
        return not settings.get("value") or _field_has_value(item, settings["field"],
                                                             settings["value"])  # fmt: skip
    if trigger.kind == Kind.ACTIVITY_COMPLETED:
        wanted = settings.get("activity_kind")
        return not wanted or details.get("activity_kind") == wanted
    if trigger.kind == Kind.ORDER_STATUS_CHANGED:
        return str(details.get("status", "")) == settings.get("status")
    if trigger.kind == Kind.FORM_SUBMITTED:
        wanted = settings.get("form")
        return not wanted or str(details.get("form", "")) == str(wanted)
    return True


@transaction.atomic
def triggers_fire(
    *, kind: str, entity_type: str, entity_id: int, details: dict | None = None
) -> Trigger | None:
    """An event of `kind` happened to the item: move it into the place of the furthest
    forward active trigger of that kind in its pipeline (for leads: among all statuses)
    whose settings match `details`. A trigger behind the item's place moves it back only if
    it allows that; a trigger of its current place does nothing. Converted leads and
    missing items are left alone.

    `details`: {"fields": [...]} for field_changed, {"activity_kind": ...} for
    activity_completed, {"status": ...} for order_status_changed, {"form": id} for
    form_submitted. Returns the trigger that moved the item, or None. Idempotent (moving
    into the current place changes nothing); the move publishes the item's own events.
    Raises ApplicationError when the item's service refuses the move."""
    details = details or {}
    if entity_type not in (EntityType.DEAL, EntityType.LEAD):
        return None
    item_kind_ = item_kind(entity_type)
    triggers = Trigger.objects.filter(kind=kind, is_active=True)
    if entity_type == EntityType.DEAL:
        triggers = triggers.filter(stage__isnull=False).select_related("stage")
    else:
        triggers = triggers.filter(lead_status__isnull=False).select_related("lead_status")
    if not triggers.exists():
        return None
    item = locked_item(item_kind_, entity_id)
    if item is None or _is_left_alone(item_kind_, item):
        return None
    if entity_type == EntityType.DEAL:
        triggers = triggers.filter(stage__pipeline_id=item.pipeline_id)
    current = _place_of(item_kind_, item)
    best = None
    for trigger in triggers:
        if not _may_move(current, trigger.place, trigger):
            continue
        if not _settings_match(trigger, item, details):
            continue
        if best is None or trigger.place.sort > best.place.sort:
            best = trigger
    if best is None:
        return None
    item_kind_.move(item, best.place, actor=None)
    return best


@transaction.atomic
def trigger_hook_fire(*, trigger: Trigger, entity_type: str, entity_id) -> tuple[bool, str]:
    """The inbound webhook of `trigger` was called for an item: move the item into the
    trigger's place (forward only, unless the trigger allows moving back). Returns whether
    it moved and the name of the place it is in now. Raises ValidationError by field for a
    missing item, an item of another kind or one of another pipeline; ApplicationError when
    the item's service refuses the move. Idempotent."""
    if entity_type != trigger.entity_type:
        raise ValidationError({"entity_type": _("This trigger moves only items of type %(type)s.")
                               % {"type": trigger.entity_type}})  # fmt: skip
    item_label = _("deal") if entity_type == EntityType.DEAL else _("lead")
    if entity_id in (None, ""):
        raise ValidationError({"entity_id": _("Give the id of the %(item)s to move.")
                               % {"item": item_label}})  # fmt: skip
    if isinstance(entity_id, bool) or not str(entity_id).isdigit():
        raise ValidationError({"entity_id": _("The id of the %(item)s is a whole number.")
                               % {"item": item_label}})  # fmt: skip
    kind = item_kind(entity_type)
    item = locked_item(kind, int(entity_id))
    if item is None:
        raise ValidationError({"entity_id": _("There is no %(item)s %(id)s.")
                               % {"item": item_label, "id": entity_id}})  # fmt: skip
    if entity_type == EntityType.DEAL and item.pipeline_id != trigger.stage.pipeline_id:
        raise ValidationError({"entity_id": _("The deal %(id)s is in another pipeline than the "
                                              "stage of this trigger.") % {"id": entity_id}})  # fmt: skip
    current = _place_of(kind, item)
    if _is_left_alone(kind, item) or not _may_move(current, trigger.place, trigger):
        return False, current.name
    kind.move(item, trigger.place, actor=None)
    return True, trigger.place.name
