"""Reads of contacts and companies, always within what the actor may see (accounts.policy)."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from accounts.models import PermissionAction, PermissionEntity
from accounts.policy import get_within, restrict

from .models import Company, Contact


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
