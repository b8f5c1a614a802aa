"""What automation needs of the items it works on, deals and leads, in one shape: load one,
tell which entry into its stage (or status) it is in, move it, change its fields. Every
change goes through the item's own services, as if a user made it (with no actor: the
timeline shows the robot)."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Model

from core.models import EntityType
from core.services import lock_for_update
from deals.models import Deal, DealStageChange, Stage
from deals.services import deal_move_to_stage, deal_update
from leads.models import Lead, LeadStatus
from leads.services import lead_set_status, lead_update


@dataclass(frozen=True)
class ItemKind:
    entity_type: str
    model: type[Model]
    place_model: type[Model]
    place_field: str  # the item's foreign key to its stage or status

    def get(self, pk: int) -> Any:
        """The item with what robots read joined in; DoesNotExist when it is gone."""
        related = ["responsible", "currency", "source"]
        if self.entity_type == EntityType.DEAL:
            related += ["stage", "pipeline", "company"]
        else:
            related += ["status", "company", "contact"]
        return self.model.objects.select_related(*related).get(pk=pk)

    def place_id(self, item) -> int:
        return getattr(item, f"{self.place_field}_id")

    def current_entry(self, item) -> str:
        """Which entry into its place the item is in now (see RobotRun.entry)."""
        if self.entity_type == EntityType.DEAL:
            latest = DealStageChange.objects.filter(deal=item).order_by("-id").values("id")[:1]
            return str(latest[0]["id"]) if latest else ""
        return lead_entry(item)

    def move(self, item, place, *, actor=None):
        if self.entity_type == EntityType.DEAL:
            return deal_move_to_stage(deal=item, stage=place, actor=actor)
        return lead_set_status(lead=item, status=place, actor=actor)

    def update(self, item, data: dict, *, actor=None):
        if self.entity_type == EntityType.DEAL:
            return deal_update(deal=item, actor=actor, data=data)
        return lead_update(lead=item, actor=actor, data=data)


def lead_entry(lead: Lead) -> str:
    """A lead's entry into its status is the moment it changed (leads keep no move rows)."""
    return lead.status_changed_at.isoformat() if lead.status_changed_at else ""


ITEM_KINDS = {
    EntityType.DEAL: ItemKind(EntityType.DEAL, Deal, Stage, "stage"),
    EntityType.LEAD: ItemKind(EntityType.LEAD, Lead, LeadStatus, "status"),
}


def item_kind(entity_type: str) -> ItemKind:
    return ITEM_KINDS[entity_type]


def deal_contacts(deal) -> list:
    """The deal's contacts, the primary one first (DealContact's own order)."""
    return [link.contact for link in deal.contact_links.select_related("contact")]


def place_filter(place) -> dict:
    """The lookup of the robots and triggers of a stage or a lead status."""
    return {"stage": place} if isinstance(place, Stage) else {"lead_status": place}


def entity_type_of(place) -> str:
    """The kind of item a stage (deal) or a lead status (lead) holds."""
    return EntityType.DEAL if isinstance(place, Stage) else EntityType.LEAD


def locked_item(kind: ItemKind, entity_id: int):
    """The item, locked until the transaction ends (a concurrent move waits), with what
    robots and triggers read joined in; None when there is no such item."""
    item = kind.model.objects.filter(pk=entity_id).only("pk").first()
    if item is None:
        return None
    lock_for_update(item)
    return kind.get(item.pk)


def is_forward(current, target) -> bool:
    """Is `target` further along than `current` (stages and statuses both order by sort)?"""
    return target.sort > current.sort
