from dataclasses import dataclass

from core.events import DomainEvent


@dataclass(frozen=True)
class LeadCreated(DomainEvent):
    key = "leads.lead_created"
    lead_id: int
    actor_id: int | None


@dataclass(frozen=True)
class LeadUpdated(DomainEvent):
    key = "leads.lead_updated"
    lead_id: int
    actor_id: int | None
    fields: tuple[str, ...]


@dataclass(frozen=True)
class LeadStatusChanged(DomainEvent):
    key = "leads.lead_status_changed"
    lead_id: int
    from_status_id: int | None
    to_status_id: int
    actor_id: int | None


@dataclass(frozen=True)
class LeadConverted(DomainEvent):
    key = "leads.lead_converted"
    lead_id: int
    contact_id: int | None
    company_id: int | None
    deal_id: int | None
    actor_id: int | None


@dataclass(frozen=True)
class LeadDeleted(DomainEvent):
    key = "leads.lead_deleted"
    lead_id: int
    actor_id: int | None
