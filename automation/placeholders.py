"""Placeholders that robot texts (task subjects, comments, e-mails, SMS) may use, such as
"{title}" or "{contact_name}", filled in from the item when the robot runs. An unknown
placeholder stays as written, so a typo shows in the result instead of failing the run."""

import re

from core.models import EntityType
from core.urls import entity_url

from .items import deal_contacts

PATTERN = re.compile(r"\{(\w+)\}")


def placeholder_values(item, entity_type: str) -> dict[str, str]:
    if entity_type == EntityType.DEAL:
        place = item.stage
        contacts = deal_contacts(item)
        contact_name = str(contacts[0]) if contacts else ""
        company = str(item.company or "")
    else:
        place = item.status
        contact_name = (
            str(item.contact)
            if item.contact_id
            else " ".join(part for part in (item.first_name, item.last_name) if part)
        )
        company = str(item.company or item.company_title or "")
    return {
        "title": item.title,
        "amount": f"{item.amount} {item.currency.code}",
        "stage": place.name,
        "responsible": str(item.responsible or ""),
        "contact_name": contact_name,
        "company": company,
        "id": str(item.pk),
        "url": entity_url(item),
    }


def placeholders_fill(text: str, item, entity_type: str) -> str:
    """`text` with each known {placeholder} replaced by the item's value."""
    if "{" not in text:
        return text
    values = placeholder_values(item, entity_type)
    return PATTERN.sub(lambda match: values.get(match.group(1), match.group(0)), text)
