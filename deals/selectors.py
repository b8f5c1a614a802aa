"""Reads of deals, always within what the actor may see (accounts.policy)."""

from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from accounts.models import PermissionAction, PermissionEntity
from accounts.policy import get_within, restrict, stages_visible
from activities.selectors import activity_next_planned
from core.board import BoardColumn, Cursor, board_columns, column_totals, keyset_page
from core.models import EntityType

from .models import Deal, DealContact, Pipeline, Stage

BOARD_PAGE = 20


def deal_list(*, actor: AbstractBaseUser) -> QuerySet[Deal]:
    """The deals `actor` may view, newest first, with what a list row shows joined in: a page
    of it costs the same few queries at any size."""
    deals = Deal.objects.select_related("pipeline", "stage", "currency", "responsible", "company")
    return restrict(deals.order_by("-created_at", "-id"), user=actor, entity=PermissionEntity.DEAL)


def deal_get(*, actor: AbstractBaseUser, deal_id: int, action: str = PermissionAction.VIEW) -> Deal:
    """The deal, if `actor` may `action` it; Deal.DoesNotExist otherwise, so that a deal out of
    reach looks like one that does not exist (views answer 404)."""
    deals = Deal.objects.select_related("pipeline", "stage", "currency", "responsible", "company")
    return get_within(deals, user=actor, entity=PermissionEntity.DEAL, pk=deal_id, action=action)


def deal_within(*, actor: AbstractBaseUser, deal_ids, action: str) -> QuerySet[Deal]:
    """The deals among `deal_ids` that `actor` may `action` (mass actions)."""
    deals = Deal.objects.filter(pk__in=deal_ids).select_related("stage", "pipeline")
    return restrict(deals.order_by("pk"), user=actor, entity=PermissionEntity.DEAL, action=action)


def deal_export_rows(*, actor: AbstractBaseUser, deals: QuerySet[Deal] | None = None) -> QuerySet:
    """The deals `actor` may export (of `deals`, a filtered list, if given), oldest first."""
    deals = Deal.objects.all() if deals is None else deals
    deals = deals.select_related("pipeline", "stage", "currency", "responsible", "company")
    return restrict(
        deals.order_by("id"),
        user=actor,
        entity=PermissionEntity.DEAL,
        action=PermissionAction.EXPORT,
    )


def deal_column_totals(deals: QuerySet[Deal]) -> dict[int, tuple[int, Decimal]]:
    """Count and sum in the base currency per stage, aggregated in the database."""
    return column_totals(deals, column="stage_id")


def deal_board(
    *, actor: AbstractBaseUser, pipeline: Pipeline, deals: QuerySet[Deal]
) -> list[BoardColumn]:
    """The kanban of `pipeline`: a column per stage the actor may see, each with its totals and
    its newest BOARD_PAGE cards. `deals` is deal_list(actor) with the board's filters.

    Costs 4 queries (stages, totals, primary contacts, next activities) plus one per stage,
    whatever the number of deals: each column reads its
    first page through the (stage, created_at, id) index."""
    columns = board_columns(
        deals.filter(pipeline=pipeline),
        groups=stages_visible(actor, pipeline.stages.order_by("sort")),
        group_field="stage",
        size=BOARD_PAGE,
    )
    deal_cards_decorate([card for column in columns for card in column.cards])
    return columns


def deal_board_cards(
    deals: QuerySet[Deal], *, stage: Stage, after: Cursor | None = None
) -> tuple[list[Deal], bool]:
    """A column's next page of cards, newest first, after the card (`created_at`, `id`) the
    column last showed (keyset paging through the (stage, created_at, id) index)."""
    return keyset_page(deals.filter(stage=stage), after=after, size=BOARD_PAGE)


def deal_cards_decorate(cards: list[Deal]) -> None:
    """Give each card what it shows beyond its own row: the client (company, else the primary
    contact) and the next planned activity. Two queries for any number of cards."""
    ids = [card.pk for card in cards]
    primary = {
        link.deal_id: link.contact
        for link in DealContact.objects.filter(deal_id__in=ids, is_primary=True).select_related(
            "contact"
        )
    }
    next_activities = activity_next_planned(entity_type=EntityType.DEAL, entity_ids=ids)
    for card in cards:
        contact = primary.get(card.pk)
        card.client_name = card.company.title if card.company else (str(contact) if contact else "")
        card.next_activity = next_activities.get(card.pk)
