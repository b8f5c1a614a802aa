"""Automation's reactions to the other apps' events: an item entering a stage or a lead
status owes that place's robots a run each, recorded in the same transaction as the move."""

from core.events import subscribe_in_transaction
from core.models import EntityType
from deals.events import DealStageChanged
from leads.events import LeadCreated, LeadStatusChanged
from leads.models import Lead

from .items import lead_entry
from .services import robots_schedule


@subscribe_in_transaction(DealStageChanged)
def schedule_robots_of_the_stage(event: DealStageChanged) -> None:
    robots_schedule(entity_type=EntityType.DEAL, entity_id=event.deal_id,
                    place_id=event.to_stage_id, entry=str(event.stage_change_id),
                    is_first_entry=event.from_stage_id is None)  # fmt: skip


@subscribe_in_transaction(LeadCreated)
@subscribe_in_transaction(LeadStatusChanged)
def schedule_robots_of_the_status(event: LeadCreated | LeadStatusChanged) -> None:
    lead = Lead.objects.only("status_id", "status_changed_at").get(pk=event.lead_id)
    robots_schedule(entity_type=EntityType.LEAD, entity_id=lead.pk, place_id=lead.status_id,
                    entry=lead_entry(lead))  # fmt: skip
