"""Fields of a deal that a system outside the CRM owns (a shop owns its order's currency and
the buyer's comment): the card shows them read-only, and deal_update refuses a person's
change of them; the owner's own sync (no actor) still writes them. Owners register the fields
they may own, with a function telling whether they own them for a given deal."""

from collections.abc import Callable, Iterable

from .models import Deal

_owners: list[tuple[frozenset[str], Callable[[Deal], bool]]] = []


def field_owner(fields: frozenset[str]):
    """Register the decorated `owns(deal) -> bool` as the owner of `fields` (a decorator)."""

    def register(owns: Callable[[Deal], bool]) -> Callable[[Deal], bool]:
        _owners.append((fields, owns))
        return owns

    return register


def deal_owned_fields(deal: Deal, *, among: Iterable[str] | None = None) -> frozenset[str]:
    """The deal's fields an outside system owns; with `among`, only those of them (an owner of
    none of them is not asked: a plain edit costs no query)."""
    wanted = None if among is None else frozenset(among)
    owned = frozenset()
    for fields, owns in _owners:
        asked = fields if wanted is None else fields & wanted
        if asked and owns(deal):
            owned |= asked
    return owned
