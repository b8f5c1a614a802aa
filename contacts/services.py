"""Writes for contacts, companies, their links, communications and requisites."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import ActivityBinding, TimelineEvent
from activities.services import (
    entity_history_delete,
    timeline_record,
    timeline_record_field_changes,
    timeline_record_many,
)
from core.copy_insert import objects_copy_insert
from core.events import publish_many_on_commit, publish_on_commit
from core.services import FieldChange, ModelT, json_value, lock_for_update, model_update
from deals.models import Deal, DealContact
from leads.models import Lead

from .communications import normalize
from .events import (
    CompanyCreated,
    CompanyDeleted,
    CompanyUpdated,
    ContactCreated,
    ContactDeleted,
    ContactUpdated,
)
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
    built = communications_build(items)
    for communication in built:
        setattr(communication, owner.ENTITY_TYPE.value, owner)
    Communication.objects.filter(**owner_field).delete()
    return Communication.objects.bulk_create(built)


def communications_build(
    items: Sequence[CommunicationInput], *, skip_invalid: bool = False
) -> list[Communication]:
    """Unsaved communications (no owner yet) of `items`, normalised, each value once. Raises
    ValidationError naming the item that is not a phone, e-mail… (no query); with
    `skip_invalid`, such an item is left out instead."""
    built, seen = [], set()
    for index, item in enumerate(items):
        try:
            normalized = normalize(item.kind, item.value)
        except ValidationError as error:
            if skip_invalid:
                continue
            raise ValidationError({f"communications[{index}]": error.messages}) from error
        if (item.kind, normalized) in seen:
            continue
        seen.add((item.kind, normalized))
        built.append(
            Communication(
                kind=item.kind, label=item.label, value=item.value.strip(),
                normalized_value=normalized,
            )
        )  # fmt: skip
    return built


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
    publish_on_commit(ContactCreated(contact_id=contact.pk, actor_id=getattr(actor, "pk", None)))
    return contact


@dataclass(frozen=True)
class ContactDraft:
    """A contact for contact_create_many."""

    first_name: str = ""
    last_name: str = ""
    middle_name: str = ""
    address: str = ""
    communications: Sequence[CommunicationInput] = ()


@transaction.atomic
def contact_create_many(*, drafts: Sequence[ContactDraft]) -> list[Contact]:
    """contact_create for many contacts the system makes (a batch of shop orders), through
    contact_create_batch: a fixed number of queries, their events together. A phone or
    e-mail that is not one is left out rather than refusing the contact; each needs a first
    or last name (ValidationError otherwise, nothing written)."""
    if any(not (draft.first_name.strip() or draft.last_name.strip()) for draft in drafts):
        raise ValidationError({"last_name": _("Give the contact a first or last name.")})
    return contact_create_batch(
        checked=[
            CheckedContact(
                Contact(first_name=draft.first_name.strip()[:100],
                        last_name=draft.last_name.strip()[:100],
                        middle_name=draft.middle_name.strip()[:100], address=draft.address),
                communications_build(draft.communications, skip_invalid=True),
            )
            for draft in drafts
        ],
        actor=None,
    )  # fmt: skip


@dataclass(frozen=True)
class ContactInput:
    """One contact for contact_check (then contact_create_batch): what contact_create takes."""

    fields: dict  # contact_create's keyword fields: names, position, type, source…
    communications: Sequence[CommunicationInput] = ()
    responsible: AbstractBaseUser | None = None


@dataclass(frozen=True)
class CheckedContact:
    """A contact contact_check found valid, not saved yet."""

    contact: Contact
    communications: list[Communication]


def contact_check(*, item: ContactInput, actor: AbstractBaseUser | None) -> CheckedContact:
    """The unsaved contact (and phones, e-mails) contact_create would save for `item`, checked
    as it checks them, without a query: foreign keys come as loaded objects and are trusted.
    Raises ValidationError."""
    fields = dict(item.fields)
    first_name = fields.pop("first_name", "").strip()
    last_name = fields.pop("last_name", "").strip()
    if not (first_name or last_name):
        raise ValidationError({"last_name": _("Give the contact a first or last name.")})
    contact = Contact(
        first_name=first_name, last_name=last_name, responsible=item.responsible or actor,
        created_by=actor, **fields,
    )  # fmt: skip
    contact.full_clean(exclude=["responsible", "created_by", "source"], validate_constraints=False)
    return CheckedContact(contact, communications_build(item.communications))


@transaction.atomic
def contact_create_batch(
    *, checked: Sequence[CheckedContact], actor: AbstractBaseUser | None
) -> list[Contact]:
    """contact_create for many contacts made at once (a CSV import, shop orders), in a fixed
    number of queries: the contacts contact_check returned (so each is checked, and the caller
    knows which items it refused), their phones and e-mails and their timeline rows are
    inserted together, and their ContactCreated events are published together
    (publish_many_on_commit)."""
    now = timezone.now()
    contacts = [each.contact for each in checked]
    objects_copy_insert(Contact, contacts, now=now)
    communications = []
    for each in checked:
        for communication in each.communications:
            communication.contact = each.contact
            communications.append(communication)
    objects_copy_insert(Communication, communications, now=now)
    timeline_record_many(entities=contacts, kind=TimelineEvent.Kind.CREATED, at=now, actor=actor)
    actor_id = getattr(actor, "pk", None)
    publish_many_on_commit(
        [ContactCreated(contact_id=contact.pk, actor_id=actor_id) for contact in contacts]
    )
    return contacts


@transaction.atomic
def contact_update(*, contact: Contact, actor: AbstractBaseUser | None, data: dict) -> Contact:
    """Change a contact's fields; every change goes on its timeline."""
    # Compare with the stored row under a lock, not the caller's possibly changed copy.
    contact = lock_for_update(contact)
    changes = model_update(instance=contact, fields=CONTACT_FIELDS, data=data)
    timeline_record_field_changes(entity=contact, changes=changes, actor=actor)
    if changes:
        publish_on_commit(
            ContactUpdated(
                contact_id=contact.pk,
                actor_id=getattr(actor, "pk", None),
                fields=tuple(change.field for change in changes),
            )
        )
    return contact


@transaction.atomic
def company_create(
    *,
    title: str,
    actor: AbstractBaseUser | None,
    communications: list[CommunicationInput] = (),
    responsible: AbstractBaseUser | None = None,
    inn: str = "",
    **fields,
) -> Company:
    """A company with its phones and e-mails, and with `inn` its first requisite (ValidationError
    for a wrong INN check digit: nothing is created then)."""
    company = Company(
        title=title.strip(), responsible=responsible or actor, created_by=actor, **fields
    )
    company.full_clean()
    company.save()
    if inn:
        company_requisite_create(company=company, actor=actor, inn=inn)
    communications_replace(owner=company, items=list(communications))
    timeline_record(entity=company, kind=TimelineEvent.Kind.CREATED, actor=actor)
    publish_on_commit(CompanyCreated(company_id=company.pk, actor_id=getattr(actor, "pk", None)))
    return company


@transaction.atomic
def company_update(*, company: Company, actor: AbstractBaseUser | None, data: dict) -> Company:
    """Change a company's fields; every change goes on its timeline."""
    company = lock_for_update(company)
    changes = model_update(instance=company, fields=COMPANY_FIELDS, data=data)
    timeline_record_field_changes(entity=company, changes=changes, actor=actor)
    if changes:
        publish_on_commit(
            CompanyUpdated(
                company_id=company.pk,
                actor_id=getattr(actor, "pk", None),
                fields=tuple(change.field for change in changes),
            )
        )
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


# Merging duplicates


def merge_lock(model: type[ModelT], *, target: ModelT, duplicates) -> tuple[ModelT, list[ModelT]]:
    """The target and the duplicates reloaded and locked FOR UPDATE in the order of their
    keys (so two merges of overlapping rows wait instead of deadlocking). Raises
    ValidationError when no duplicate is given, when the target is among them, or when one is
    gone meanwhile."""
    ids = sorted({duplicate.pk for duplicate in duplicates})
    if not ids:
        raise ValidationError({"duplicates": _("Choose at least one duplicate.")})
    if target.pk in ids:
        raise ValidationError({"duplicates": _("An item cannot be merged into itself.")})
    rows = {
        row.pk: row
        for row in model._default_manager.select_for_update()
        .filter(pk__in=[target.pk, *ids])
        .order_by("pk")
    }
    if len(rows) != len(ids) + 1:
        raise ValidationError({"duplicates": _("Some of these items no longer exist.")})
    return rows[target.pk], [rows[pk] for pk in ids]


def merge_fill_empty_fields(
    *, target: models.Model, duplicates: list, fields: list[str], values: dict | None = None
) -> list[FieldChange]:
    """Give the target the `values` a person chose (of `fields`), then each other field it has
    empty (blank or null) from the first duplicate that has it; saved and validated by
    model_update (ValueError for a value of a field not in `fields`). Returns what changed."""
    data = dict(values or {})
    for name in fields:
        attname = target._meta.get_field(name).attname
        if name in data or getattr(target, attname) not in (None, ""):
            continue
        for duplicate in duplicates:
            if getattr(duplicate, attname) not in (None, ""):
                data[name] = getattr(duplicate, name)
                break
    return model_update(instance=target, fields=fields, data=data)


def merge_move_history(*, source: models.Model, target: models.Model) -> None:
    """Rebind the timeline events and activities of `source` to `target` (same type). An
    activity bound to both keeps its binding to the target."""
    entity_type = source.ENTITY_TYPE
    bindings = ActivityBinding.objects.filter(entity_type=entity_type, entity_id=source.pk)
    on_target = ActivityBinding.objects.filter(entity_type=entity_type, entity_id=target.pk)
    bindings.filter(activity_id__in=on_target.values("activity_id")).delete()
    bindings.update(entity_id=target.pk)
    TimelineEvent.objects.filter(entity_type=entity_type, entity_id=source.pk).update(
        entity_id=target.pk
    )


def merge_move_communications(*, source: models.Model, target: models.Model) -> None:
    """Give `target` the phones, e-mails, websites and messengers of `source` it lacks (by
    normalised value); the others go with `source`."""
    owner = source.ENTITY_TYPE.value
    on_target = set(
        Communication.objects.filter(**{owner: target}).values_list("kind", "normalized_value")
    )
    moved = []
    for pk, kind, normalized in (
        Communication.objects.filter(**{owner: source})
        .order_by("id")
        .values_list("pk", "kind", "normalized_value")
    ):
        if (kind, normalized) not in on_target:
            on_target.add((kind, normalized))
            moved.append(pk)
    Communication.objects.filter(pk__in=moved).update(**{owner: target})


def merge_move_shares(*, source: models.Model, target: models.Model) -> None:
    """Colleagues `source` was shared with keep the same right on `target`."""
    shares = type(source).shares.rel.related_model
    existing = set(
        shares.objects.filter(content_object=target).values_list("user_id", "permission_id")
    )
    for share in shares.objects.filter(content_object=source):
        if (share.user_id, share.permission_id) not in existing:
            shares.objects.filter(pk=share.pk).update(content_object=target)


def merge_journal(*, target: models.Model, duplicates: list, changes, actor) -> None:
    """The merge on the target's timeline: the fields it took over and what it absorbed."""
    timeline_record_field_changes(entity=target, changes=changes, actor=actor)
    merged = [{"id": duplicate.pk, "label": str(duplicate)} for duplicate in duplicates]
    timeline_record(
        entity=target,
        kind=TimelineEvent.Kind.COMMENT,
        actor=actor,
        payload={
            "text": _("Merged with: %(items)s")
            % {"items": ", ".join(f"{item['label']} (#{item['id']})" for item in merged)},
            "merged": merged,
        },
    )


def _move_contact_links(*, source: Contact, target: Contact) -> None:
    companies = ContactCompany.objects.filter(contact=target).values("company_id")
    ContactCompany.objects.filter(contact=source).exclude(company_id__in=companies).update(
        contact=target
    )
    on_target = {link.deal_id: link for link in DealContact.objects.filter(contact=target)}
    for link in DealContact.objects.filter(contact=source).order_by("id"):
        kept = on_target.get(link.deal_id)
        if kept is None:
            DealContact.objects.filter(pk=link.pk).update(contact=target)
        elif link.is_primary and not kept.is_primary:
            # the deal's primary contact was the duplicate: the target takes its place
            DealContact.objects.filter(pk=link.pk).delete()
            DealContact.objects.filter(pk=kept.pk).update(is_primary=True)
    Lead.objects.filter(contact=source).update(contact=target)


@transaction.atomic
def contact_merge(
    *,
    target: Contact,
    duplicates: Sequence[Contact],
    actor: AbstractBaseUser | None,
    values: dict | None = None,
) -> Contact:
    """Merge duplicate contacts into `target`: their deals, companies, leads, activities,
    timeline, shares and the phones and e-mails the target lacks move to it, it takes the
    `values` (field name -> value, of CONTACT_FIELDS) a person chose, its other empty fields are
    filled from the duplicates, the merge is journalled on its timeline, and the duplicates
    are deleted by contact_delete (which publishes ContactDeleted for each). The rows are
    locked in key order. Raises ValidationError for no duplicates or the target among them.
    The caller checks the rights (edit the target, delete each duplicate)."""
    target, duplicates = merge_lock(Contact, target=target, duplicates=duplicates)
    for duplicate in duplicates:
        _move_contact_links(source=duplicate, target=target)
        merge_move_communications(source=duplicate, target=target)
        merge_move_history(source=duplicate, target=target)
        merge_move_shares(source=duplicate, target=target)
    changes = merge_fill_empty_fields(
        target=target, duplicates=duplicates, fields=CONTACT_FIELDS, values=values
    )
    merge_journal(target=target, duplicates=duplicates, changes=changes, actor=actor)
    for duplicate in duplicates:
        contact_delete(contact=duplicate, actor=actor)
    return target


def _move_company_links(*, source: Company, target: Company) -> None:
    contacts = ContactCompany.objects.filter(company=target).values("contact_id")
    ContactCompany.objects.filter(company=source).exclude(contact_id__in=contacts).update(
        company=target
    )
    Deal.objects.filter(company=source).update(company=target)
    Lead.objects.filter(company=source).update(company=target)
    # requisites with an INN the target already has are the same legal entity: they go
    inns = CompanyRequisite.objects.filter(company=target).exclude(inn="").values("inn")
    CompanyRequisite.objects.filter(company=source).exclude(inn__in=inns).update(company=target)


@transaction.atomic
def company_merge(
    *,
    target: Company,
    duplicates: Sequence[Company],
    actor: AbstractBaseUser | None,
    values: dict | None = None,
) -> Company:
    """Merge duplicate companies into `target`: their deals, contacts, leads, requisites (but
    those with an INN the target has), activities, timeline, shares and the phones and e-mails
    the target lacks move to it, it takes the chosen `values` (of COMPANY_FIELDS), its other
    empty fields are filled from them, the merge is journalled on its timeline, and the
    duplicates are deleted by company_delete (which publishes CompanyDeleted for each).
    Raises ValidationError like contact_merge."""
    target, duplicates = merge_lock(Company, target=target, duplicates=duplicates)
    for duplicate in duplicates:
        _move_company_links(source=duplicate, target=target)
        merge_move_communications(source=duplicate, target=target)
        merge_move_history(source=duplicate, target=target)
        merge_move_shares(source=duplicate, target=target)
    changes = merge_fill_empty_fields(
        target=target, duplicates=duplicates, fields=COMPANY_FIELDS, values=values
    )
    merge_journal(target=target, duplicates=duplicates, changes=changes, actor=actor)
    for duplicate in duplicates:
        company_delete(company=duplicate, actor=actor)
    return target
