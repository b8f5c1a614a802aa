"""Writes for contacts, companies, their links, communications and requisites."""

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from activities.models import TimelineEvent
from activities.services import (
    entity_history_delete,
    timeline_record,
    timeline_record_field_changes,
)
from core.events import publish_on_commit
from core.services import FieldChange, json_value, lock_for_update, model_update

from .communications import normalize
from .events import CompanyDeleted, ContactDeleted
from .models import Communication, Company, CompanyRequisite, Contact, ContactCompany

CONTACT_FIELDS = [
    "honorific", "first_name", "middle_name", "last_name", "position", "birthdate",
    "contact_type", "address", "comments", "source", "responsible",
]  # fmt: skip
COMPANY_FIELDS = [
    "title", "company_type", "industry", "revenue", "currency", "employees",
    "address", "comments", "source", "responsible",
]  # fmt: skip
REQUISITE_FIELDS = [
    "kind", "full_name", "inn", "kpp", "ogrn", "legal_address", "postal_address",
    "bank_name", "bik", "settlement_account", "correspondent_account",
]  # fmt: skip


@dataclass(frozen=True)
class CommunicationInput:
    kind: str
    value: str
    label: str = Communication.Label.WORK


def communications_replace(
    *, owner: models.Model, items: list[CommunicationInput]
) -> list[Communication]:
    """Replace every phone / e-mail / website / messenger of a contact, company or lead.
    Repeated values are kept once. Raises ValidationError naming the item that is wrong."""
    owner_field = {owner.ENTITY_TYPE.value: owner}
    built, seen = [], set()
    for index, item in enumerate(items):
        try:
            normalized = normalize(item.kind, item.value)
        except ValidationError as error:
            raise ValidationError({f"communications[{index}]": error.messages}) from error
        if (item.kind, normalized) in seen:
            continue
        seen.add((item.kind, normalized))
        built.append(
            Communication(
                **owner_field,
                kind=item.kind,
                label=item.label,
                value=item.value.strip(),
                normalized_value=normalized,
            )
        )
    Communication.objects.filter(**owner_field).delete()
    return Communication.objects.bulk_create(built)


@transaction.atomic
def contact_create(
    *,
    actor: AbstractBaseUser | None,
    first_name: str = "",
    last_name: str = "",
    communications: list[CommunicationInput] = (),
    responsible: AbstractBaseUser | None = None,
    **fields,
) -> Contact:
    """A contact with its phones and e-mails. Needs a first or last name (ValidationError)."""
    if not (first_name.strip() or last_name.strip()):
        raise ValidationError({"last_name": _("Give the contact a first or last name.")})
    contact = Contact(
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        responsible=responsible or actor,
        created_by=actor,
        **fields,
    )
    contact.full_clean()
    contact.save()
    communications_replace(owner=contact, items=list(communications))
    timeline_record(entity=contact, kind=TimelineEvent.Kind.CREATED, actor=actor)
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, actor: AbstractBaseUser | None, data: dict) -> Contact:
    """Change a contact's fields; every change goes on its timeline."""
    # Compare with the stored row under a lock, not the caller's possibly changed copy.
    contact = lock_for_update(contact)
    changes = model_update(instance=contact, fields=CONTACT_FIELDS, data=data)
    timeline_record_field_changes(entity=contact, changes=changes, actor=actor)
    return contact


@transaction.atomic
def company_create(
    *,
    title: str,
    actor: AbstractBaseUser | None,
    communications: list[CommunicationInput] = (),
    responsible: AbstractBaseUser | None = None,
    **fields,
) -> Company:
    company = Company(
        title=title.strip(), responsible=responsible or actor, created_by=actor, **fields
    )
    company.full_clean()
    company.save()
    communications_replace(owner=company, items=list(communications))
    timeline_record(entity=company, kind=TimelineEvent.Kind.CREATED, actor=actor)
    return company


@transaction.atomic
def company_update(*, company: Company, actor: AbstractBaseUser | None, data: dict) -> Company:
    """Change a company's fields; every change goes on its timeline."""
    company = lock_for_update(company)
    changes = model_update(instance=company, fields=COMPANY_FIELDS, data=data)
    timeline_record_field_changes(entity=company, changes=changes, actor=actor)
    return company


@transaction.atomic
def contact_link_company(
    *,
    contact: Contact,
    company: Company,
    actor: AbstractBaseUser | None,
    position: str | None = None,
    is_decision_maker: bool | None = None,
) -> ContactCompany:
    """Put a contact into a company, or change their position or decision-maker flag there.

    A value left as None keeps what an existing link has (a new link gets no position and
    no decision-maker flag), so linking an already-linked pair changes nothing by accident.
    """
    given = {"position": position, "is_decision_maker": is_decision_maker}
    link, created = ContactCompany.objects.get_or_create(
        contact=contact,
        company=company,
        defaults={key: value for key, value in given.items() if value is not None},
    )
    if created:
        change = FieldChange("companies", None, json_value(company))
        timeline_record_field_changes(entity=contact, changes=[change], actor=actor)
    else:
        model_update(
            instance=link,
            fields=["position", "is_decision_maker"],
            data={key: value for key, value in given.items() if value is not None},
        )
    return link


@transaction.atomic
def company_requisite_create(
    *, company: Company, actor: AbstractBaseUser | None, **fields
) -> CompanyRequisite:
    """Legal details of a company; the INN and OGRN check digits are verified (ValidationError)."""
    requisite = CompanyRequisite(company=company, **fields)
    requisite.full_clean()
    requisite.save()
    return requisite


@transaction.atomic
def company_requisite_update(
    *, requisite: CompanyRequisite, actor: AbstractBaseUser | None, data: dict
) -> list[FieldChange]:
    return model_update(instance=requisite, fields=REQUISITE_FIELDS, data=data)


@transaction.atomic
def contact_delete(*, contact: Contact, actor: AbstractBaseUser | None) -> None:
    """Delete a contact with its phones, company links, timeline and the activities that
    concerned it alone. Its deals and leads stay, without it. Publishes ContactDeleted."""
    entity_history_delete(entity=contact)
    contact_id = contact.pk
    contact.delete()
    publish_on_commit(ContactDeleted(contact_id=contact_id, actor_id=getattr(actor, "pk", None)))


@transaction.atomic
def company_delete(*, company: Company, actor: AbstractBaseUser | None) -> None:
    """Delete a company with its requisites, phones, contact links, timeline and the activities
    that concerned it alone. Its contacts, deals and leads stay. Publishes CompanyDeleted."""
    entity_history_delete(entity=company)
    company_id = company.pk
    company.delete()
    publish_on_commit(CompanyDeleted(company_id=company_id, actor_id=getattr(actor, "pk", None)))
