"""Fields of a deal that a system outside the CRM owns (a shop owns its order's currency and
the buyer's comment): the card shows them read-only, and deal_update refuses a person's
change of them; the owner's own sync (no actor) still writes them. Owners register a
function giving, for a deal, the fields they own."""

from collections.abc import Callable

from .models import Deal

_owners: list[Callable[[Deal], frozenset[str]]] = []


def field_owner(owner: Callable[[Deal], frozenset[str]]) -> Callable[[Deal], frozenset[str]]:
    """Register `owner` (a decorator)."""
    _owners.append(owner)
    return owner


def deal_owned_fields(deal: Deal) -> frozenset[str]:
    return frozenset().union(*(owner(deal) for owner in _owners))
