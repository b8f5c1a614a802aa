"""Domain events → webhook deliveries. Imported by WebhooksConfig.ready().

Runs after the publishing transaction commits; queuing costs one query when no subscription
wants the event, and one for a whole batch of events (publish_many_on_commit).
"""

import logging
from dataclasses import asdict
from functools import partial

from activities.events import ActivityCompleted
from b24.stages import stage_id_show
from contacts.events import (
    CompanyCreated,
    CompanyDeleted,
    CompanyUpdated,
    ContactCreated,
    ContactDeleted,
    ContactUpdated,
)
from core.events import DomainEvent, batch_form_of, subscribe
from deals.events import DealCreated, DealDeleted, DealStageChanged, DealUpdated
from deals.models import Stage
from leads.events import LeadCreated, LeadDeleted, LeadUpdated

from .models import WebhookSubscription
from .services import active_subscriptions, webhook_deliveries_enqueue

logger = logging.getLogger(__name__)

# domain event -> (webhook event, item, the event's id field, with a snapshot of the item)
ROUTES: dict[type[DomainEvent], tuple[str, str, str, bool]] = {
    LeadCreated: ("lead.created", "lead", "lead_id", True),
    LeadUpdated: ("lead.updated", "lead", "lead_id", True),
    LeadDeleted: ("lead.deleted", "lead", "lead_id", False),
    DealCreated: ("deal.created", "deal", "deal_id", True),
    DealUpdated: ("deal.updated", "deal", "deal_id", True),
    DealStageChanged: ("deal.stage_changed", "deal", "deal_id", True),
    DealDeleted: ("deal.deleted", "deal", "deal_id", False),
    ContactCreated: ("contact.created", "contact", "contact_id", True),
    ContactUpdated: ("contact.updated", "contact", "contact_id", True),
    ContactDeleted: ("contact.deleted", "contact", "contact_id", False),
    CompanyCreated: ("company.created", "company", "company_id", True),
    CompanyUpdated: ("company.updated", "company", "company_id", True),
    CompanyDeleted: ("company.deleted", "company", "company_id", False),
    ActivityCompleted: ("activity.completed", "activity", "activity_id", True),
}


# domain event -> the Bitrix24 event a subscription in Bitrix24's format gets for it
# (DealStageChanged: see bitrix24_events_for; activities have no Bitrix24 event here)
BITRIX24_ROUTES: dict[type[DomainEvent], str] = {
    LeadCreated: "ONCRMLEADADD",
    LeadUpdated: "ONCRMLEADUPDATE",
    LeadDeleted: "ONCRMLEADDELETE",
    DealCreated: "ONCRMDEALADD",
    DealUpdated: "ONCRMDEALUPDATE",
    DealStageChanged: "ONCRMDEALUPDATE",
    DealDeleted: "ONCRMDEALDELETE",
    ContactCreated: "ONCRMCONTACTADD",
    ContactUpdated: "ONCRMCONTACTUPDATE",
    ContactDeleted: "ONCRMCONTACTDELETE",
    CompanyCreated: "ONCRMCOMPANYADD",
    CompanyUpdated: "ONCRMCOMPANYUPDATE",
    CompanyDeleted: "ONCRMCOMPANYDELETE",
}


def bitrix24_events_for(event: DomainEvent) -> list[tuple[str, dict]]:
    """Bitrix24's events for a domain event: [(name, FIELDS)], FIELDS holding only the ID.

    A stage move is an ONCRMDEALUPDATE (as in Bitrix24), except a new deal entering its
    first stage (ONCRMDEALADD says that). A move whose new stage is in another pipeline than
    the old one is also an ONCRMDEALMOVETOCATEGORY with the new CATEGORY_ID (the pipeline)
    and STAGE_ID ("C<pipeline>:<stage>", b24.stages): deals.services.deal_move_to_pipeline.
    """
    name = BITRIX24_ROUTES.get(type(event))
    if name is None:
        return []
    item_id = getattr(event, ROUTES[type(event)][2])
    if not isinstance(event, DealStageChanged):
        return [(name, {"ID": item_id})]
    if event.from_stage_id is None:
        return []
    pipeline_of = dict(
        Stage.objects.filter(pk__in=[event.from_stage_id, event.to_stage_id]).values_list(
            "pk", "pipeline_id"
        )
    )
    events = [(name, {"ID": item_id})]
    old_pipeline = pipeline_of.get(event.from_stage_id)
    new_pipeline = pipeline_of.get(event.to_stage_id)
    if old_pipeline is not None and new_pipeline is not None and old_pipeline != new_pipeline:
        fields = {
            "ID": item_id,
            "CATEGORY_ID": new_pipeline,
            "STAGE_ID": stage_id_show(new_pipeline, event.to_stage_id),
        }
        events.append(("ONCRMDEALMOVETOCATEGORY", fields))
    return events


def webhook_deliveries_for_event(
    event: DomainEvent, subscriptions: list[WebhookSubscription] | None = None
) -> None:
    webhook_event, item, id_field, with_snapshot = ROUTES[type(event)]
    webhook_deliveries_enqueue(
        event=webhook_event,
        data=asdict(event),
        item=(item, getattr(event, id_field)) if with_snapshot else None,
        bitrix24_events=partial(bitrix24_events_for, event),  # read only for such subscribers
        subscriptions=subscriptions,
    )


@batch_form_of(webhook_deliveries_for_event)
def webhook_deliveries_for_events(events: list[DomainEvent]) -> None:
    subscriptions = active_subscriptions()  # read once for the whole batch
    if not subscriptions:  # the common case
        return
    for event in events:
        # as for events delivered one by one, one failure does not stop the others
        try:
            webhook_deliveries_for_event(event, subscriptions)
        except Exception:
            logger.exception("Webhook deliveries for %r failed", event)


for _event_type in ROUTES:
    subscribe(_event_type)(webhook_deliveries_for_event)
