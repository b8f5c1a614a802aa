"""Triggers fired by the other apps' events: an activity done, a field changed. Each handler
runs after the change committed and only enqueues triggers_fire_task (one per item), and only
when an active trigger of that kind exists at all."""

from activities.events import ActivityCompleted
from activities.models import Activity, ActivityBinding
from core.events import subscribe
from core.models import EntityType
from deals.events import DealUpdated
from leads.events import LeadUpdated

from .models import Trigger
from .tasks import triggers_fire_task

ITEM_TYPES = (EntityType.DEAL, EntityType.LEAD)


def _has_active_triggers(kind: str) -> bool:
    return Trigger.objects.filter(kind=kind, is_active=True).exists()


@subscribe(ActivityCompleted)
def fire_activity_completed_triggers(event: ActivityCompleted) -> None:
    if not _has_active_triggers(Trigger.Kind.ACTIVITY_COMPLETED):
        return
    activity = Activity.objects.filter(pk=event.activity_id).only("kind").first()
    if activity is None:
        return
    bindings = ActivityBinding.objects.filter(
        activity_id=activity.pk, entity_type__in=ITEM_TYPES
    ).values_list("entity_type", "entity_id")
    for entity_type, entity_id in bindings:
        triggers_fire_task.delay(Trigger.Kind.ACTIVITY_COMPLETED, entity_type, entity_id,
                                 {"activity_kind": activity.kind})  # fmt: skip


@subscribe(DealUpdated)
@subscribe(LeadUpdated)
def fire_field_changed_triggers(event: DealUpdated | LeadUpdated) -> None:
    if not _has_active_triggers(Trigger.Kind.FIELD_CHANGED):
        return
    if isinstance(event, DealUpdated):
        entity_type, entity_id = EntityType.DEAL, event.deal_id
    else:
        entity_type, entity_id = EntityType.LEAD, event.lead_id
    triggers_fire_task.delay(Trigger.Kind.FIELD_CHANGED, entity_type, entity_id,
                             {"fields": list(event.fields)})  # fmt: skip
