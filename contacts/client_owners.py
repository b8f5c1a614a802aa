"""The items that carry a client block on their card (deals and leads), and how each one
reads and changes its client. The client views and the block's template tag work through
these, so the block behaves alike on both cards.

A deal has one company and several contacts (the first one primary); a lead has at most one
of each, so attaching a contact to a lead replaces the one it had.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser

from accounts.models import PermissionAction
from deals.selectors import deal_get
from deals.services import deal_add_contact, deal_remove_contact, deal_update
from leads.selectors import lead_client, lead_get
from leads.services import lead_update

from .models import Company, Contact
from .selectors import deal_client_company, deal_client_contacts


@dataclass(frozen=True)
class ClientOwner:
    # (actor, pk) -> the item if actor may edit it; DoesNotExist / PermissionDenied otherwise
    get_editable: Callable
    client: Callable  # (actor, item) -> (visible company or None, visible contacts)
    set_company: Callable  # (item, company or None, actor)
    add_contact: Callable  # (item, contact, actor)
    remove_contact: Callable  # (item, contact_id, actor): a contact not linked is ignored


def _deal_client(actor: AbstractBaseUser, deal) -> tuple[Company | None, list[Contact]]:
    return (
        deal_client_company(actor=actor, deal=deal),
        list(deal_client_contacts(actor=actor, deal=deal)),
    )


def _deal_remove_contact(deal, contact_id: int, actor: AbstractBaseUser) -> None:
    contact = Contact.objects.filter(pk=contact_id, deal_links__deal=deal).first()
    if contact is not None:
        deal_remove_contact(deal=deal, contact=contact, actor=actor)


def _lead_client(actor: AbstractBaseUser, lead) -> tuple[Company | None, list[Contact]]:
    contact, company = lead_client(actor=actor, lead=lead)
    return company, [contact] if contact is not None else []


def _lead_remove_contact(lead, contact_id: int, actor: AbstractBaseUser) -> None:
    if lead.contact_id == contact_id:
        lead_update(lead=lead, actor=actor, data={"contact": None})


OWNERS = {
    "deal": ClientOwner(
        get_editable=lambda actor, pk: deal_get(
            actor=actor, deal_id=pk, action=PermissionAction.EDIT
        ),
        client=_deal_client,
        set_company=lambda deal, company, actor: deal_update(
            deal=deal, actor=actor, data={"company": company}
        ),
        add_contact=lambda deal, contact, actor: deal_add_contact(
            deal=deal, contact=contact, actor=actor
        ),
        remove_contact=_deal_remove_contact,
    ),
    "lead": ClientOwner(
        get_editable=lambda actor, pk: lead_get(
            actor=actor, lead_id=pk, action=PermissionAction.EDIT
        ),
        client=_lead_client,
        set_company=lambda lead, company, actor: lead_update(
            lead=lead, actor=actor, data={"company": company}
        ),
        add_contact=lambda lead, contact, actor: lead_update(
            lead=lead, actor=actor, data={"contact": contact}
        ),
        remove_contact=_lead_remove_contact,
    ),
}


def client_of(actor: AbstractBaseUser, item) -> tuple[Company | None, list[Contact]]:
    """The visible company and contacts of a deal or a lead (the caller has checked the item
    is visible; a visible item does not make its client visible)."""
    return OWNERS[item._meta.model_name].client(actor, item)
