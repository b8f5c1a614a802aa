"""Writes for pipelines, stages and deals."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import PermissionAction, PermissionEntity
from accounts.policy import can_assign, can_move_into
from activities.models import Notification, TimelineEvent
from activities.services import (
    entity_history_delete,
    notification_send,
    timeline_record,
    timeline_record_field_changes,
    timeline_record_many,
)
from catalog.models import Currency, ProductRow
from catalog.services import (
    ProductRowInput,
    currency_base,
    currency_convert,
    product_row_values,
    product_rows_as_input,
    product_rows_replace,
)
from contacts.models import Contact
from core.copy_insert import ids_reserve, objects_copy_insert, rows_copy_insert
from core.errors import ApplicationError
from core.events import publish_many_on_commit, publish_on_commit
from core.services import FieldChange, lock_for_update, model_update
from core.urls import entity_url

from .events import DealCreated, DealDeleted, DealStageChanged, DealUpdated
from .field_owners import deal_owned_fields
from .models import FUNNEL_SEMANTICS, Deal, DealContact, DealStageChange, Pipeline, Stage

DEAL_FIELDS = [
    "title", "probability", "deal_type", "begins_on", "closes_on", "responsible", "company",
    "source", "source_description", "campaign", "is_open_to_all", "comments", "payment_percent",
    "amount",
]  # fmt: skip


@dataclass(frozen=True)
class StageSpec:
    """A stage as an editor describes it, before it is saved."""

    name: str
    sort: int
    semantics: str = Stage.Semantics.IN_PROGRESS
    color: str = "#39A8EF"


def pipeline_check_stages(stages: Sequence[StageSpec]) -> None:
    """The rules a pipeline's stages must keep together. Raises ValidationError listing each
    broken rule: the first stage (lowest sort) is in progress, sorts and names are unique,
    and there is at least one won and one lost stage."""
    errors = []
    if not stages:
        raise ValidationError(_("A pipeline needs stages: a first one, a won and a lost one."))
    ordered = sorted(stages, key=lambda stage: stage.sort)
    if ordered[0].semantics != Stage.Semantics.IN_PROGRESS:
        errors.append(_("The first stage (the lowest sort) must be an in-progress stage."))
    if len({stage.sort for stage in stages}) != len(stages):
        errors.append(_("Two stages have the same sort; each needs its own place."))
    if len({stage.name.strip().lower() for stage in stages}) != len(stages):
        errors.append(_("Two stages have the same name."))
    semantics = {stage.semantics for stage in stages}
    if Stage.Semantics.WON not in semantics:
        errors.append(_("A pipeline needs at least one won stage."))
    if Stage.Semantics.LOST not in semantics:
        errors.append(_("A pipeline needs at least one lost stage."))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def pipeline_create(
    *, name: str, stages: Sequence[StageSpec], is_default: bool = False, sort: int = 100
) -> Pipeline:
    """A pipeline with its stages. The first default pipeline created becomes the default."""
    pipeline_check_stages(stages)
    if not Pipeline.objects.filter(is_default=True).exists():
        is_default = True
    elif is_default:
        Pipeline.objects.filter(is_default=True).update(is_default=False)
    pipeline = Pipeline(name=name, is_default=is_default, sort=sort)
    pipeline.full_clean()
    pipeline.save()
    Stage.objects.bulk_create(
        Stage(pipeline=pipeline, name=s.name, sort=s.sort, semantics=s.semantics, color=s.color)
        for s in stages
    )
    return pipeline


def pipeline_default() -> Pipeline:
    pipeline = Pipeline.objects.filter(is_default=True).first()
    if pipeline is None:
        raise ApplicationError(_("No pipeline is configured yet."), code="no_pipeline")
    return pipeline


def deals_funnel_refresh(pipeline: Pipeline, *, stages: Sequence[Stage] | None = None) -> int:
    """Recompute the furthest funnel stage (Deal.funnel_stage) of the pipeline's deals after
    its stages were reordered or re-purposed: which stage is "furthest" depends on them. With
    `stages` (those whose order or meaning changed), only the deals that entered one of them:
    the others' stages kept their order among themselves. One UPDATE (for every deal of a
    pipeline of 750,000, measured once on the benchmark machine: 25 s); returns how many deals
    it rewrote. The database's triggers keep the field through every move and every deleted
    stage (its entries go with it); this is for the stages' own edits."""
    furthest = (
        DealStageChange.objects.filter(
            deal=OuterRef("pk"),
            to_stage__pipeline=OuterRef("pipeline"),
            to_stage__semantics__in=FUNNEL_SEMANTICS,
        )
        .order_by("-to_stage__sort", "-to_stage_id")
        .values("to_stage_id")[:1]
    )
    deals = Deal.objects.filter(pipeline=pipeline)
    if stages is not None:
        deals = deals.filter(
            pk__in=DealStageChange.objects.filter(to_stage__in=stages).values("deal_id")
        )
    return deals.update(funnel_stage_id=Subquery(furthest))


def stage_first(pipeline: Pipeline) -> Stage:
    """Where new deals of the pipeline start."""
    return pipeline.stages.order_by("sort").first()


def _notify_assigned(deal: Deal, actor: AbstractBaseUser | None) -> None:
    if deal.responsible_id and deal.responsible_id != getattr(actor, "pk", None):
        notification_send(
            recipient=deal.responsible,
            kind=Notification.Kind.DEAL_ASSIGNED,
            title=gettext_noop("New deal assigned to you: %(title)s"),
            params={"title": deal.title},
            url=entity_url(deal),
        )


def _record_stage_entry(deal: Deal, *, from_stage: Stage | None, actor, at) -> DealStageChange:
    change = DealStageChange.objects.create(
        deal=deal, from_stage=from_stage, to_stage=deal.stage, actor=actor, at=at
    )
    publish_on_commit(
        DealStageChanged(
            deal_id=deal.pk,
            from_stage_id=from_stage.pk if from_stage else None,
            to_stage_id=deal.stage_id,
            stage_change_id=change.pk,
            actor_id=getattr(actor, "pk", None),
        )
    )
    return change


@transaction.atomic
def deal_create(
    *,
    title: str | None,
    actor: AbstractBaseUser | None,
    pipeline: Pipeline | None = None,
    stage: Stage | None = None,
    currency: Currency | None = None,
    responsible: AbstractBaseUser | None = None,
    contacts: Sequence[Contact] = (),
    product_rows: Sequence[ProductRowInput] = (),
    **fields,
) -> Deal:
    """A deal in `pipeline` (default: the default pipeline) at `stage` (default: its first).

    With product rows the amount is their total. A title of None names the deal by its number
    ("Deal #12", as Bitrix24 names an untitled deal). Writes the timeline and the first stage entry;
    publishes DealCreated, then DealStageChanged; notifies the responsible when somebody else
    assigned it. Raises ApplicationError for a stage of another pipeline, or one the actor's
    roles close to moving deals into (RoleStageRule): a deal cannot start where it could not go.
    """
    pipeline = pipeline or (stage.pipeline if stage else pipeline_default())
    stage = stage or stage_first(pipeline)
    if stage.pipeline_id != pipeline.pk:
        raise ApplicationError(
            _("The stage %(stage)s belongs to another pipeline.") % {"stage": stage.name},
            code="stage_of_another_pipeline",
        )
    _refuse_closed_stage(stage, actor)
    now = timezone.now()
    deal = Deal(
        title=(title or "").strip(),
        pipeline=pipeline,
        stage=stage,
        currency=currency or currency_base(),
        responsible=responsible if responsible is not None else actor,
        created_by=actor,
        stage_changed_at=now,
        closed_at=now if stage.is_final else None,
        **fields,
    )
    if title is None:
        [deal.pk] = ids_reserve(Deal, 1)
        deal.title = _("Deal #%(number)d") % {"number": deal.pk}
    deal.full_clean()
    deal.save(force_insert=True)
    for sort, contact in enumerate(contacts):
        DealContact.objects.create(
            deal=deal, contact=contact, is_primary=sort == 0, sort=(sort + 1) * 10
        )
    if product_rows:
        totals = product_rows_replace(owner=deal, currency=deal.currency, rows=list(product_rows))
        deal.amount, deal.tax_amount = totals.amount, totals.tax_amount
        deal.save(update_fields=["amount", "tax_amount"])
    timeline_record(entity=deal, kind=TimelineEvent.Kind.CREATED, actor=actor, at=now)
    publish_on_commit(DealCreated(deal_id=deal.pk, actor_id=getattr(actor, "pk", None)))
    _record_stage_entry(deal, from_stage=None, actor=actor, at=now)
    _notify_assigned(deal, actor)
    return deal


@dataclass(frozen=True)
class DealDraft:
    """A deal for deal_create_many: what deal_create takes, for a deal the system makes."""

    title: str
    pipeline: Pipeline
    currency: Currency
    responsible: AbstractBaseUser | None = None
    contacts: Sequence[Contact] = ()
    product_rows: Sequence[ProductRowInput] = ()
    fields: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CreatedDeal:
    """A deal deal_create_many made, and the fields of its product rows as it wrote them
    (product_row_values', in their order), for a caller that needs them without a query."""

    deal: Deal
    product_rows: list[dict]


@transaction.atomic
def deal_create_many(*, drafts: Sequence[DealDraft]) -> list[CreatedDeal]:
    """deal_create for many deals the system makes (no actor: shop orders, imports), each at
    the first stage of its pipeline, in a fixed number of queries: the same rows (the deal,
    its contacts and product rows, the first stage entry, the timeline), then the same events
    (together: publish_many_on_commit) and notifications. Nothing is checked field by field:
    the database constraints hold the rows, and a caller whose batch is refused makes its
    deals one by one with deal_create to learn which one is wrong. Each deal comes back with
    its product rows' fields (CreatedDeal), in the order of the drafts."""
    now = timezone.now()
    first_stages: dict[int, Stage] = {}
    deals, rows_of = [], []
    for draft in drafts:
        if draft.pipeline.pk not in first_stages:
            first_stages[draft.pipeline.pk] = stage_first(draft.pipeline)
        stage = first_stages[draft.pipeline.pk]
        rows = [
            product_row_values(row, currency=draft.currency, sort=(index + 1) * 10)
            for index, row in enumerate(draft.product_rows)
        ]
        deals.append(
            Deal(
                title=draft.title.strip()[:255], pipeline=draft.pipeline, stage=stage,
                currency=draft.currency, responsible=draft.responsible, created_by=None,
                stage_changed_at=now, closed_at=now if stage.is_final else None,
                amount=sum((row["line_total"] for row in rows), Decimal(0)),
                tax_amount=sum((row["tax_total"] for row in rows), Decimal(0)),
                **draft.fields,
            )
        )  # fmt: skip
        rows_of.append(rows)
    objects_copy_insert(Deal, deals, now=now)
    rows_copy_insert(
        DealContact,
        [{"deal": deal, "contact": contact, "is_primary": index == 0, "sort": (index + 1) * 10}
         for deal, draft in zip(deals, drafts, strict=True)
         for index, contact in enumerate(draft.contacts)],
        now=now,
    )  # fmt: skip
    rows_copy_insert(
        ProductRow,
        [{**row, "deal": deal} for deal, rows in zip(deals, rows_of, strict=True) for row in rows],
        now=now,
    )
    changes = [DealStageChange(deal=deal, from_stage=None, to_stage=deal.stage, actor=None, at=now)
               for deal in deals]  # fmt: skip
    objects_copy_insert(DealStageChange, changes, now=now)
    timeline_record_many(entities=deals, kind=TimelineEvent.Kind.CREATED, at=now)
    publish_many_on_commit(
        [event for deal, change in zip(deals, changes, strict=True) for event in (
            DealCreated(deal_id=deal.pk, actor_id=None),
            DealStageChanged(deal_id=deal.pk, from_stage_id=None, to_stage_id=deal.stage_id,
                             stage_change_id=change.pk, actor_id=None),
        )]
    )  # fmt: skip
    for deal in deals:
        _notify_assigned(deal, None)
    return [CreatedDeal(deal, rows) for deal, rows in zip(deals, rows_of, strict=True)]


@transaction.atomic
def deal_update(*, deal: Deal, actor: AbstractBaseUser | None, data: dict) -> Deal:
    """Change a deal's fields (not its stage: see deal_move_to_stage) and journal the changes.

    `amount` may be set by hand only while the deal has no product rows. A new currency
    re-prices the rows at current rates. Publishes DealUpdated when something changed.
    """
    # Compare with the stored row under a lock, not the caller's possibly stale copy.
    deal = lock_for_update(deal)
    data = dict(data)
    for forbidden in ("stage", "pipeline"):
        if forbidden in data:
            raise ApplicationError(
                _("Move a deal between stages with a stage move, not an edit."),
                code="use_stage_move",
            )
    has_rows = deal.product_rows.exists()
    if "amount" in data and has_rows and data["amount"] != deal.amount:
        raise ApplicationError(
            _("The amount of a deal with products is the total of its products."),
            code="amount_from_rows",
        )
    if actor is not None and (owned := deal_owned_fields(deal, among=data)):
        changed = [name for name in owned if data[name] != getattr(deal, name)]
        if changed:
            names = sorted(str(Deal._meta.get_field(name).verbose_name) for name in changed)
            raise ApplicationError(
                _("These fields come from the deal's shop order and cannot be changed here: "
                  "%(fields)s.") % {"fields": ", ".join(names)},
                code="field_owned",
            )  # fmt: skip
    new_currency = data.pop("currency", deal.currency)
    previous_responsible_id = deal.responsible_id
    changes = model_update(instance=deal, fields=DEAL_FIELDS, data=data)
    if new_currency != deal.currency:
        changes += _deal_change_currency(deal, new_currency)
    timeline_record_field_changes(entity=deal, changes=changes, actor=actor)
    if deal.responsible_id != previous_responsible_id:
        _notify_assigned(deal, actor)
    if changes:
        publish_on_commit(
            DealUpdated(
                deal_id=deal.pk,
                actor_id=getattr(actor, "pk", None),
                fields=tuple(change.field for change in changes),
            )
        )
    return deal


def _deal_change_currency(deal: Deal, currency: Currency) -> list[FieldChange]:
    rows = product_rows_as_input(owner=deal)
    old_currency = deal.currency
    data = {"currency": currency}
    if rows:
        totals = product_rows_replace(owner=deal, currency=currency, rows=rows)
        data |= {"amount": totals.amount, "tax_amount": totals.tax_amount}
    else:
        data |= {
            "amount": currency_convert(deal.amount, source=old_currency, target=currency),
            "tax_amount": currency_convert(deal.tax_amount, source=old_currency, target=currency),
        }
    return model_update(instance=deal, fields=["currency", "amount", "tax_amount"], data=data)


@transaction.atomic
def deal_move_to_stage(*, deal: Deal, stage: Stage, actor: AbstractBaseUser | None) -> Deal:
    """Move a deal to another stage of its pipeline.

    Locks the deal row, so concurrent moves apply one after the other. Records the move
    (DealStageChange and a timeline event with old → new), sets or clears `closed_at`, and
    publishes DealStageChanged on commit. Moving to the current stage changes nothing.
    Raises ApplicationError for a stage of another pipeline (see deal_move_to_pipeline), or
    one the actor's roles close (RoleStageRule); robots and other system moves pass actor=None.
    """
    return _deal_move_within_pipeline(lock_for_update(deal), stage, actor)


def _deal_move_within_pipeline(deal: Deal, stage: Stage, actor: AbstractBaseUser | None) -> Deal:
    """deal_move_to_stage for the deal already locked."""
    _refuse_closed_stage(stage, actor)
    if stage.pipeline_id != deal.pipeline_id:
        raise ApplicationError(
            _("The deal cannot move to %(stage)s: that stage belongs to another pipeline.")
            % {"stage": stage.name},
            code="stage_of_another_pipeline",
        )
    if stage.pk == deal.stage_id:
        return deal
    return _deal_enter_stage(deal, stage, actor)


@transaction.atomic
def deal_move_to_pipeline(*, deal: Deal, stage: Stage, actor: AbstractBaseUser | None) -> Deal:
    """Move a deal into another pipeline, at `stage` of it (Bitrix24's "change pipeline").

    As a stage move (deal_move_to_stage: the journal, DealStageChanged, so the new stage's
    robots run and the old one's waiting robots are cancelled), and the actor's role must
    also let them keep the deal, with its responsible, in the new pipeline (the edit scope
    there). A stage of the deal's own pipeline is a plain stage move."""
    deal = lock_for_update(deal)
    if stage.pipeline_id == deal.pipeline_id:
        return _deal_move_within_pipeline(deal, stage, actor)
    _refuse_closed_stage(stage, actor)
    if actor is not None and not can_assign(
        actor, PermissionEntity.DEAL, responsible=deal.responsible,
        action=PermissionAction.EDIT, pipeline_id=stage.pipeline_id,
    ):  # fmt: skip
        raise ApplicationError(
            _("Your role does not let you keep this deal in %(pipeline)s.")
            % {"pipeline": stage.pipeline.name},
            code="pipeline_closed",
        )
    deal.pipeline = stage.pipeline
    return _deal_enter_stage(deal, stage, actor)


def _refuse_closed_stage(stage: Stage, actor: AbstractBaseUser | None) -> None:
    if actor is not None and not can_move_into(actor, stage.pk):
        raise ApplicationError(
            _("Your role does not let you move deals into %(stage)s.") % {"stage": stage.name},
            code="stage_closed",
        )


def _deal_enter_stage(deal: Deal, stage: Stage, actor: AbstractBaseUser | None) -> Deal:
    """Put the locked deal into `stage` (its pipeline already set) and journal the move; the
    timeline names the pipelines too when they differ."""
    now = timezone.now()
    from_stage = deal.stage
    deal.stage = stage
    deal.stage_changed_at = now
    deal.closed_at = now if stage.is_final else None
    deal.save(update_fields=["pipeline", "stage", "stage_changed_at", "closed_at", "updated_at"])
    other_pipeline = from_stage.pipeline_id != stage.pipeline_id

    def label(each: Stage) -> str:
        return each.name_with_pipeline if other_pipeline else each.name

    timeline_record(
        entity=deal,
        kind=TimelineEvent.Kind.STAGE_MOVED,
        actor=actor,
        at=now,
        payload={
            "from": {"id": from_stage.pk, "label": label(from_stage),
                     "semantics": from_stage.semantics},
            "to": {"id": stage.pk, "label": label(stage), "semantics": stage.semantics},
        },
    )  # fmt: skip
    _record_stage_entry(deal, from_stage=from_stage, actor=actor, at=now)
    return deal


@transaction.atomic
def deal_set_product_rows(
    *, deal: Deal, rows: Sequence[ProductRowInput], actor: AbstractBaseUser | None
) -> Deal:
    """Replace the deal's products; the amount becomes their total (discounts applied, other
    currencies converted at current rates). Journals the old and new amount; publishes
    DealUpdated with the field "product_rows" (and "amount" when it changed)."""
    deal = lock_for_update(deal)
    old_amount = deal.amount
    totals = product_rows_replace(owner=deal, currency=deal.currency, rows=list(rows))
    deal.amount, deal.tax_amount = totals.amount, totals.tax_amount
    deal.save(update_fields=["amount", "tax_amount", "updated_at"])
    timeline_record(
        entity=deal,
        kind=TimelineEvent.Kind.PRODUCTS_CHANGED,
        actor=actor,
        payload={"old_amount": str(old_amount), "new_amount": str(deal.amount), "rows": len(rows)},
    )
    changed = ("product_rows", "amount") if deal.amount != old_amount else ("product_rows",)
    publish_on_commit(
        DealUpdated(deal_id=deal.pk, actor_id=getattr(actor, "pk", None), fields=changed)
    )
    return deal


@transaction.atomic
def deal_delete(*, deal: Deal, actor: AbstractBaseUser | None) -> None:
    """Delete a deal with its product rows, stage history, timeline and the activities that
    concerned it alone. Publishes DealDeleted."""
    entity_history_delete(entity=deal)
    deal_id = deal.pk
    deal.delete()
    publish_on_commit(DealDeleted(deal_id=deal_id, actor_id=getattr(actor, "pk", None)))


@transaction.atomic
def deal_add_contact(
    *, deal: Deal, contact: Contact, actor: AbstractBaseUser | None, is_primary: bool = False
) -> DealContact:
    """Link a contact to a deal (after its other contacts; primary when asked for, or when the
    deal has no primary contact yet). Linking an already-linked contact changes nothing, unless
    `is_primary` asks to make it the primary one. Journals the change on the deal's timeline
    and publishes DealUpdated(fields=("contacts",)) when something changed."""
    deal = lock_for_update(deal)
    link, linked = _link_contact(deal, contact, actor, is_primary=is_primary)
    if linked:
        _publish_contacts_changed(deal, actor)
    return link


@transaction.atomic
def deal_remove_contact(*, deal: Deal, contact: Contact, actor: AbstractBaseUser | None) -> Deal:
    """Unlink a contact from a deal; when it was the primary one, the next contact becomes
    primary. Unlinking a contact that is not linked changes nothing. Journals the change and
    publishes DealUpdated(fields=("contacts",))."""
    deal = lock_for_update(deal)
    if _unlink_contact(deal, contact, actor):
        _publish_contacts_changed(deal, actor)
    return deal


@transaction.atomic
def deal_set_contacts(
    *, deal: Deal, contacts: Sequence[Contact], actor: AbstractBaseUser | None,
    primary: Contact | None = None, sorts: Sequence[int | None] | None = None,
) -> Deal:  # fmt: skip
    """The deal's contacts become exactly `contacts`: the others unlinked, the new ones linked
    (each journalled, as deal_remove_contact and deal_add_contact do, and one DealUpdated for
    them all), `primary` made the primary one; with `sorts` (one per contact, None: keep), the
    links take those sort values (the order alone, which the timeline does not journal)."""
    deal = lock_for_update(deal)
    kept = {contact.pk for contact in contacts}
    dropped = DealContact.objects.filter(deal=deal).exclude(contact_id__in=kept)
    changed = False
    for link in dropped.select_related("contact"):
        changed |= _unlink_contact(deal, link.contact, actor)
    for contact in contacts:
        is_primary = primary is not None and contact.pk == primary.pk
        changed |= _link_contact(deal, contact, actor, is_primary=is_primary)[1]
    if sorts is not None:
        links = {link.contact_id: link for link in DealContact.objects.filter(deal=deal)}
        for contact, sort in zip(contacts, sorts, strict=True):
            links[contact.pk].sort = sort or links[contact.pk].sort
        DealContact.objects.bulk_update(links.values(), ["sort"])
    if changed:
        _publish_contacts_changed(deal, actor)
    return deal


def _link_contact(
    deal: Deal, contact: Contact, actor, *, is_primary: bool
) -> tuple[DealContact, bool]:
    """deal_add_contact on the locked deal, without its event: the link, and whether the
    deal's contacts changed (a new link, journalled; making one primary is not journalled)."""
    links = DealContact.objects.filter(deal=deal)
    link = links.filter(contact=contact).first()
    has_primary = links.filter(is_primary=True).exists()
    if link is not None:
        if is_primary and not link.is_primary:
            links.filter(is_primary=True).update(is_primary=False)
            link.is_primary = True
            link.save(update_fields=["is_primary", "updated_at"])
        return link, False
    if is_primary and has_primary:
        links.filter(is_primary=True).update(is_primary=False)
    last_sort = max(links.values_list("sort", flat=True), default=0)
    link = DealContact.objects.create(
        deal=deal, contact=contact, is_primary=is_primary or not has_primary, sort=last_sort + 10
    )
    timeline_record_field_changes(
        entity=deal, changes=[FieldChange("contacts", None, _contact_label(contact))], actor=actor
    )
    return link, True


def _unlink_contact(deal: Deal, contact: Contact, actor) -> bool:
    """deal_remove_contact on the locked deal, without its event: whether it was linked."""
    link = DealContact.objects.filter(deal=deal, contact=contact).first()
    if link is None:
        return False
    link.delete()
    if link.is_primary:
        successor = DealContact.objects.filter(deal=deal).order_by("sort", "id").first()
        if successor is not None:
            successor.is_primary = True
            successor.save(update_fields=["is_primary", "updated_at"])
    timeline_record_field_changes(
        entity=deal, changes=[FieldChange("contacts", _contact_label(contact), None)], actor=actor
    )
    return True


def _publish_contacts_changed(deal: Deal, actor) -> None:
    publish_on_commit(
        DealUpdated(deal_id=deal.pk, actor_id=getattr(actor, "pk", None), fields=("contacts",))
    )


def _contact_label(contact: Contact) -> dict:
    """The contact as the timeline stores a related object (core.services.json_value)."""
    return {"id": contact.pk, "label": str(contact)}
