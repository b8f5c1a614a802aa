"""What the client block of the deal and lead cards reads (the block is included by cards
whose views know nothing of contacts). A visible item does not make its client visible: the
block shows only the contacts and the company the user may see themselves."""

from django import template

from contacts.client_owners import client_of

register = template.Library()


@register.simple_tag(takes_context=True)
def client_block_of(context, item) -> dict:
    """The item's type (for the block's URLs), its visible company and contacts (a deal's
    primary contact first)."""
    company, contacts = client_of(context["request"].user, item)
    return {"entity_type": item._meta.model_name, "company": company, "contacts": contacts}
