"""Reads of leads, always within what the actor may see (accounts.policy)."""

from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from accounts.models import PermissionAction, PermissionEntity
from accounts.policy import get_within, restrict
from activities.selectors import activity_next_planned
from contacts.models import Company, Contact
from contacts.selectors import company_list, contact_list
from core.board import BoardColumn, Cursor, board_columns, column_totals, keyset_page
from core.models import EntityType

from .models import Lead, LeadStatus

BOARD_PAGE = 20


def lead_list(*, actor: AbstractBaseUser) -> QuerySet[Lead]:
    """The leads `actor` may view, newest first, with their status, source and responsible."""
    leads = Lead.objects.select_related("status", "source", "responsible", "currency")
    return restrict(leads.order_by("-created_at", "-id"), user=actor, entity=PermissionEntity.LEAD)


def lead_get(*, actor: AbstractBaseUser, lead_id: int, action: str = PermissionAction.VIEW) -> Lead:
    """The lead, if `actor` may `action` it; Lead.DoesNotExist otherwise (views answer 404),
    PermissionDenied when the actor sees it but may not `action` it (403)."""
    leads = Lead.objects.select_related(
        "status", "source", "campaign", "responsible", "currency", "contact", "company"
    )
    return get_within(leads, user=actor, entity=PermissionEntity.LEAD, pk=lead_id, action=action)


def lead_within(*, actor: AbstractBaseUser, lead_ids, action: str) -> QuerySet[Lead]:
    """The leads among `lead_ids` that `actor` may `action` (mass actions)."""
    leads = Lead.objects.filter(pk__in=lead_ids).select_related("status")
    return restrict(leads.order_by("pk"), user=actor, entity=PermissionEntity.LEAD, action=action)


def lead_export_rows(*, actor: AbstractBaseUser, leads: QuerySet[Lead] | None = None) -> QuerySet:
    """The leads `actor` may export (of `leads`, a filtered list, if given), oldest first."""
    leads = Lead.objects.all() if leads is None else leads
    leads = leads.select_related("status", "source", "campaign", "currency", "responsible")
    return restrict(
        leads.order_by("id"),
        user=actor,
        entity=PermissionEntity.LEAD,
        action=PermissionAction.EXPORT,
    )


def lead_deals(*, actor: AbstractBaseUser, lead: Lead) -> QuerySet:
    """The deals made from `lead` that `actor` may see (its card links to them). The caller
    has checked the lead is visible; a visible lead does not make its deals visible."""
    deals = lead.deals.order_by("created_at", "id")
    return restrict(deals, user=actor, entity=PermissionEntity.DEAL)


def lead_client(*, actor: AbstractBaseUser, lead: Lead) -> tuple[Contact | None, Company | None]:
    """The lead's contact and company, each only if `actor` may see it (None otherwise)."""
    contact = company = None
    if lead.contact_id is not None:
        contact = contact_list(actor=actor).filter(pk=lead.contact_id).first()
    if lead.company_id is not None:
        company = company_list(actor=actor).filter(pk=lead.company_id).first()
    return contact, company


def lead_column_totals(leads: QuerySet[Lead]) -> dict[int, tuple[int, Decimal]]:
    """Count and sum in the base currency per status, aggregated in the database."""
    return column_totals(leads, column="status_id")


def lead_board(*, leads: QuerySet[Lead]) -> list[BoardColumn]:
    """The lead kanban: a column per status (in-progress ones first, by sort; converted and
    junk as the final columns), each with its totals and its newest BOARD_PAGE cards. `leads`
    is lead_list(actor) with the board's filters.

    Costs 3 queries plus one per status, whatever the number of leads: each column reads its
    first page through the (status, created_at) index."""
    columns = board_columns(
        leads,
        groups=sorted(LeadStatus.objects.order_by("sort"), key=lambda status: status.is_final),
        group_field="status",
        size=BOARD_PAGE,
    )
    lead_cards_decorate([card for column in columns for card in column.cards])
    return columns


def lead_board_cards(
    leads: QuerySet[Lead], *, status: LeadStatus, after: Cursor | None = None
) -> tuple[list[Lead], bool]:
    """A column's next page of cards, newest first, after the card (`created_at`, `id`) the
    column last showed (keyset paging)."""
    return keyset_page(leads.filter(status=status), after=after, size=BOARD_PAGE)


def lead_cards_decorate(cards: list[Lead]) -> None:
    """Give each card its client line (the person's name and the company's, when given) and its next
    planned activity. One query for any number of cards."""
    next_activities = activity_next_planned(
        entity_type=EntityType.LEAD, entity_ids=[card.pk for card in cards]
    )
    for card in cards:
        card.client_name = " · ".join(part for part in (card.full_name, card.company_title) if part)
        card.next_activity = next_activities.get(card.pk)
