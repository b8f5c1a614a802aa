"""Reading automation: a place's robots and triggers for the editor, an item's robot runs for
its card. The callers have checked the reader may (the editor: administrators; the card: who
sees the item)."""

from dataclasses import dataclass, field

from core.models import EntityType
from deals.models import Pipeline, Stage
from leads.models import LeadStatus

from .items import place_filter
from .models import Robot, RobotRun, Trigger

PLACE_MODELS = {"stage": Stage, "lead-status": LeadStatus}


def automation_place_get(*, place_kind: str, place_id: int):
    """The stage ("stage") or lead status ("lead-status") of that id; LookupError for
    anything else."""
    model = PLACE_MODELS.get(place_kind)
    place = model.objects.filter(pk=place_id).first() if model else None
    if place is None:
        raise LookupError(f"{place_kind} {place_id}")
    return place


@dataclass
class PlaceColumn:
    """A stage (or lead status) of the editor with its robots and triggers in sort order."""

    place: object
    place_kind: str  # "stage" or "lead-status", as in the editor's URLs
    robots: list[Robot] = field(default_factory=list)
    triggers: list[Trigger] = field(default_factory=list)

    @property
    def entity_type(self) -> str:
        return EntityType.DEAL if self.place_kind == "stage" else EntityType.LEAD


def automation_columns(*, pipeline: Pipeline | None) -> list[PlaceColumn]:
    """The columns of a pipeline's stages, or of the lead statuses when `pipeline` is None,
    each with its robots and triggers: three queries whatever their number."""
    if pipeline is None:
        places = LeadStatus.objects.order_by("sort")
        robots = Robot.objects.filter(lead_status__isnull=False)
        triggers = Trigger.objects.filter(lead_status__isnull=False)
        place_kind, place_of = "lead-status", "lead_status_id"
    else:
        places = pipeline.stages.order_by("sort")
        robots = Robot.objects.filter(stage__pipeline=pipeline)
        triggers = Trigger.objects.filter(stage__pipeline=pipeline)
        place_kind, place_of = "stage", "stage_id"
    columns = {place.pk: PlaceColumn(place=place, place_kind=place_kind) for place in places}
    for robot in robots.order_by("sort", "id"):
        columns[getattr(robot, place_of)].robots.append(robot)
    for trigger in triggers.order_by("sort", "id"):
        columns[getattr(trigger, place_of)].triggers.append(trigger)
    return list(columns.values())


def automation_column(*, place) -> PlaceColumn:
    """One stage's (or lead status's) column, as the editor shows it after a change."""
    return PlaceColumn(
        place=place,
        place_kind="stage" if isinstance(place, Stage) else "lead-status",
        robots=list(Robot.objects.filter(**place_filter(place)).order_by("sort", "id")),
        triggers=list(Trigger.objects.filter(**place_filter(place)).order_by("sort", "id")),
    )


def item_robot_runs(entity_type: str, entity_id: int, limit: int = 20) -> list[RobotRun]:
    """The item's newest robot runs with their robots, newest first (one query)."""
    return list(
        RobotRun.objects.filter(entity_type=entity_type, entity_id=entity_id)
        .select_related("robot")
        .order_by("-created_at", "-id")[:limit]
    )
