from dataclasses import dataclass

from core.events import DomainEvent


@dataclass(frozen=True)
class ActivityCompleted(DomainEvent):
    key = "activities.activity_completed"
    activity_id: int
    actor_id: int | None
