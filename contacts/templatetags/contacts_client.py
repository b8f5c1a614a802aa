"""What the deal card's client block reads (the block is included by the deal card, whose
view knows nothing of contacts)."""

from django import template

from contacts.selectors import deal_client_contacts as client_contacts_of

register = template.Library()


@register.simple_tag
def deal_client_contacts(deal) -> list:
    """The deal's contacts, the primary one first (the deal card has checked the deal is
    visible)."""
    return list(client_contacts_of(deal=deal))
