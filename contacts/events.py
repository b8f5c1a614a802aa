from dataclasses import dataclass

from core.events import DomainEvent


@dataclass(frozen=True)
class ContactCreated(DomainEvent):
    key = "contacts.contact_created"
    contact_id: int
    actor_id: int | None


@dataclass(frozen=True)
class ContactUpdated(DomainEvent):
    key = "contacts.contact_updated"
    contact_id: int
    actor_id: int | None
    fields: tuple[str, ...]


@dataclass(frozen=True)
class ContactDeleted(DomainEvent):
    key = "contacts.contact_deleted"
    contact_id: int
    actor_id: int | None


@dataclass(frozen=True)
class CompanyCreated(DomainEvent):
    key = "contacts.company_created"
    company_id: int
    actor_id: int | None


@dataclass(frozen=True)
class CompanyUpdated(DomainEvent):
    key = "contacts.company_updated"
    company_id: int
    actor_id: int | None
    fields: tuple[str, ...]


@dataclass(frozen=True)
class CompanyDeleted(DomainEvent):
    key = "contacts.company_deleted"
    company_id: int
    actor_id: int | None
