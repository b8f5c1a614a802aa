"""Writes for leads: creation, status changes, products and conversion."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from activities.models import Notification, TimelineEvent
from activities.services import (
    entity_history_delete,
    notification_send,
    timeline_record,
    timeline_record_field_changes,
)
from catalog.models import Currency
from catalog.services import (
    ProductRowInput,
    currency_base,
    product_rows_as_input,
    product_rows_replace,
)
from contacts.models import Company, Contact
from contacts.services import (
    CommunicationInput,
    communications_replace,
    company_create,
    contact_create,
    contact_link_company,
    merge_fill_empty_fields,
    merge_journal,
    merge_lock,
    merge_move_communications,
    merge_move_history,
    merge_move_shares,
)
from core.errors import ApplicationError
from core.events import publish_on_commit
from core.services import FieldChange, lock_for_update, model_update
from core.urls import entity_url
from deals.models import Deal, Pipeline
from deals.services import deal_create

from .events import LeadConverted, LeadCreated, LeadDeleted, LeadStatusChanged, LeadUpdated
from .models import Campaign, Lead, LeadStatus, Source

LEAD_FIELDS = [
    "title", "honorific", "first_name", "middle_name", "last_name", "company_title", "position",
    "address", "comments", "amount", "source", "source_description", "campaign", "responsible",
    "is_open_to_all", "utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term",
    "contact", "company",
]  # fmt: skip


def lead_status_first() -> LeadStatus:
    """Where new leads start: the status with the lowest sort, which must be in progress."""
    status = LeadStatus.objects.order_by("sort").first()
    if status is None or status.semantics != LeadStatus.Semantics.IN_PROGRESS:
        raise ApplicationError(
            _("The first lead status must exist and be an in-progress status."),
            code="no_lead_status",
        )
    return status


def lead_status_converted() -> LeadStatus:
    status = LeadStatus.objects.filter(semantics=LeadStatus.Semantics.CONVERTED).first()
    if status is None:
        raise ApplicationError(_("No lead status means 'converted'."), code="no_converted_status")
    return status


@transaction.atomic
def lead_create(
    *,
    title: str,
    actor: AbstractBaseUser | None,
    status: LeadStatus | None = None,
    currency: Currency | None = None,
    responsible: AbstractBaseUser | None = None,
    communications: Sequence[CommunicationInput] = (),
    product_rows: Sequence[ProductRowInput] = (),
    **fields,
) -> Lead:
    """A lead in its first status (or `status`, which may not be a final one). The
    responsible, when somebody else, is notified. Publishes LeadCreated."""
    status = status or lead_status_first()
    if status.is_final:
        raise ApplicationError(_("A new lead cannot start in a final status."), code="final_status")
    now = timezone.now()
    lead = Lead(
        title=title.strip(),
        status=status,
        status_changed_at=now,
        currency=currency or currency_base(),
        responsible=responsible if responsible is not None else actor,
        created_by=actor,
        **fields,
    )
    lead.full_clean()
    lead.save()
    communications_replace(owner=lead, items=list(communications))
    if product_rows:
        totals = product_rows_replace(owner=lead, currency=lead.currency, rows=list(product_rows))
        lead.amount = totals.amount
        lead.save(update_fields=["amount"])
    timeline_record(entity=lead, kind=TimelineEvent.Kind.CREATED, actor=actor, at=now)
    if lead.responsible_id and lead.responsible_id != getattr(actor, "pk", None):
        notification_send(
            recipient=lead.responsible,
            kind=Notification.Kind.LEAD_ASSIGNED,
            title=gettext_noop("New lead assigned to you: %(title)s"),
            params={"title": lead.title},
            url=entity_url(lead),
        )
    publish_on_commit(LeadCreated(lead_id=lead.pk, actor_id=getattr(actor, "pk", None)))
    return lead


def _refuse_if_converted(lead: Lead) -> None:
    if lead.status.semantics == LeadStatus.Semantics.CONVERTED:
        raise ApplicationError(_("This lead is already converted."), code="already_converted")


@transaction.atomic
def lead_update(*, lead: Lead, actor: AbstractBaseUser | None, data: dict) -> Lead:
    """Change a lead's fields and journal the changes. A converted lead is read-only; the
    amount of a lead with products is their total (ApplicationError)."""
    # Check the stored status under a lock, not the caller's copy, which may predate a conversion.
    lead = lock_for_update(lead)
    _refuse_if_converted(lead)
    if "amount" in data and data["amount"] != lead.amount and lead.product_rows.exists():
        raise ApplicationError(
            _("The amount of a lead with products is the total of its products."),
            code="amount_from_rows",
        )
    changes = model_update(instance=lead, fields=LEAD_FIELDS, data=data)
    timeline_record_field_changes(entity=lead, changes=changes, actor=actor)
    if changes:
        publish_on_commit(
            LeadUpdated(
                lead_id=lead.pk,
                actor_id=getattr(actor, "pk", None),
                fields=tuple(change.field for change in changes),
            )
        )
    return lead


@transaction.atomic
def lead_set_status(
    *, lead: Lead, status: LeadStatus, actor: AbstractBaseUser | None, comment: str = ""
) -> Lead:
    """Move a lead to another status (junk needs no conversion; "converted" is reached only by
    converting). Publishes LeadStatusChanged."""
    lead = lock_for_update(lead)
    _refuse_if_converted(lead)
    if status.semantics == LeadStatus.Semantics.CONVERTED:
        raise ApplicationError(
            _("Convert the lead to give it the converted status."), code="use_convert"
        )
    if status.pk == lead.status_id:
        return lead
    from_status = lead.status
    lead.status, lead.status_comment, lead.status_changed_at = status, comment, timezone.now()
    lead.save(update_fields=["status", "status_comment", "status_changed_at", "updated_at"])
    timeline_record(
        entity=lead,
        kind=TimelineEvent.Kind.STATUS_CHANGED,
        actor=actor,
        payload={
            "from": {"id": from_status.pk, "label": from_status.name},
            "to": {"id": status.pk, "label": status.name},
            "comment": comment,
        },
    )
    publish_on_commit(
        LeadStatusChanged(
            lead_id=lead.pk,
            from_status_id=from_status.pk,
            to_status_id=status.pk,
            actor_id=getattr(actor, "pk", None),
        )
    )
    return lead


@transaction.atomic
def lead_set_product_rows(
    *, lead: Lead, rows: Sequence[ProductRowInput], actor: AbstractBaseUser | None
) -> Lead:
    lead = lock_for_update(lead)
    _refuse_if_converted(lead)
    old_amount = lead.amount
    lead.amount = product_rows_replace(owner=lead, currency=lead.currency, rows=list(rows)).amount
    lead.save(update_fields=["amount", "updated_at"])
    timeline_record(
        entity=lead,
        kind=TimelineEvent.Kind.PRODUCTS_CHANGED,
        actor=actor,
        payload={"old_amount": str(old_amount), "new_amount": str(lead.amount), "rows": len(rows)},
    )
    return lead


@dataclass
class Conversion:
    """What to make of a lead. Each target is an existing object, True to create one from the
    lead's data (with `*_fields` overriding or adding fields), or None to skip it."""

    contact: Contact | bool | None = None
    company: Company | bool | None = None
    deal: bool = False
    pipeline: Pipeline | None = None
    contact_fields: dict = field(default_factory=dict)
    company_fields: dict = field(default_factory=dict)
    deal_fields: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ConversionResult:
    lead: Lead
    contact: Contact | None
    company: Company | None
    deal: Deal | None


def _lead_communications(lead: Lead) -> list[CommunicationInput]:
    return [
        CommunicationInput(kind=c.kind, value=c.value, label=c.label)
        for c in lead.communications.all()
    ]


def _refuse_missing_names(conversion: Conversion, *, company_fields: dict, contact_fields: dict):
    """Name every missing field at once (the dialog asks for them together)."""
    missing = {}
    if conversion.company is True and not company_fields.get("title"):
        missing["company.title"] = _("Give the company a name.")
    if conversion.contact is True and not (
        contact_fields.get("first_name") or contact_fields.get("last_name")
    ):
        missing["contact.last_name"] = _("Give the contact a first or last name.")
    if missing:
        raise ValidationError(missing)


@transaction.atomic
def lead_convert(
    *, lead: Lead, conversion: Conversion, actor: AbstractBaseUser | None
) -> ConversionResult:
    """Turn a lead into any combination of contact, company and deal.

    The lead is locked, so two conversions of one lead cannot both succeed. Raises
    ApplicationError when the lead is converted already, is junk, or nothing was chosen;
    ValidationError naming the missing fields (e.g. the contact's name) so the dialog can ask.
    The lead gets the converted status; everything created is journalled. Publishes
    LeadConverted.
    """
    lead = lock_for_update(lead)
    _refuse_if_converted(lead)
    if lead.status.semantics == LeadStatus.Semantics.JUNK:
        raise ApplicationError(_("Return a junk lead to work before converting it."), code="junk")
    if not (conversion.contact or conversion.company or conversion.deal):
        raise ApplicationError(_("Choose what to create from the lead."), code="nothing_chosen")
    communications = _lead_communications(lead)
    responsible = lead.responsible or actor
    common = {"actor": actor, "responsible": responsible, "source": lead.source}

    company_fields = {"title": lead.company_title, "address": lead.address} | (
        conversion.company_fields
    )
    contact_fields = {
        "honorific": lead.honorific, "first_name": lead.first_name,
        "middle_name": lead.middle_name, "last_name": lead.last_name,
        "position": lead.position, "address": lead.address,
    } | conversion.contact_fields  # fmt: skip
    _refuse_missing_names(conversion, company_fields=company_fields, contact_fields=contact_fields)

    company = conversion.company if isinstance(conversion.company, Company) else None
    if conversion.company is True:
        company = company_create(
            **common, communications=[] if conversion.contact else communications, **company_fields
        )
    contact = conversion.contact if isinstance(conversion.contact, Contact) else None
    if conversion.contact is True:
        contact = contact_create(**common, communications=communications, **contact_fields)
    if contact and company:
        # a contact made from the lead brings its position; an existing link keeps its own
        position = contact.position if conversion.contact is True else None
        contact_link_company(contact=contact, company=company, actor=actor, position=position)

    deal = None
    if conversion.deal:
        rows = product_rows_as_input(owner=lead)
        deal_fields = {
            "title": lead.title, "comments": lead.comments, "amount": lead.amount,
            "source_description": lead.source_description, "campaign": lead.campaign,
        } | conversion.deal_fields  # fmt: skip
        deal = deal_create(
            **common,
            pipeline=conversion.pipeline,
            currency=lead.currency,
            company=company,
            contacts=[contact] if contact else [],
            lead=lead,
            product_rows=rows,
            **deal_fields,
        )

    now = timezone.now()
    lead.status = lead_status_converted()
    lead.status_changed_at = lead.converted_at = now
    lead.contact = contact or lead.contact
    lead.company = company or lead.company
    lead.save(
        update_fields=[
            "status",
            "status_changed_at",
            "converted_at",
            "contact",
            "company",
            "updated_at",
        ]
    )
    created = {
        name: {"id": obj.pk, "label": str(obj)}
        for name, obj in (("contact", contact), ("company", company), ("deal", deal))
        if obj is not None
    }
    timeline_record(
        entity=lead, kind=TimelineEvent.Kind.CONVERTED, actor=actor, at=now, payload=created
    )
    for obj in (contact, company, deal):
        if obj is not None:
            timeline_record(
                entity=obj,
                kind=TimelineEvent.Kind.CONVERTED,
                actor=actor,
                at=now,
                payload={"lead": {"id": lead.pk, "label": lead.title}},
            )
    publish_on_commit(
        LeadConverted(
            lead_id=lead.pk,
            contact_id=contact.pk if contact else None,
            company_id=company.pk if company else None,
            deal_id=deal.pk if deal else None,
            actor_id=getattr(actor, "pk", None),
        )
    )
    return ConversionResult(lead=lead, contact=contact, company=company, deal=deal)


@transaction.atomic
def lead_delete(*, lead: Lead, actor: AbstractBaseUser | None) -> None:
    """Delete a lead with its phones, products, timeline and the activities that concerned it
    alone. Deals made from it stay. Publishes LeadDeleted."""
    entity_history_delete(entity=lead)
    lead_id = lead.pk
    lead.delete()
    publish_on_commit(LeadDeleted(lead_id=lead_id, actor_id=getattr(actor, "pk", None)))


# the lead's own fields a merge fills when the target has them empty, and its client links
LEAD_MERGE_FIELDS = [name for name in LEAD_FIELDS if name not in ("amount", "is_open_to_all")]


@transaction.atomic
def lead_merge(*, target: Lead, duplicates: Sequence[Lead], actor: AbstractBaseUser | None) -> Lead:
    """Merge duplicate leads into `target`: their product rows (converted into the target's
    currency; the amount follows the rows), deals made from them, activities, timeline, shares
    and the phones and e-mails the target lacks move to it, its empty fields (the client links
    too) are filled from them, the merge is journalled on its timeline, and the duplicates are
    deleted by lead_delete (which publishes LeadDeleted for each). The rows are locked in key
    order. Raises ApplicationError when the target is converted (read-only), ValidationError
    for no duplicates or the target among them. The caller checks the rights."""
    target, duplicates = merge_lock(Lead, target=target, duplicates=duplicates)
    _refuse_if_converted(target)
    duplicate_rows = [
        row for duplicate in duplicates for row in product_rows_as_input(owner=duplicate)
    ]
    if duplicate_rows:
        rows = product_rows_as_input(owner=target) + duplicate_rows
        target.amount = product_rows_replace(
            owner=target, currency=target.currency, rows=rows
        ).amount
        target.save(update_fields=["amount", "updated_at"])
    for duplicate in duplicates:
        Deal.objects.filter(lead=duplicate).update(lead=target)
        merge_move_communications(source=duplicate, target=target)
        merge_move_history(source=duplicate, target=target)
        merge_move_shares(source=duplicate, target=target)
    changes = merge_fill_empty_fields(
        target=target, duplicates=duplicates, fields=LEAD_MERGE_FIELDS
    )
    merge_journal(target=target, duplicates=duplicates, changes=changes, actor=actor)
    for duplicate in duplicates:
        lead_delete(lead=duplicate, actor=actor)
    return target


# reference data: sources, campaigns and lead statuses (settings)

SOURCE_FIELDS = ["name", "sort", "is_active"]
CAMPAIGN_FIELDS = ["name", "utm_source", "utm_medium", "utm_campaign", "cost", "currency",
                   "starts_on", "ends_on", "is_active"]  # fmt: skip
LEAD_STATUS_FIELDS = ["name", "sort", "color"]


@transaction.atomic
def source_create(*, code: str, name: str, **fields) -> Source:
    """A client source; ValidationError for a taken code or a wrong value."""
    source = Source(code=code, name=name, **fields)
    source.full_clean()
    source.save()
    return source


@transaction.atomic
def source_update(*, source: Source, data: dict) -> list[FieldChange]:
    """Rename, re-sort or (de)activate a source (SOURCE_FIELDS); its code stays."""
    return model_update(instance=source, fields=SOURCE_FIELDS, data=data)


@transaction.atomic
def campaign_create(*, name: str, currency: Currency | None = None, **fields) -> Campaign:
    """An advertising campaign (cost in `currency`, default the base one); ValidationError for
    a wrong value, e.g. an end before the start."""
    campaign = Campaign(name=name, currency=currency or currency_base(), **fields)
    campaign.full_clean()
    campaign.save()
    return campaign


@transaction.atomic
def campaign_update(*, campaign: Campaign, data: dict) -> list[FieldChange]:
    """Change a campaign's fields (CAMPAIGN_FIELDS); ValidationError for a wrong value."""
    return model_update(instance=campaign, fields=CAMPAIGN_FIELDS, data=data)


@transaction.atomic
def lead_status_create(
    *,
    code: str,
    name: str,
    sort: int,
    semantics: str = LeadStatus.Semantics.IN_PROGRESS,
    **fields,
) -> LeadStatus:
    """A lead status; ValidationError for a taken code or sort, or a second "converted"."""
    status = LeadStatus(code=code, name=name, sort=sort, semantics=semantics, **fields)
    status.full_clean()
    status.save()
    return status


@transaction.atomic
def lead_status_update(*, status: LeadStatus, data: dict) -> list[FieldChange]:
    """Rename, re-colour or re-sort a status (LEAD_STATUS_FIELDS); its code and semantics stay,
    since conversion and the board rely on them."""
    return model_update(instance=status, fields=LEAD_STATUS_FIELDS, data=data)
