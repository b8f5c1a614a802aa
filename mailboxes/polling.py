"""Polling a mailbox over IMAP: the messages whose UID is past the last one seen, oldest
first, each stored and processed on its own (services), the position saved after each.

One poll per mailbox at a time, by a lease on the mailbox row renewed after every message
(the shops' pull lease): a worker killed mid-poll never holds the mailbox for long. A message
over MAILBOX_MAX_MESSAGE_BYTES is recorded from its headers and size only, never downloaded;
an unreadable one is kept as failed with its reason; either way the poll goes on."""

import datetime
import imaplib
import logging
import re
import ssl

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.errors import ApplicationError, error_text
from core.leases import RowLease

from .models import Mailbox, MailboxMessage
from .parsing import UnreadableEmail, email_parse, envelope_read
from .services import (
    mailbox_message_fail,
    mailbox_message_is_stored,
    mailbox_message_receive,
    mailbox_position_save,
)

logger = logging.getLogger(__name__)

MAX_MESSAGES = 200  # per poll: a large backlog is read over several polls
IMAP_TIMEOUT = 30  # seconds, for every call to the server
SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


class MailboxBusy(Exception):
    """Another poll of the mailbox holds its lease."""


# longer than any one message takes to process
MAILBOX_LEASE = RowLease(Mailbox, until="poll_lease_until", owner="poll_lease_owner",
                         duration=datetime.timedelta(minutes=10), busy=MailboxBusy)  # fmt: skip


def mailbox_poll(*, mailbox_id: int) -> list[MailboxMessage]:
    """Read the mailbox's new messages into the CRM; the rows stored by this poll. Raises
    MailboxBusy when another poll holds the mailbox. A connection or login failure is kept
    as the mailbox's last error (the next poll tries again)."""
    owner = MAILBOX_LEASE.take(mailbox_id)
    mailbox = Mailbox.objects.select_related("pipeline", "responsible").get(pk=mailbox_id)
    stored: list[MailboxMessage] = []
    error = ""
    try:
        with _connect(mailbox) as client:
            uid_validity = _uid_validity(client)
            if uid_validity != mailbox.uid_validity:  # a new folder as far as UIDs go
                mailbox_position_save(mailbox=mailbox, uid_validity=uid_validity, last_uid=0)
            for uid in _new_uids(client, after=mailbox.last_uid)[:MAX_MESSAGES]:
                message = _message_take(client, mailbox, uid_validity, uid)
                if message is not None:
                    stored.append(message)
                mailbox_position_save(mailbox=mailbox, uid_validity=uid_validity, last_uid=uid)
                MAILBOX_LEASE.renew(mailbox_id, owner)
    except (imaplib.IMAP4.error, OSError) as failure:
        error = f"IMAP: {failure}"
        logger.warning("Polling mailbox %s failed: %s", mailbox_id, failure)
    finally:
        MAILBOX_LEASE.release(mailbox_id, owner, last_polled_at=timezone.now(), last_error=error)
    return stored


def mailboxes_due_for_poll() -> list[int]:
    """The active mailboxes whose interval has passed since their last poll and that no poll
    holds now."""
    now = timezone.now()
    mailboxes = Mailbox.objects.filter(is_active=True).filter(MAILBOX_LEASE.free())
    return [
        mailbox.pk
        for mailbox in mailboxes.only("pk", "last_polled_at", "poll_interval_minutes")
        if mailbox.last_polled_at is None
        or mailbox.last_polled_at + datetime.timedelta(minutes=mailbox.poll_interval_minutes) <= now
    ]


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    if mailbox.security == Mailbox.Security.SSL:
        client = imaplib.IMAP4_SSL(mailbox.host, mailbox.port, timeout=IMAP_TIMEOUT,
                                   ssl_context=ssl.create_default_context())  # fmt: skip
    else:
        client = imaplib.IMAP4(mailbox.host, mailbox.port, timeout=IMAP_TIMEOUT)
        if mailbox.security == Mailbox.Security.STARTTLS:
            client.starttls(ssl.create_default_context())
    client.login(mailbox.login, mailbox.password)
    status, answer = client.select(_quoted(mailbox.folder), readonly=True)
    if status != "OK":
        raise imaplib.IMAP4.error(f"folder {mailbox.folder}: {answer[0]!r}")
    return client


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _uid_validity(client: imaplib.IMAP4) -> int:
    _name, values = client.response("UIDVALIDITY")
    if not values or values[0] is None:
        raise imaplib.IMAP4.error("the server gave no UIDVALIDITY")
    return int(values[0])


def _new_uids(client: imaplib.IMAP4, *, after: int) -> list[int]:
    # "n:*" always matches the last message, even when its UID is below n: filtered here
    _status, answer = client.uid("SEARCH", f"UID {after + 1}:*")
    return sorted(uid for uid in map(int, (answer[0] or b"").split()) if uid > after)


def _message_take(
    client: imaplib.IMAP4, mailbox: Mailbox, uid_validity: int, uid: int
) -> MailboxMessage | None:
    """Store and process one message; None when it was stored before."""
    size, header = _size_and_header(client, uid)
    try:
        envelope = envelope_read(header)
    except UnreadableEmail as error:
        return mailbox_message_fail(mailbox=mailbox, uid_validity=uid_validity, uid=uid,
                                    envelope=None, size=size, error=str(error))  # fmt: skip
    if mailbox_message_is_stored(mailbox=mailbox, message_id=envelope.message_id):
        return None
    limit = settings.MAILBOX_MAX_MESSAGE_BYTES
    if size > limit:
        error = (f"message of {size} bytes is over MAILBOX_MAX_MESSAGE_BYTES ({limit}): "
                 "not downloaded, read it in the mailbox")  # fmt: skip
        return mailbox_message_fail(mailbox=mailbox, uid_validity=uid_validity, uid=uid,
                                    envelope=envelope, size=size, error=error)  # fmt: skip
    raw = _fetch_part(client, uid, "BODY.PEEK[]")
    try:
        parsed = email_parse(raw)
        return mailbox_message_receive(mailbox=mailbox, uid_validity=uid_validity, uid=uid,
                                       size=size, parsed=parsed)  # fmt: skip
    except UnreadableEmail as error:
        reason = str(error)
    except (ApplicationError, ValidationError) as error:
        reason = f"not processed: {error_text(error)}"
    return mailbox_message_fail(mailbox=mailbox, uid_validity=uid_validity, uid=uid,
                                envelope=envelope, size=size, error=reason, raw=raw)  # fmt: skip


def _size_and_header(client: imaplib.IMAP4, uid: int) -> tuple[int, bytes]:
    _status, answer = client.uid("FETCH", str(uid), "(RFC822.SIZE BODY.PEEK[HEADER])")
    envelope_line, header = next(part for part in answer if isinstance(part, tuple))
    return int(SIZE.search(envelope_line)[1]), header


def _fetch_part(client: imaplib.IMAP4, uid: int, part: str) -> bytes:
    _status, answer = client.uid("FETCH", str(uid), f"({part})")
    return next(item for item in answer if isinstance(item, tuple))[1]
