from dataclasses import dataclass

from core.events import DomainEvent


@dataclass(frozen=True)
class ContactDeleted(DomainEvent):
    key = "contacts.contact_deleted"
    contact_id: int
    actor_id: int | None


@dataclass(frozen=True)
class CompanyDeleted(DomainEvent):
    key = "contacts.company_deleted"
    company_id: int
    actor_id: int | None
