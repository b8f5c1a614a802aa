"""Pipelines and stages in Bitrix24's ids, from this CRM's own rows: CATEGORY_ID is the
pipeline's id (0, Bitrix24's default pipeline, is read as the default one) and STAGE_ID is
`C<pipeline id>:<stage id>`. Clients that write Bitrix24's own stage names (NEW, WON, LOSE)
get the pipeline's first, won and first lost stage."""

from deals.models import Pipeline, Stage
from deals.services import pipeline_default
from leads.models import LeadStatus

from .errors import B24Error

SEMANTIC_NAMES = {"NEW": None, "WON": Stage.Semantics.WON, "LOSE": Stage.Semantics.LOST}
# Bitrix24's semantic ids of deal stages and lead statuses: in progress, success, failure
SEMANTIC_IDS = {Stage.Semantics.IN_PROGRESS: "P", Stage.Semantics.WON: "S",
                Stage.Semantics.LOST: "F", LeadStatus.Semantics.CONVERTED: "S",
                LeadStatus.Semantics.JUNK: "F"}  # fmt: skip


def stage_id_show(pipeline_id: int, stage_id: int) -> str:
    return f"C{pipeline_id}:{stage_id}"


def category_resolve(value) -> int:
    """The pipeline id a CATEGORY_ID names (B24Error for none)."""
    text = str(value).strip()
    if text in ("", "0"):
        return pipeline_default().pk
    if not text.isdecimal() or not Pipeline.objects.filter(pk=int(text)).exists():
        raise B24Error(f"Category '{value}' not found.")
    return int(text)


def stage_resolve(value, *, pipeline_id: int | None = None) -> int:
    """The stage id a STAGE_ID names: `C2:15`, `15`, or `NEW` / `WON` / `LOSE` (optionally
    `C2:`-prefixed) in that pipeline, else `pipeline_id`'s, else the default one's."""
    text = str(value).strip()
    prefix, _colon, name = text.rpartition(":")
    if prefix:
        if not (prefix[:1] in "Cc" and prefix[1:].isdecimal()):
            raise B24Error(f"Stage '{value}' not found.")
        pipeline_id = int(prefix[1:])
    if name.isdecimal():
        found = Stage.objects.filter(
            pk=int(name), **({"pipeline_id": pipeline_id} if prefix else {})
        )
    elif name.upper() in SEMANTIC_NAMES:
        semantics = SEMANTIC_NAMES[name.upper()] or Stage.Semantics.IN_PROGRESS
        pipeline_id = pipeline_id or pipeline_default().pk
        found = Stage.objects.filter(pipeline_id=pipeline_id, semantics=semantics).order_by(
            "sort", "pk"
        )
    else:
        found = Stage.objects.none()
    stage_id = found.values_list("pk", flat=True).first()
    if stage_id is None:
        raise B24Error(f"Stage '{value}' not found.")
    return stage_id
