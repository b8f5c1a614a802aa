"""A small picture of an item for a webhook body, read by id when the delivery is queued.

Only primitives: ids, names, the amount as a decimal string with its currency code.
"""

from collections.abc import Callable

from activities.models import Activity
from contacts.models import Company, Contact
from deals.models import Deal
from leads.models import Lead


def _money(amount) -> str | None:
    return None if amount is None else str(amount)


def deal_snapshot(deal_id: int) -> dict | None:
    deal = Deal.objects.filter(pk=deal_id).first()
    if deal is None:
        return None
    return {
        "id": deal.pk,
        "title": deal.title,
        "responsible_id": deal.responsible_id,
        "pipeline_id": deal.pipeline_id,
        "stage_id": deal.stage_id,
        "amount": _money(deal.amount),
        "currency": deal.currency_id,
    }


def lead_snapshot(lead_id: int) -> dict | None:
    lead = Lead.objects.filter(pk=lead_id).first()
    if lead is None:
        return None
    return {
        "id": lead.pk,
        "title": lead.title,
        "responsible_id": lead.responsible_id,
        "status_id": lead.status_id,
        "amount": _money(lead.amount),
        "currency": lead.currency_id,
    }


def contact_snapshot(contact_id: int) -> dict | None:
    contact = Contact.objects.filter(pk=contact_id).first()
    if contact is None:
        return None
    return {"id": contact.pk, "name": contact.full_name, "responsible_id": contact.responsible_id}


def company_snapshot(company_id: int) -> dict | None:
    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        return None
    return {
        "id": company.pk,
        "title": company.title,
        "responsible_id": company.responsible_id,
        "revenue": _money(company.revenue),
        "currency": company.currency_id,
    }


def activity_snapshot(activity_id: int) -> dict | None:
    activity = Activity.objects.filter(pk=activity_id).first()
    if activity is None:
        return None
    return {
        "id": activity.pk,
        "subject": activity.subject,
        "kind": activity.kind,
        "status": activity.status,
        "responsible_id": activity.responsible_id,
    }


SNAPSHOTS: dict[str, Callable[[int], dict | None]] = {
    "deal": deal_snapshot,
    "lead": lead_snapshot,
    "contact": contact_snapshot,
    "company": company_snapshot,
    "activity": activity_snapshot,
}
