"""Reads of contacts and companies, always within what the actor may see (accounts.policy)."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import F, Prefetch, Q, QuerySet

from accounts.models import PermissionAction, PermissionEntity
from accounts.policy import get_within, restrict

from .models import Communication, Company, CompanyRequisite, Contact, ContactCompany


def contact_list(*, actor: AbstractBaseUser) -> QuerySet[Contact]:
    """The contacts `actor` may view, by name."""
    contacts = Contact.objects.select_related("responsible")
    return restrict(contacts, user=actor, entity=PermissionEntity.CONTACT)


def contact_get(
    *, actor: AbstractBaseUser, contact_id: int, action: str = PermissionAction.VIEW
) -> Contact:
    """The contact, if `actor` may `action` it; Contact.DoesNotExist otherwise."""
    return get_within(
        Contact.objects.all(),
        user=actor,
        entity=PermissionEntity.CONTACT,
        pk=contact_id,
        action=action,
    )


def company_list(*, actor: AbstractBaseUser) -> QuerySet[Company]:
    """The companies `actor` may view, by name."""
    companies = Company.objects.select_related("responsible")
    return restrict(companies, user=actor, entity=PermissionEntity.COMPANY)


def company_get(
    *, actor: AbstractBaseUser, company_id: int, action: str = PermissionAction.VIEW
) -> Company:
    """The company, if `actor` may `action` it; Company.DoesNotExist otherwise."""
    return get_within(
        Company.objects.all(),
        user=actor,
        entity=PermissionEntity.COMPANY,
        pk=company_id,
        action=action,
    )


def contact_within(*, actor: AbstractBaseUser, contact_ids, action: str) -> QuerySet[Contact]:
    """The contacts among `contact_ids` that `actor` may `action` (mass actions)."""
    contacts = Contact.objects.filter(pk__in=contact_ids).order_by("pk")
    return restrict(contacts, user=actor, entity=PermissionEntity.CONTACT, action=action)


def company_within(*, actor: AbstractBaseUser, company_ids, action: str) -> QuerySet[Company]:
    """The companies among `company_ids` that `actor` may `action` (mass actions)."""
    companies = Company.objects.filter(pk__in=company_ids).order_by("pk")
    return restrict(companies, user=actor, entity=PermissionEntity.COMPANY, action=action)


def contact_list_rows(*, actor: AbstractBaseUser) -> QuerySet[Contact]:
    """contact_list with what a list row shows beyond the contact (its phones and e-mails,
    its companies) fetched in two more queries, whatever the page size."""
    return contact_list(actor=actor).prefetch_related(
        _communications(), Prefetch("companies", queryset=Company.objects.order_by("title"))
    )


def company_list_rows(*, actor: AbstractBaseUser) -> QuerySet[Company]:
    """company_list with the phones and e-mails of each row, in one more query."""
    return company_list(actor=actor).prefetch_related(_communications())


def contact_export_rows(
    *, actor: AbstractBaseUser, contacts: QuerySet[Contact] | None = None
) -> QuerySet[Contact]:
    """The contacts `actor` may export (of `contacts`, a filtered list, if given), oldest
    first, with their phones, e-mails and companies."""
    contacts = Contact.objects.all() if contacts is None else contacts
    contacts = contacts.select_related("responsible", "source").prefetch_related(
        _communications(), Prefetch("companies", queryset=Company.objects.order_by("title"))
    )
    return restrict(
        contacts.order_by("id"),
        user=actor,
        entity=PermissionEntity.CONTACT,
        action=PermissionAction.EXPORT,
    )


def company_export_rows(
    *, actor: AbstractBaseUser, companies: QuerySet[Company] | None = None
) -> QuerySet[Company]:
    """The companies `actor` may export (of `companies`, a filtered list, if given), oldest
    first, with their phones and e-mails and their first requisites' INN."""
    companies = Company.objects.all() if companies is None else companies
    companies = companies.select_related("responsible", "source").prefetch_related(
        _communications(), Prefetch("requisites", queryset=CompanyRequisite.objects.order_by("id"))
    )
    return restrict(
        companies.order_by("id"),
        user=actor,
        entity=PermissionEntity.COMPANY,
        action=PermissionAction.EXPORT,
    )


def _communications() -> Prefetch:
    return Prefetch("communications", queryset=Communication.objects.order_by("kind", "id"))


def communication_search(queryset: QuerySet, text: str, *, owner: str) -> QuerySet:
    """Of `queryset` (contacts or companies), those with a phone or e-mail containing `text`.
    A phone is also found by its digits ("916 123" finds "+7 (916) 123-45-67")."""
    text = text.strip()
    condition = Q(value__icontains=text) | Q(normalized_value__icontains=text)
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) >= 3:
        condition |= Q(kind=Communication.Kind.PHONE, normalized_value__contains=digits)
    matching = Communication.objects.filter(condition, **{f"{owner}__isnull": False})
    return queryset.filter(pk__in=matching.values(owner))


def contact_search(*, actor: AbstractBaseUser, text: str, limit: int = 8) -> list[Contact]:
    """The contacts `actor` may see whose name, phone or e-mail contains `text`."""
    text = text.strip()
    if not text:
        return []
    contacts = contact_list(actor=actor)
    by_name = Q()
    for word in text.split():
        by_name &= (
            Q(last_name__icontains=word)
            | Q(first_name__icontains=word)
            | Q(middle_name__icontains=word)
        )
    by_communication = communication_search(Contact.objects.all(), text, owner="contact")
    found = contacts.filter(by_name | Q(pk__in=by_communication.values("pk")))
    return list(found.prefetch_related(_communications())[:limit])


def company_search(*, actor: AbstractBaseUser, text: str, limit: int = 8) -> list[Company]:
    """The companies `actor` may see whose name, phone, e-mail or INN contains `text`."""
    text = text.strip()
    if not text:
        return []
    by_communication = communication_search(Company.objects.all(), text, owner="company")
    found = company_list(actor=actor).filter(
        Q(title__icontains=text)
        | Q(requisites__inn__startswith=text)
        | Q(pk__in=by_communication.values("pk"))
    )
    return list(found.distinct().prefetch_related(_communications())[:limit])


def company_contact_links(*, actor: AbstractBaseUser, company: Company) -> QuerySet[ContactCompany]:
    """The company's contacts that `actor` may see, the decision makers first."""
    visible = contact_list(actor=actor).values("pk")
    return (
        ContactCompany.objects.filter(company=company, contact__in=visible)
        .select_related("contact")
        .prefetch_related(Prefetch("contact__communications", queryset=Communication.objects.all()))
        .order_by("-is_decision_maker", "sort", "contact__last_name", "id")
    )


def contact_company_links(*, actor: AbstractBaseUser, contact: Contact) -> QuerySet[ContactCompany]:
    """The companies of a contact that `actor` may see."""
    visible = company_list(actor=actor).values("pk")
    return (
        ContactCompany.objects.filter(contact=contact, company__in=visible)
        .select_related("company")
        .order_by("company__title", "id")
    )


def deal_client_contacts(*, actor: AbstractBaseUser, deal) -> QuerySet[Contact]:
    """The contacts linked to a deal that `actor` may see (the caller has checked the deal is
    visible; a visible deal does not make its contacts visible), the primary one first, each
    with `is_primary` and its phones and e-mails. One query (the visibility is a subquery),
    plus one for the phones and e-mails."""
    visible = contact_list(actor=actor).values("pk")
    return (
        Contact.objects.filter(deal_links__deal=deal, pk__in=visible)
        .annotate(is_primary=F("deal_links__is_primary"), link_sort=F("deal_links__sort"))
        .prefetch_related(_communications())
        .order_by("-is_primary", "link_sort", "id")
    )


def deal_client_company(*, actor: AbstractBaseUser, deal) -> Company | None:
    """The deal's company if `actor` may see it, None otherwise (also when it has none)."""
    if deal.company_id is None:
        return None
    return company_list(actor=actor).filter(pk=deal.company_id).first()
