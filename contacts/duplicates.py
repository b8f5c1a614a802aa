"""Which existing contacts, companies or leads a record duplicates: one with the same phone or
e-mail (compared as Communication.normalized_value) or, for companies, the same INN.

The one place that answers it, for the CSV import and whatever else needs it (duplicate
warnings, the shop intake, the duplicates page). A batch of records is looked up at once: one
query for the phones and e-mails, one more for INNs, however many records.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, QuerySet, Value

from core.models import EntityType

from .communications import normalize
from .models import Communication, CompanyRequisite
from .selectors import company_list, contact_list

INN = "inn"
# the entities whose phones and e-mails are Communication rows, by their owner field
MATCHED_BY_COMMUNICATIONS = {EntityType.CONTACT, EntityType.COMPANY, EntityType.LEAD}


@dataclass(frozen=True)
class Identity:
    """What a record is known by, normalised: (kind, value) pairs, kind "phone", "email" or
    "inn"."""

    keys: frozenset[tuple[str, str]] = frozenset()


def identity_of(
    *, phones: Iterable[str] = (), emails: Iterable[str] = (), inn: str = ""
) -> Identity:
    """The identity of values as people type them; what is not a phone or an e-mail is left
    out (it cannot match anything)."""
    keys = set()
    for kind, values in ((Communication.Kind.PHONE, phones), (Communication.Kind.EMAIL, emails)):
        for value in values:
            try:
                keys.add((kind.value, normalize(kind, value)))
            except ValidationError:
                continue
    if inn.strip():
        keys.add((INN, inn.strip()))
    return Identity(frozenset(keys))


def identity_of_communications(items: Iterable, *, inn: str = "") -> Identity:
    """The identity of the phones and e-mails a form gives (CommunicationInput items), and
    of a company's INN when it gives one."""
    items = list(items)
    return identity_of(
        phones=[item.value for item in items if item.kind == Communication.Kind.PHONE],
        emails=[item.value for item in items if item.kind == Communication.Kind.EMAIL],
        inn=inn,
    )


def duplicates_find(*, entity: str, identities: Sequence[Identity]) -> list[int | None]:
    """For each identity, the id of the oldest `entity` (contact, company or lead) that shares
    one of its keys, else None. Every record counts, whoever may see it: the caller decides
    what a user may do with a match."""
    keys = {key for identity in identities for key in identity.keys}
    if entity not in MATCHED_BY_COMMUNICATIONS or not keys:
        return [None] * len(identities)
    owner_of = _owners_by_communication(entity, keys)
    if entity == EntityType.COMPANY:
        owner_of |= _companies_by_inn({value for kind, value in keys if kind == INN})
    return [
        min((owner_of[key] for key in identity.keys if key in owner_of), default=None)
        for identity in identities
    ]


# of each kind of record a create form's warning names a few; the duplicates page lists all
DUPLICATES_SHOWN = 10


def duplicates_shown(*, entity: str, identity: Identity, candidates: QuerySet) -> list:
    """The first DUPLICATES_SHOWN of `candidates` sharing a key of `identity`, with their
    phones and e-mails (one more query): what a create form's warning names."""
    found = duplicates_among(entity=entity, identity=identity, candidates=candidates)
    return list(found.prefetch_related("communications")[:DUPLICATES_SHOWN])


def duplicates_among(*, entity: str, identity: Identity, candidates: QuerySet) -> QuerySet:
    """Of `candidates` (the contacts, companies or leads a user may see), those sharing a key of
    `identity`: what a create form warns about. One query, the matching being subqueries."""
    if entity not in MATCHED_BY_COMMUNICATIONS or not identity.keys:
        return candidates.none()
    owner = f"{entity}_id"
    by_communication = Communication.objects.filter(
        _communication_condition(identity.keys), **{f"{owner}__isnull": False}
    )
    condition = Q(pk__in=by_communication.values(owner))
    inns = {value for kind, value in identity.keys if kind == INN}
    if entity == EntityType.COMPANY and inns:
        condition |= Q(pk__in=CompanyRequisite.objects.filter(inn__in=inns).values("company_id"))
    return candidates.filter(condition)


@dataclass(frozen=True)
class DuplicateGroup:
    """Records of one entity sharing `value` (a normalised phone or e-mail, or an INN), oldest
    first."""

    kind: str
    value: str
    records: list


@dataclass(frozen=True)
class DuplicateGroupPage:
    groups: list[DuplicateGroup]
    number: int
    has_previous: bool
    has_next: bool


def duplicate_group_page(
    *, actor: AbstractBaseUser, entity: str, number: int, per_page: int = 25
) -> DuplicateGroupPage:
    """Page `number` of the groups of contacts (or companies) `actor` may see that share a
    phone, an e-mail (or, for companies, an INN), by kind and value. Grouped in the database;
    the page costs the same few queries however many groups or records there are."""
    visible = (company_list if entity == EntityType.COMPANY else contact_list)(actor=actor)
    owner = f"{entity}_id"
    groups = _groups_by_communication(owner, visible)
    if entity == EntityType.COMPANY:
        groups = groups.union(_groups_by_inn(visible), all=True)
    offset = (number - 1) * per_page
    rows = list(groups.order_by("group_kind", "group_value")[offset : offset + per_page + 1])
    members = _group_members(owner, visible, rows[:per_page])
    ids = {pk for owners in members.values() for pk in owners}
    records = visible.filter(pk__in=ids).prefetch_related("communications").in_bulk()
    return DuplicateGroupPage(
        groups=[
            DuplicateGroup(kind, value, [records[pk] for pk in sorted(members[kind, value])])
            for kind, value in rows[:per_page]
        ],
        number=number,
        has_previous=number > 1,
        has_next=len(rows) > per_page,
    )


def _groups_by_communication(owner: str, visible: QuerySet) -> QuerySet:
    return (
        Communication.objects.filter(
            kind__in=[Communication.Kind.PHONE, Communication.Kind.EMAIL],
            **{f"{owner}__in": visible.values("pk")},
        )
        .values(group_kind=F("kind"), group_value=F("normalized_value"))
        .annotate(size=Count(owner, distinct=True))
        .filter(size__gt=1)
        .values_list("group_kind", "group_value")
        .order_by()  # SQLite takes no ORDER BY inside a UNION
    )


def _groups_by_inn(visible: QuerySet) -> QuerySet:
    return (
        CompanyRequisite.objects.filter(company_id__in=visible.values("pk"))
        .exclude(inn="")
        .values(group_kind=Value(INN), group_value=F("inn"))
        .annotate(size=Count("company_id", distinct=True))
        .filter(size__gt=1)
        .values_list("group_kind", "group_value")
        .order_by()  # SQLite takes no ORDER BY inside a UNION
    )


def _group_members(owner: str, visible: QuerySet, keys: list[tuple]) -> dict[tuple, set[int]]:
    """(kind, value) -> the ids of the visible records in that group: two queries for a page
    of groups (ARRAY_AGG would save one, on PostgreSQL only)."""
    members: dict[tuple, set[int]] = {tuple(key): set() for key in keys}
    if not keys:
        return members
    shared = Communication.objects.filter(
        _communication_condition(keys), **{f"{owner}__in": visible.values("pk")}
    )
    for kind, value, pk in shared.values_list("kind", "normalized_value", owner):
        members[kind, value].add(pk)
    inns = {value for kind, value in keys if kind == INN}
    if inns:
        requisites = CompanyRequisite.objects.filter(
            inn__in=inns, company_id__in=visible.values("pk")
        )
        for inn, pk in requisites.values_list("inn", "company_id"):
            members[INN, inn].add(pk)
    return members


def _communication_condition(keys) -> Q:
    condition = Q(pk__in=[])
    for kind in (Communication.Kind.PHONE, Communication.Kind.EMAIL):
        values = {value for key_kind, value in keys if key_kind == kind}
        if values:
            condition |= Q(kind=kind, normalized_value__in=values)
    return condition


def _owners_by_communication(entity: str, keys: set[tuple[str, str]]) -> dict[tuple, int]:
    condition = _communication_condition(keys)
    owner = f"{entity}_id"
    found: dict[tuple, int] = {}
    rows = Communication.objects.filter(condition, **{f"{owner}__isnull": False})
    for kind, value, owner_id in rows.values_list("kind", "normalized_value", owner):
        found[kind, value] = min(owner_id, found.get((kind, value), owner_id))
    return found


def _companies_by_inn(inns: set[str]) -> dict[tuple, int]:
    found: dict[tuple, int] = {}
    if not inns:
        return found
    for inn, company_id in CompanyRequisite.objects.filter(inn__in=inns).values_list(
        "inn", "company_id"
    ):
        found[INN, inn] = min(company_id, found.get((INN, inn), company_id))
    return found
