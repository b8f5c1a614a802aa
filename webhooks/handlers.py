"""Domain events → webhook deliveries. Imported by WebhooksConfig.ready().

Runs after the publishing transaction commits; queuing costs one query when no subscription
wants the event, and one for a whole batch of events (publish_many_on_commit).
"""

import logging
from dataclasses import asdict

from activities.events import ActivityCompleted
from contacts.events import (
    CompanyCreated,
    CompanyDeleted,
    CompanyUpdated,
    ContactCreated,
    ContactDeleted,
    ContactUpdated,
)
from core.events import DomainEvent, batch_form_of, subscribe
from core.services import row_exists
from deals.events import DealCreated, DealDeleted, DealStageChanged, DealUpdated
from leads.events import LeadCreated, LeadDeleted, LeadUpdated

from .models import WebhookSubscription
from .services import webhook_deliveries_enqueue

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


def webhook_deliveries_for_event(event: DomainEvent) -> None:
    webhook_event, item, id_field, with_snapshot = ROUTES[type(event)]
    webhook_deliveries_enqueue(
        event=webhook_event,
        data=asdict(event),
        item=(item, getattr(event, id_field)) if with_snapshot else None,
    )


@batch_form_of(webhook_deliveries_for_event)
def webhook_deliveries_for_events(events: list[DomainEvent]) -> None:
    if not row_exists(WebhookSubscription, is_active=True):  # the common case, cheaply
        return
    for event in events:
        # as for events delivered one by one, one failure does not stop the others
        try:
            webhook_deliveries_for_event(event)
        except Exception:
            logger.exception("Webhook deliveries for %r failed", event)


for _event_type in ROUTES:
    subscribe(_event_type)(webhook_deliveries_for_event)
