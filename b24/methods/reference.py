"""Bitrix24's dictionaries and pipelines: `crm.status.list` / `.entity.types` (lead statuses,
the stages of every pipeline the caller sees, sources, types, industries), `crm.category.*`
(pipelines, the new API) and the deprecated `crm.dealcategory.*`. Pipeline ids are this CRM's
own (0 reads as the default pipeline) and stage ids are `C<pipeline>:<stage>`, as crm.deal.*
shows and takes them. The dictionaries are small: built in Python from four queries."""

from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.policy import stages_visible
from contacts.models import Company, Contact
from deals.models import Deal, Pipeline, Stage
from deals.services import pipeline_default
from leads.models import LeadStatus, Source

from ..errors import B24Error, not_found
from ..params import as_list
from ..registry import Call, Page, b24_method
from ..stages import SEMANTIC_IDS, category_resolve, stage_id_show
from ..values import show_datetime, show_flag, show_text

DEAL_ENTITY_TYPE_ID, LEAD_ENTITY_TYPE_ID = 2, 1
# Bitrix24's SEMANTICS: null while in progress, S a success, F a failure
SEMANTICS = {semantics: code for semantics, code in SEMANTIC_IDS.items() if code != "P"}
EXTRA_SEMANTICS = {None: "process", "S": "success", "F": "failure"}
CHOICES = {"DEAL_TYPE": (Deal.Type, gettext_lazy("Deal types")),
           "CONTACT_TYPE": (Contact.Type, gettext_lazy("Contact types")),
           "COMPANY_TYPE": (Company.Type, gettext_lazy("Company types")),
           "INDUSTRY": (Company.Industry, gettext_lazy("Industries"))}  # fmt: skip


@dataclass(frozen=True)
class Dictionary:
    entity_id: str  # crm.status.list's ENTITY_ID
    name: str
    rows: list[dict]
    entity_type_id: int | None = None  # stage dictionaries only: 1 lead statuses, 2 deals
    pipeline: Pipeline | None = None


# -- rows ---------------------------------------------------------------------------------


def _row(entity_id: str, pk, status_id: str, name: str, sort: int, **more) -> dict:
    return {"ID": str(pk), "ENTITY_ID": entity_id, "STATUS_ID": status_id, "NAME": name,
            "NAME_INIT": "", "SORT": str(sort), "SYSTEM": "N", "CATEGORY_ID": None,
            "COLOR": None, "SEMANTICS": None, **more}  # fmt: skip


def _stage_row(entity_id: str, stage, status_id: str, category_id: int | None = None) -> dict:
    """A lead status or deal stage: with its colour and semantics, in EXTRA too."""
    semantics = SEMANTICS.get(stage.semantics)
    return _row(entity_id, stage.pk, status_id, stage.name, stage.sort,
                CATEGORY_ID=None if category_id is None else str(category_id),
                COLOR=stage.color, SEMANTICS=semantics,
                EXTRA={"SEMANTICS": EXTRA_SEMANTICS[semantics], "COLOR": stage.color})  # fmt: skip


def _stage_rows(entity_id: str, pipeline: Pipeline) -> list[dict]:
    return [_stage_row(entity_id, stage, stage_id_show(pipeline.pk, stage.pk), pipeline.pk)
            for stage in pipeline.visible_stages]  # fmt: skip


def _choice_rows(entity_id: str, choices) -> list[dict]:
    """A code-defined choice: fixed, so SYSTEM; its id is its place, which the code keeps."""
    return [_row(entity_id, index, value.upper(), str(label), index * 10, SYSTEM="Y",
                 NAME_INIT=str(label))
            for index, (value, label) in enumerate(choices.choices, start=1)]  # fmt: skip


def _pipelines(user) -> list[Pipeline]:
    """The pipelines `user` sees, each with `visible_stages` in order (two queries): one whose
    every stage the user's roles close to viewing is left out, as the board leaves it out."""
    stages = stages_visible(user, Stage.objects.order_by("sort", "pk"))
    pipelines = Pipeline.objects.order_by("sort", "pk").prefetch_related(
        Prefetch("stages", queryset=stages, to_attr="visible_stages")
    )
    return [pipeline for pipeline in pipelines if pipeline.visible_stages]


def _dictionaries(user) -> list[Dictionary]:
    """Every dictionary `user` sees, in Bitrix24's order; DEAL_STAGE repeats the default
    pipeline's stages, as Bitrix24 keeps category 0's there."""
    statuses = [_stage_row("STATUS", status, status.code) for status in LeadStatus.objects.all()]
    found = [Dictionary("STATUS", _("Lead statuses"), statuses, LEAD_ENTITY_TYPE_ID)]
    pipelines = _pipelines(user)
    default = next((pipeline for pipeline in pipelines if pipeline.is_default), None)
    if default is not None:
        found.append(Dictionary("DEAL_STAGE", _("Deal stages"), _stage_rows("DEAL_STAGE", default),
                                DEAL_ENTITY_TYPE_ID, default))  # fmt: skip
    for pipeline in pipelines:
        entity_id = f"DEAL_STAGE_{pipeline.pk}"
        found.append(Dictionary(entity_id, _("Deal stages (%s)") % pipeline.name,
                                _stage_rows(entity_id, pipeline), DEAL_ENTITY_TYPE_ID,
                                pipeline))  # fmt: skip
    sources = [_row("SOURCE", source.pk, source.code, source.name, source.sort)
               for source in Source.objects.all()]  # fmt: skip
    found.append(Dictionary("SOURCE", _("Sources"), sources))
    found += [Dictionary(entity_id, str(name), _choice_rows(entity_id, choices))
              for entity_id, (choices, name) in CHOICES.items()]  # fmt: skip
    return found


# -- filter and order, in Python: the rows are few ----------------------------------------


def _matching(rows: list[dict], conditions) -> list[dict]:
    """The rows whose every named field equals the value (a list: any of its values),
    case-insensitively; a field the rows lack is ignored, as Bitrix24 ignores it."""
    if not isinstance(conditions, dict):
        return rows
    wanted = {
        str(key).lstrip("=").upper(): {
            show_text(each).upper()
            for each in (as_list(value) if isinstance(value, dict | list) else [value])
        }
        for key, value in conditions.items()
    }
    return [row for row in rows
            if all(show_text(row[name]).upper() in values
                   for name, values in wanted.items() if name in row)]  # fmt: skip


def _ordered(rows: list[dict], order) -> list[dict]:
    """`order` ({"SORT": "ASC", "NAME": "DESC"}) applied last key first: sorts are stable."""
    if not isinstance(order, dict):
        return rows
    for name, direction in reversed(list(order.items())):
        name = str(name).upper()
        if rows and name in rows[0]:
            rows = sorted(rows, key=lambda row, name=name: _sort_key(row[name]),
                          reverse=str(direction).upper() == "DESC")  # fmt: skip
    return rows


def _sort_key(value) -> tuple:
    text = show_text(value)
    return (0, int(text), "") if text.isdecimal() else (1, 0, text.lower())


# -- crm.status.* -------------------------------------------------------------------------


@b24_method("crm.status.list", scope="crm")
def status_list(call: Call) -> Page:
    rows = [row for dictionary in _dictionaries(call.user) for row in dictionary.rows]
    rows = _ordered(_matching(rows, call.param("filter")), call.param("order"))
    return Page(rows, len(rows))


@b24_method("crm.status.entity.types", scope="crm")
def status_entity_types(call: Call) -> list[dict]:
    return [_entity_type(dictionary) for dictionary in _dictionaries(call.user)]


def _entity_type(dictionary: Dictionary) -> dict:
    described = {"ID": dictionary.entity_id, "NAME": dictionary.name}
    if dictionary.pipeline is not None and dictionary.entity_id != "DEAL_STAGE":
        described["PARENT_ID"] = "DEAL_STAGE"
    if dictionary.entity_type_id is not None:
        described["SEMANTIC_INFO"] = _semantic_info(dictionary.rows)
        described["ENTITY_TYPE_ID"] = dictionary.entity_type_id
    if dictionary.pipeline is not None:
        described["PREFIX"] = f"C{dictionary.pipeline.pk}"
        described["CATEGORY_ID"] = dictionary.pipeline.pk
    return described


def _semantic_info(rows: list[dict]) -> dict:
    """Where items start, and the first success and failure stages, by STATUS_ID."""

    def first(semantics):
        return next((row for row in rows if row["SEMANTICS"] == semantics), None)

    start, success, failure = first(None), first("S"), first("F")
    return {
        "START_FIELD": start and start["STATUS_ID"],
        "FINAL_SUCCESS_FIELD": success and success["STATUS_ID"],
        "FINAL_UNSUCCESS_FIELD": failure and failure["STATUS_ID"],
        "FINAL_SORT": int(success["SORT"]) if success else 0,
    }


# -- pipelines: crm.category.* (new API) and crm.dealcategory.* (deprecated) --------------


def _pipeline(call: Call) -> Pipeline:
    """The pipeline `id` names (0 or none: the default one), if the caller sees it."""
    pk = category_resolve(call.param("id", ""))
    found = next((pipeline for pipeline in _pipelines(call.user) if pipeline.pk == pk), None)
    if found is None:
        raise not_found()
    return found


def _deals_only(call: Call) -> None:
    value = call.param("entityTypeId")
    if str(value).strip() != str(DEAL_ENTITY_TYPE_ID):
        raise B24Error(f"Entity type '{show_text(value)}' has no categories here.",
                       code="ENTITY_TYPE_NOT_SUPPORTED")  # fmt: skip


def _category(pipeline: Pipeline) -> dict:
    return {"id": pipeline.pk, "name": pipeline.name, "sort": pipeline.sort,
            "entityTypeId": DEAL_ENTITY_TYPE_ID, "isDefault": show_flag(pipeline.is_default),
            "originId": "", "originatorId": ""}  # fmt: skip


@b24_method("crm.category.list", scope="crm")
def category_list(call: Call) -> Page:
    _deals_only(call)
    categories = [_category(pipeline) for pipeline in _pipelines(call.user)]
    return Page({"categories": categories}, len(categories))


@b24_method("crm.category.get", scope="crm")
def category_get(call: Call) -> dict:
    _deals_only(call)
    return {"category": _category(_pipeline(call))}


def _deal_category(pipeline: Pipeline) -> dict:
    return {"ID": str(pipeline.pk), "CREATED_DATE": show_datetime(pipeline.created_at),
            "NAME": pipeline.name, "IS_LOCKED": "N", "SORT": str(pipeline.sort)}  # fmt: skip


@b24_method("crm.dealcategory.list", scope="crm")
def dealcategory_list(call: Call) -> Page:
    rows = [_deal_category(pipeline) for pipeline in _pipelines(call.user)]
    rows = _ordered(_matching(rows, call.param("filter")), call.param("order"))
    return Page(rows, len(rows))


@b24_method("crm.dealcategory.get", scope="crm")
def dealcategory_get(call: Call) -> dict:
    return _deal_category(_pipeline(call))


def _stage_entity_id(call: Call, pipeline: Pipeline) -> str:
    """DEAL_STAGE for id 0 (Bitrix24's default category), else DEAL_STAGE_<id>."""
    asked = str(call.param("id", "")).strip()
    return "DEAL_STAGE" if asked in ("", "0") else f"DEAL_STAGE_{pipeline.pk}"


@b24_method("crm.dealcategory.status", scope="crm")
def dealcategory_status(call: Call) -> str:
    return _stage_entity_id(call, _pipeline(call))


@b24_method("crm.dealcategory.stage.list", scope="crm")
def dealcategory_stage_list(call: Call) -> list[dict]:
    pipeline = _pipeline(call)
    return _stage_rows(_stage_entity_id(call, pipeline), pipeline)


@b24_method("crm.dealcategory.default.get", scope="crm")
def dealcategory_default_get(call: Call) -> dict:
    pipeline = pipeline_default()
    return {"ID": pipeline.pk, "NAME": pipeline.name}
