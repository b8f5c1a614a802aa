"""How an imported row becomes an item, or changes the item it duplicates: through the owning
app's services, with the importing user as the actor, so every item gets its timeline row and
its events as if it were made by hand.

Contacts also have a batch form (contact_create_batch: a chunk in a fixed number of queries);
the other items are made one by one.
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from accounts.models import PermissionAction, PermissionEntity
from accounts.policy import grant_for
from contacts.models import Communication, Company, Contact
from contacts.selectors import company_list
from contacts.services import (
    CheckedContact,
    CommunicationInput,
    ContactInput,
    communications_replace,
    company_create,
    company_requisite_create,
    company_update,
    contact_check,
    contact_create,
    contact_create_batch,
    contact_link_company,
    contact_update,
)
from core.models import EntityType
from deals.models import Deal
from deals.services import deal_create
from leads.models import Lead
from leads.services import lead_create, lead_update

from .fields import heading_key
from .rows import RowDraft

CONTACT_FIELDS = ["last_name", "first_name", "middle_name", "position", "contact_type",
                  "birthdate", "source", "address", "comments"]  # fmt: skip
COMPANY_FIELDS = ["title", "company_type", "industry", "revenue", "employees", "source",
                  "address", "comments"]  # fmt: skip
LEAD_FIELDS = ["title", "amount", "last_name", "first_name", "middle_name", "company_title",
               "position", "source", "campaign", "address", "comments"]  # fmt: skip
DEAL_FIELDS = ["amount", "deal_type", "probability", "closes_on", "source", "comments"]


class ChunkCompanies:
    """The companies the rows of a chunk name, by title: those the actor may see, found in one
    query; a name none of them has becomes a new company (when the actor may add companies)."""

    def __init__(self, actor: AbstractBaseUser, drafts: Sequence[RowDraft]):
        self.actor = actor
        names = {name for draft in drafts for name in draft.values.get("companies", ())}
        names |= {name for draft in drafts for name in draft.values.get("company", ())}
        found = company_list(actor=actor).filter(title__in=names).order_by("-pk") if names else []
        self.by_title = {heading_key(company.title): company for company in found}

    def get(self, name: str) -> Company:
        company = self.by_title.get(heading_key(name))
        if company is None:
            grant = grant_for(self.actor, PermissionEntity.COMPANY, PermissionAction.ADD)
            if grant.is_nothing:
                raise ValidationError(_("There is no company “%(name)s”.") % {"name": name})
            company = company_create(title=name, actor=self.actor)
            self.by_title[heading_key(name)] = company
        return company

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """A savepoint; the companies made within it are forgotten when it rolls back."""
        known = dict(self.by_title)
        try:
            with transaction.atomic():
                yield
        except BaseException:
            self.by_title = known
            raise


@dataclass(frozen=True)
class Writer:
    """What importing one entity takes: the model, its permission entity, how one row is
    created or applied to the item it duplicates, and optionally a batch form (with the check
    that tells in advance which rows the batch would refuse)."""

    model: type[models.Model]
    create: Callable  # (draft, actor, companies) -> item
    update: Callable | None  # (item, draft, actor, companies) -> None
    batch_check: Callable | None = None  # (draft, actor) -> checked item, or ValidationError
    batch_create: Callable | None = None  # (drafts, checked items, actor, companies) -> items


def _picked(draft: RowDraft, names: list[str]) -> dict:
    return {name: draft.values[name] for name in names if name in draft.values}


def _communications(draft: RowDraft) -> list[CommunicationInput]:
    return [
        *(CommunicationInput(Communication.Kind.PHONE, phone) for phone in draft.values.get("phones", ())),
        *(CommunicationInput(Communication.Kind.EMAIL, email) for email in draft.values.get("emails", ())),
    ]  # fmt: skip


def _communications_add(owner: models.Model, draft: RowDraft) -> None:
    """Give the item the row's phones and e-mails it lacks (it keeps those it has)."""
    new = _communications(draft)
    if new:
        kept = [CommunicationInput(each.kind, each.value, each.label)
                for each in owner.communications.all()]  # fmt: skip
        communications_replace(owner=owner, items=kept + new)


def _responsible(draft: RowDraft) -> dict:
    return _picked(draft, ["responsible"])


# contacts


def _contact_input(draft: RowDraft) -> ContactInput:
    return ContactInput(
        fields=_picked(draft, CONTACT_FIELDS),
        communications=_communications(draft),
        responsible=draft.values.get("responsible"),
    )


def _contact_link_companies(contact: Contact, draft: RowDraft, actor, companies) -> None:
    for name in draft.values.get("companies", ()):
        contact_link_company(contact=contact, company=companies.get(name), actor=actor)


def _contact_create(draft: RowDraft, actor, companies: ChunkCompanies) -> Contact:
    item = _contact_input(draft)
    contact = contact_create(
        actor=actor, communications=item.communications, responsible=item.responsible,
        **item.fields,
    )  # fmt: skip
    _contact_link_companies(contact, draft, actor, companies)
    return contact


def _contact_batch_create(
    drafts: Sequence[RowDraft], checked: Sequence[CheckedContact], actor, companies
) -> list[Contact]:
    contacts = contact_create_batch(checked=checked, actor=actor)
    for contact, draft in zip(contacts, drafts, strict=True):
        _contact_link_companies(contact, draft, actor, companies)
    return contacts


def _contact_update(contact: Contact, draft: RowDraft, actor, companies) -> None:
    contact_update(
        contact=contact, actor=actor, data=_picked(draft, CONTACT_FIELDS) | _responsible(draft)
    )
    _communications_add(contact, draft)
    _contact_link_companies(contact, draft, actor, companies)


# companies


def _company_create(draft: RowDraft, actor, companies) -> Company:
    fields = _picked(draft, COMPANY_FIELDS)
    return company_create(
        title=fields.pop("title", ""), actor=actor, communications=_communications(draft),
        responsible=draft.values.get("responsible"), inn=draft.values.get("inn", ""), **fields,
    )  # fmt: skip


def _company_update(company: Company, draft: RowDraft, actor, companies) -> None:
    company_update(
        company=company, actor=actor, data=_picked(draft, COMPANY_FIELDS) | _responsible(draft)
    )
    _communications_add(company, draft)
    inn = draft.values.get("inn")
    if inn and not company.requisites.filter(inn=inn).exists():
        company_requisite_create(company=company, actor=actor, inn=inn)


# leads


def _lead_create(draft: RowDraft, actor, companies) -> Lead:
    fields = _picked(draft, LEAD_FIELDS)
    return lead_create(
        title=fields.pop("title", ""), actor=actor, status=draft.values.get("status"),
        currency=draft.values.get("currency"), responsible=draft.values.get("responsible"),
        communications=_communications(draft), **fields,
    )  # fmt: skip


def _lead_update(lead: Lead, draft: RowDraft, actor, companies) -> None:
    lead_update(lead=lead, actor=actor, data=_picked(draft, LEAD_FIELDS) | _responsible(draft))
    _communications_add(lead, draft)


# deals


def _deal_create(draft: RowDraft, actor, companies: ChunkCompanies) -> Deal:
    names = draft.values.get("company", ())
    return deal_create(
        title=draft.values.get("title", ""), actor=actor, pipeline=draft.values.get("pipeline"),
        stage=draft.values.get("stage"), currency=draft.values.get("currency"),
        responsible=draft.values.get("responsible"),
        company=companies.get(names[0]) if names else None, **_picked(draft, DEAL_FIELDS),
    )  # fmt: skip


WRITERS = {
    EntityType.CONTACT: Writer(
        model=Contact, create=_contact_create, update=_contact_update,
        batch_check=lambda draft, actor: contact_check(item=_contact_input(draft), actor=actor),
        batch_create=_contact_batch_create,
    ),
    EntityType.COMPANY: Writer(model=Company, create=_company_create, update=_company_update),
    EntityType.LEAD: Writer(model=Lead, create=_lead_create, update=_lead_update),
    # a deal has no phone, e-mail or INN to be recognised by: every row is a new deal
    EntityType.DEAL: Writer(model=Deal, create=_deal_create, update=None),
}  # fmt: skip
