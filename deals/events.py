from dataclasses import dataclass

from core.events import DomainEvent


@dataclass(frozen=True)
class DealCreated(DomainEvent):
    key = "deals.deal_created"
    deal_id: int
    actor_id: int | None


@dataclass(frozen=True)
class DealUpdated(DomainEvent):
    key = "deals.deal_updated"
    deal_id: int
    actor_id: int | None
    fields: tuple[str, ...]


@dataclass(frozen=True)
class DealStageChanged(DomainEvent):
    """A deal entered a stage. `stage_change_id` identifies this entry, so a robot of the
    stage can tell a second delivery of the same entry from a later re-entry."""

    key = "deals.deal_stage_changed"
    deal_id: int
    from_stage_id: int | None
    to_stage_id: int
    stage_change_id: int
    actor_id: int | None


@dataclass(frozen=True)
class DealDeleted(DomainEvent):
    key = "deals.deal_deleted"
    deal_id: int
    actor_id: int | None
