"""What the deal card's client block reads (the block is included by the deal card, whose
view knows nothing of contacts). A visible deal does not make its client visible: the block
shows only the contacts and the company the user may see themselves."""

from django import template

from contacts.selectors import deal_client_company as client_company_of
from contacts.selectors import deal_client_contacts as client_contacts_of

register = template.Library()


@register.simple_tag(takes_context=True)
def deal_client_contacts(context, deal) -> list:
    """The deal's contacts the requesting user may see, the primary one first (the deal card
    has checked the deal is visible)."""
    return list(client_contacts_of(actor=context["request"].user, deal=deal))


@register.simple_tag(takes_context=True)
def deal_client_company(context, deal):
    """The deal's company if the requesting user may see it, None otherwise."""
    return client_company_of(actor=context["request"].user, deal=deal)
