"""Automation's reactions to the other apps' events: an item entering a stage or a lead
status owes that place's robots a run each, recorded in the same transaction as the move."""

from core.events import batch_form_of, subscribe_in_transaction
from core.models import EntityType
from deals.events import DealStageChanged
from leads.events import LeadCreated, LeadStatusChanged
from leads.models import Lead

from .items import lead_entry
from .models import Robot
from .services import robots_schedule


@subscribe_in_transaction(DealStageChanged)
def schedule_robots_of_the_stage(event: DealStageChanged) -> None:
    robots_schedule(entity_type=EntityType.DEAL, entity_id=event.deal_id,
                    place_id=event.to_stage_id, entry=str(event.stage_change_id),
                    is_first_entry=event.from_stage_id is None)  # fmt: skip


@batch_form_of(schedule_robots_of_the_stage)
def schedule_robots_of_the_stages(events: list[DealStageChanged]) -> None:
    # one query for a batch of new deals, most often at stages without robots: a new deal
    # there owes no run (robots_schedule returns at once for it)
    stages_with_robots = set(
        Robot.objects.filter(
            is_active=True, stage__in={event.to_stage_id for event in events}
        ).values_list("stage_id", flat=True)
    )
    for event in events:
        if event.from_stage_id is not None or event.to_stage_id in stages_with_robots:
            schedule_robots_of_the_stage(event)


@subscribe_in_transaction(LeadCreated)
@subscribe_in_transaction(LeadStatusChanged)
def schedule_robots_of_the_status(event: LeadCreated | LeadStatusChanged) -> None:
    lead = Lead.objects.only("status_id", "status_changed_at").get(pk=event.lead_id)
    robots_schedule(entity_type=EntityType.LEAD, entity_id=lead.pk, place_id=lead.status_id,
                    entry=lead_entry(lead))  # fmt: skip
