"""Writes for inbound e-mail: mailbox settings and what a received message becomes.

A message is stored once per mailbox (by Message-ID). It goes, in this order, to the item of
the message it answers (an e-mail the CRM sent, or one received before), to the open deal of
the contact that sent it (or the contact itself), or to a new lead or deal, as the mailbox
says (always a deal in no-leads mode, CRM_NO_LEADS_MODE). The item gets a done incoming e-mail activity, and its EMAIL_RECEIVED triggers fire
after the commit."""

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models, transaction
from django.utils.translation import gettext as _

from activities.message_ids import activity_id_from_message_id
from activities.models import Activity, ActivityBinding
from activities.services import activity_create
from automation.models import Trigger
from automation.tasks import triggers_fire_task
from contacts.duplicates import duplicates_find, identity_of
from contacts.models import Communication, Contact
from contacts.services import CommunicationInput
from core.models import EntityType
from deals.models import Deal, Stage
from deals.services import deal_create
from leads.models import Lead
from leads.services import lead_create

from .models import Mailbox, MailboxMessage
from .parsing import Envelope, ParsedEmail

MAILBOX_FIELDS = [
    "name", "host", "port", "security", "login", "folder", "is_active", "poll_interval_minutes",
    "target", "pipeline", "responsible",
]  # fmt: skip
ITEM_MODELS = {EntityType.LEAD: Lead, EntityType.CONTACT: Contact, EntityType.DEAL: Deal}
TRIGGERED_ENTITIES = (EntityType.LEAD, EntityType.DEAL)
UNTITLED = "(no subject)"


@transaction.atomic
def mailbox_save(*, mailbox: Mailbox, data: dict, password: str = "") -> Mailbox:
    """Create or change a mailbox from the settings form's fields; an empty `password` keeps
    the stored one. Raises ValidationError (a deal target without a pipeline, …)."""
    for name in MAILBOX_FIELDS:
        setattr(mailbox, name, data[name])
    if password:
        mailbox.password = password
    mailbox.full_clean()  # a deal target without a pipeline: its constraint's message
    mailbox.save()
    return mailbox


def mailbox_position_save(*, mailbox: Mailbox, uid_validity: int, last_uid: int) -> None:
    """Remember how far the folder was read (after each message, so a crash repeats at most
    the message in hand, which its stored Message-ID then skips)."""
    Mailbox.objects.filter(pk=mailbox.pk).update(uid_validity=uid_validity, last_uid=last_uid)
    mailbox.uid_validity, mailbox.last_uid = uid_validity, last_uid


def mailbox_message_is_stored(*, mailbox: Mailbox, message_id: str) -> bool:
    return MailboxMessage.objects.filter(mailbox=mailbox, message_id=message_id).exists()


@transaction.atomic
def mailbox_message_fail(
    *, mailbox: Mailbox, uid_validity: int, uid: int, envelope: Envelope | None, size: int,
    error: str, raw: bytes | None = None,
) -> MailboxMessage:  # fmt: skip
    """Keep a message that could not be processed, with the reason, for an administrator.
    Idempotent on the Message-ID: a failed message seen again keeps its first row."""
    message_id = envelope.message_id if envelope else f"<uid.{uid_validity}.{uid}@crm.invalid>"
    stored, _created = MailboxMessage.objects.get_or_create(
        mailbox=mailbox,
        message_id=message_id,
        defaults={
            "uid_validity": uid_validity, "uid": uid, "size": size, "raw": raw,
            "status": MailboxMessage.Status.FAILED, "error": error,
            **(_envelope_fields(envelope) if envelope else {}),
        },
    )  # fmt: skip
    return stored


@transaction.atomic
def mailbox_message_receive(
    *, mailbox: Mailbox, uid_validity: int, uid: int, size: int, parsed: ParsedEmail
) -> MailboxMessage:
    """Turn a readable message into CRM work: an incoming e-mail activity on the item it
    belongs to (a new lead or deal for an unknown sender), EMAIL_RECEIVED fired for that item
    after the commit. Idempotent on the Message-ID: a message stored before is returned as
    it is. Raises ApplicationError/ValidationError when a service refuses the new item."""
    envelope = parsed.envelope
    stored = MailboxMessage.objects.filter(mailbox=mailbox, message_id=envelope.message_id).first()
    if stored is not None:
        return stored
    items = _thread_items(envelope) or [_sender_item(mailbox, parsed)]
    activity = activity_create(
        kind=Activity.Kind.EMAIL,
        subject=envelope.subject or _(UNTITLED),
        description=parsed.body,
        direction=Activity.Direction.INCOMING,
        email_from=envelope.sender_address,
        email_to=mailbox.login,
        actor=None,
        responsible=mailbox.responsible or _responsible_of(items[0]),
        bound_to=items,
        is_done=True,
    )
    message = MailboxMessage.objects.create(
        mailbox=mailbox, uid_validity=uid_validity, uid=uid, size=size,
        status=MailboxMessage.Status.PROCESSED, entity_type=items[0].ENTITY_TYPE,
        entity_id=items[0].pk, activity=activity, **_envelope_fields(envelope),
    )  # fmt: skip
    for item in items:
        if item.ENTITY_TYPE in TRIGGERED_ENTITIES:
            _fire_email_received_on_commit(item)
    return message


def _envelope_fields(envelope: Envelope) -> dict:
    return {
        "message_id": envelope.message_id,
        "in_reply_to": envelope.in_reply_to[:998],
        "references": " ".join(envelope.references),
        "sender": envelope.sender_address[:998],
        "subject": envelope.subject[:998],
    }


def _thread_items(envelope: Envelope) -> list[models.Model]:
    """The items of the e-mail this one answers: one the CRM sent (its Message-ID names the
    activity), else one received before; the nearest reference first."""
    quoted = [envelope.in_reply_to, *reversed(envelope.references)]
    for message_id in filter(None, quoted):
        activity_id = activity_id_from_message_id(message_id)
        if activity_id is not None:
            items = _items_bound_to(activity_id)
        else:
            items = _items_of_received(message_id)
        if items:
            return items
    return []


def _items_bound_to(activity_id: int) -> list[models.Model]:
    bindings = ActivityBinding.objects.filter(
        activity_id=activity_id, entity_type__in=list(ITEM_MODELS)
    ).order_by("pk")
    return [item for binding in bindings
            if (item := _item(binding.entity_type, binding.entity_id)) is not None]  # fmt: skip


def _items_of_received(message_id: str) -> list[models.Model]:
    earlier = (
        MailboxMessage.objects.filter(message_id=message_id, status=MailboxMessage.Status.PROCESSED)
        .exclude(entity_id=None)
        .order_by("pk")
        .first()
    )
    if earlier is None:
        return []
    item = _item(earlier.entity_type, earlier.entity_id)
    return [item] if item is not None else []


def _item(entity_type: str, entity_id: int) -> models.Model | None:
    return ITEM_MODELS[entity_type].objects.filter(pk=entity_id).first()


def _sender_item(mailbox: Mailbox, parsed: ParsedEmail) -> models.Model:
    """The open deal of the contact with the sender's address (the newest), the contact when
    it has none; for an unknown sender a new lead or deal, as the mailbox says."""
    address = parsed.envelope.sender_address
    [contact_id] = duplicates_find(
        entity=EntityType.CONTACT, identities=[identity_of(emails=[address])]
    )
    if contact_id is not None:
        open_deal = (
            Deal.objects.filter(
                contact_links__contact_id=contact_id, stage__semantics=Stage.Semantics.IN_PROGRESS
            )
            .order_by("-created_at", "-pk")
            .first()
        )
        return open_deal or Contact.objects.get(pk=contact_id)
    return _new_item(mailbox, parsed)


def _new_item(mailbox: Mailbox, parsed: ParsedEmail) -> Lead | Deal:
    envelope = parsed.envelope
    title = envelope.subject or _(UNTITLED)
    # no-leads mode: what would be a lead is a deal (the mailbox's pipeline, else the default)
    if mailbox.target == Mailbox.Target.DEAL or settings.CRM_NO_LEADS_MODE:
        return deal_create(title=title, actor=None, pipeline=mailbox.pipeline,
                           responsible=mailbox.responsible, comments=parsed.body)  # fmt: skip
    communications = (
        [CommunicationInput(kind=Communication.Kind.EMAIL, value=envelope.sender_address)]
        if envelope.sender_address
        else []
    )
    return lead_create(
        title=title, actor=None, responsible=mailbox.responsible, comments=parsed.body,
        last_name=envelope.sender_name[:100], communications=communications,
    )  # fmt: skip


def _responsible_of(item: models.Model) -> AbstractBaseUser | None:
    return getattr(item, "responsible", None)


def _fire_email_received_on_commit(item: models.Model) -> None:
    entity_type, entity_id = item.ENTITY_TYPE, item.pk
    transaction.on_commit(
        lambda: triggers_fire_task.delay(Trigger.Kind.EMAIL_RECEIVED, entity_type, entity_id)
    )
