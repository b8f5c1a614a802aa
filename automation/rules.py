"""Scheduled rules: periodic work over many deals, run every few minutes by the beat.

- idle_in_stage: deals in the rule's stage since longer than the wait;
- repeat_sale: won deals of the rule's pipeline closed longer ago than the wait, whose client
  (the company, else the primary contact) bought only that once and has no open deal;
- shipped_unpaid: deals still in the rule's "shipped" stage longer than the wait (a paid
  order would have moved on).

The database finds them (subqueries, no loop over all deals), a batch at a time. Each finding
is recorded as a ScheduledRuleFiring, unique per rule, deal and entry (the stay in the stage,
or the won deal), in the same transaction as the rule's action: a deal is acted on once per
entry, however often the rules run, and a second run beside the first cannot act twice.
"""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from activities.models import TimelineEvent
from activities.services import (
    notification_send_to_administrators,
    timeline_record,
)
from core.errors import ApplicationError, error_text
from core.models import EntityType
from core.tasks import RetryableError
from deals.models import Deal, DealContact, DealStageChange, Pipeline, Stage

from .actions import ACTIONS, ActionRefused, RunContext
from .actions.base import action_settings_validate
from .items import item_kind
from .models import Robot, ScheduledRule, ScheduledRuleFiring
from .timing import delay_of

logger = logging.getLogger(__name__)

Kind = ScheduledRule.Kind
RULE_FIELDS = ["name", "kind", "pipeline", "stage", "wait", "wait_unit", "action", "settings",
               "is_active"]  # fmt: skip
WON, IN_PROGRESS = Stage.Semantics.WON, Stage.Semantics.IN_PROGRESS
BATCH_SIZE = 200


def _object_or_none(model, value):
    """A model instance from a form's object or an id; None for nothing or an unknown id."""
    if value in (None, ""):
        return None
    if isinstance(value, model):
        return value
    return model.objects.filter(pk=value).first() if str(value).isdigit() else None


def _cleaned(values: dict) -> dict:
    """The rule's values, checked and normalised; ValidationError by field otherwise."""
    values = dict(values)
    errors: dict[str, list[str]] = {}
    values["name"] = str(values.get("name") or "").strip()
    if not values["name"]:
        errors["name"] = [_("Give the rule a name.")]
    kind = values.get("kind")
    if kind not in Kind.values:
        errors["kind"] = [_("Choose what the rule looks for.")]
    pipeline = _object_or_none(Pipeline, values.get("pipeline"))
    stage = _object_or_none(Stage, values.get("stage"))
    if kind == Kind.REPEAT_SALE:
        stage = None
        if pipeline is None:
            errors["pipeline"] = [_("Choose the pipeline whose won deals the rule looks at.")]
    elif kind in (Kind.IDLE_IN_STAGE, Kind.SHIPPED_UNPAID):
        if stage is None:
            errors["stage"] = [
                _("Choose the stage where deals stay idle.")
                if kind == Kind.IDLE_IN_STAGE
                else _("Choose the stage of shipped orders.")
            ]
        elif kind == Kind.SHIPPED_UNPAID and stage.is_final:
            errors["stage"] = [_("Shipped orders wait in a stage in progress, not a closed one.")]
        else:
            pipeline = stage.pipeline
    values["pipeline"], values["stage"] = pipeline, stage
    wait = values.get("wait")
    if isinstance(wait, bool) or not str(wait).isdigit() or int(wait) < 1:
        errors["wait"] = [_("Wait at least 1 unit of time.")]
    else:
        values["wait"] = int(wait)
    if values.get("wait_unit") not in Robot.Unit.values:
        errors["wait_unit"] = [_("Choose the unit of the waiting time.")]
    try:
        values["settings"] = action_settings_validate(
            values.get("action") or "", values.get("settings") or {}, place=None,
            entity_type=EntityType.DEAL,
        )  # fmt: skip
    except ValidationError as error:
        errors.update(
            error.message_dict if hasattr(error, "error_dict") else {"settings": error.messages}
        )
    else:
        _check_target_in_pipeline(values, pipeline, errors)
    values["is_active"] = bool(values.get("is_active", True))
    if errors:
        raise ValidationError(errors)
    return values


def _check_target_in_pipeline(values: dict, pipeline, errors: dict) -> None:
    """A rule that moves deals moves them within the pipeline it looks at."""
    if values.get("action") != "automation.change_stage" or pipeline is None:
        return
    target = values["settings"].get("target")
    if target and not pipeline.stages.filter(pk=target).exists():
        errors["target"] = [_("Choose a stage of the rule's pipeline.")]


@transaction.atomic
def scheduled_rule_create(*, values: dict) -> ScheduledRule:
    """Add a scheduled rule. `pipeline` and `stage` may be objects or ids; the stage's
    pipeline is the rule's. Raises ValidationError by field (the action's settings by the
    names of its form's fields)."""
    values = _cleaned(values)
    rule = ScheduledRule(**{name: values[name] for name in RULE_FIELDS})
    rule.full_clean()
    rule.save()
    return rule


@transaction.atomic
def scheduled_rule_update(*, rule: ScheduledRule, values: dict) -> ScheduledRule:
    """Change a scheduled rule; what it already fired stays fired. Raises ValidationError."""
    current = {name: getattr(rule, name) for name in RULE_FIELDS}
    values = _cleaned(current | values)
    for name in RULE_FIELDS:
        setattr(rule, name, values[name])
    rule.full_clean()
    rule.save()
    return rule


@transaction.atomic
def scheduled_rule_delete(*, rule: ScheduledRule) -> None:
    """Delete a scheduled rule with the record of its firings."""
    rule.delete()


def rule_wait(rule: ScheduledRule) -> datetime.timedelta:
    return delay_of(rule.wait, rule.wait_unit)


def _in_stage_too_long(rule: ScheduledRule, cutoff: datetime.datetime) -> QuerySet:
    """Deals in the rule's stage whose latest stage entry is older than `cutoff`; the entry
    is that DealStageChange's id (deals without one, written before the history existed,
    count from stage_changed_at with the entry "")."""
    latest = DealStageChange.objects.filter(deal=OuterRef("pk")).order_by("-id")
    return (
        Deal.objects.filter(stage_id=rule.stage_id)
        .annotate(
            entered_at=Coalesce(
                Subquery(latest.values("at")[:1]), "stage_changed_at", "created_at"
            ),
            entry=Coalesce(Cast(Subquery(latest.values("id")[:1]), CharField()), Value("")),
        )
        .filter(entered_at__lt=cutoff)
    )


def _one_time_buyers(rule: ScheduledRule, cutoff: datetime.datetime) -> QuerySet:
    """Won deals of the rule's pipeline closed before `cutoff` whose client has no other won
    deal and no open one (in any pipeline); the entry is the won deal's id. The client is
    the deal's company, else its primary contact (whose deals are those it is a contact of);
    a deal with neither is nobody's to sell to again."""
    others = Deal.objects.exclude(pk=OuterRef("pk")).filter(stage__semantics__in=(WON, IN_PROGRESS))
    primary = DealContact.objects.filter(deal=OuterRef("pk"), is_primary=True)
    return (
        Deal.objects.filter(pipeline_id=rule.pipeline_id, stage__semantics=WON,
                            closed_at__lt=cutoff)
        .annotate(primary_contact_id=Subquery(primary.values("contact_id")[:1]))
        .annotate(
            company_bought_again=Exists(others.filter(company_id=OuterRef("company_id"))),
            contact_bought_again=Exists(
                others.filter(contact_links__contact_id=OuterRef("primary_contact_id"))
            ),
            entry=Cast("pk", CharField()),
        )
        .filter(
            Q(company_id__isnull=False, company_bought_again=False)
            | Q(company_id__isnull=True, primary_contact_id__isnull=False,
                contact_bought_again=False)
        )
    )  # fmt: skip


def scheduled_rule_findings(rule: ScheduledRule, now: datetime.datetime) -> QuerySet:
    """The deals the rule should act on now, with their `entry`, not yet fired for it."""
    cutoff = now - rule_wait(rule)
    if rule.kind == Kind.REPEAT_SALE:
        found = _one_time_buyers(rule, cutoff)
    else:
        found = _in_stage_too_long(rule, cutoff)
    fired = ScheduledRuleFiring.objects.filter(
        rule=rule, entity_type=EntityType.DEAL, entity_id=OuterRef("pk"), entry=OuterRef("entry")
    )
    return found.annotate(is_fired=Exists(fired)).filter(is_fired=False).order_by("pk")


def scheduled_rules_run(*, now: datetime.datetime | None = None,
                        batch_size: int = BATCH_SIZE) -> int:  # fmt: skip
    """Run every active scheduled rule: for each deal it finds, record the firing and run
    the rule's action in one transaction. A refused action (ActionRefused, a refusal of a
    service) is recorded in the firing's error, and the administrators are told once per
    rule and run; a passing failure (RetryableError) records nothing, so the next run tries
    again. Sets each rule's last_run_at. Returns how many firings it recorded. Idempotent,
    and safe beside a second run (the firing's unique constraint decides)."""
    now = now or timezone.now()
    fired = 0
    for rule in ScheduledRule.objects.filter(is_active=True).order_by("pk"):
        fired += _rule_run(rule, now, batch_size)
    return fired


def _rule_run(rule: ScheduledRule, now: datetime.datetime, batch_size: int) -> int:
    kind = item_kind(EntityType.DEAL)
    try:
        action = ACTIONS.get(rule.action)
    except LookupError:
        action = None
    fired, errors, skipped = 0, [], set()
    while True:
        batch = list(
            scheduled_rule_findings(rule, now).exclude(pk__in=skipped)
            .values_list("pk", "entry")[:batch_size]
        )  # fmt: skip
        deals = kind.model.objects.select_related(
            "responsible", "currency", "source", "stage", "pipeline", "company"
        ).in_bulk([pk for pk, _entry in batch])
        for pk, entry in batch:
            deal = deals.get(pk)
            outcome = _fire(rule, action, deal, entry) if deal is not None else None
            if outcome is None:
                skipped.add(pk)  # gone, fired meanwhile or a passing failure: next run
                continue
            fired += 1
            if outcome:
                errors.append(outcome)
        if len(batch) < batch_size:
            break
    ScheduledRule.objects.filter(pk=rule.pk).update(last_run_at=now, updated_at=timezone.now())
    if errors:
        _tell_administrators(rule, errors)
    return fired


def _fire(rule: ScheduledRule, action, deal: Deal, entry: str) -> str | None:
    """Record the firing and run the action, in one transaction. Returns "" when done, the
    error when refused, None when nothing was recorded (fired by a concurrent run, or a
    passing failure left for the next run)."""
    firing = None
    try:
        with transaction.atomic():
            firing = ScheduledRuleFiring.objects.create(
                rule=rule, entity_type=EntityType.DEAL, entity_id=deal.pk, entry=entry
            )
            error = _act(rule, action, deal, firing)
    except IntegrityError:
        if firing is None:
            return None  # a run beside this one fired it first
        raise
    except RetryableError as passing:
        logger.warning("Scheduled rule %s: deal %s failed for now: %s", rule.pk, deal.pk, passing)
        return None
    return error


def _act(rule: ScheduledRule, action, deal: Deal, firing: ScheduledRuleFiring) -> str:
    """Run the action on the deal (within the firing's transaction) and journal it; a
    refusal leaves nothing of the action and is written on the firing. Returns the error."""
    try:
        if action is None:
            raise ActionRefused(_("Unknown action %(key)s.") % {"key": rule.action})
        with transaction.atomic():  # a refused action leaves nothing behind
            result = action.run(RunContext(item=deal, kind=item_kind(EntityType.DEAL),
                                           settings=rule.settings, robot=rule, run=None))  # fmt: skip
    except (ApplicationError, ValidationError) as refused:
        firing.error = error_text(refused)[:2000]
        firing.save(update_fields=["error", "updated_at"])
        timeline_record(
            entity=deal, kind=TimelineEvent.Kind.ROBOT_RAN, actor=None,
            payload={"robot": rule.name, "rule": rule.pk, "failed": True,
                     "summary": firing.error[:300]},
        )  # fmt: skip
        return firing.error
    timeline_record(
        entity=deal, kind=TimelineEvent.Kind.ROBOT_RAN, actor=None,
        payload={"robot": rule.name, "rule": rule.pk, "action": str(action.label),
                 "summary": str((result or {}).get("summary", ""))[:300]},
    )  # fmt: skip
    return ""


def _tell_administrators(rule: ScheduledRule, errors: list[str]) -> None:
    """One notification per administrator for a run with refusals, not one per deal."""
    notification_send_to_administrators(
        title=gettext_noop("Scheduled rule %(rule)s failed"),
        message=gettext_noop("Deals it could not act on: %(count)s. %(error)s"),
        params={"rule": rule.name, "count": len(errors), "error": errors[0][:500]},
    )
