"""Reading a received message (email package, policy=default) into what the CRM keeps of it.
A message that cannot be read raises UnreadableEmail with the reason shown to administrators."""

import email
import email.errors
import email.policy
import hashlib
from dataclasses import dataclass
from email.message import EmailMessage

# defects after which the parts of a multipart message cannot be told apart
BROKEN_STRUCTURE = (
    email.errors.NoBoundaryInMultipartDefect,
    email.errors.StartBoundaryNotFoundDefect,
    email.errors.MultipartInvariantViolationDefect,
)


class UnreadableEmail(Exception):
    """The message's structure or text cannot be decoded."""


@dataclass(frozen=True)
class Envelope:
    """The headers of a message: enough to store and thread it without its body."""

    message_id: str
    in_reply_to: str
    references: tuple[str, ...]
    sender_address: str
    sender_name: str
    subject: str


@dataclass(frozen=True)
class ParsedEmail:
    envelope: Envelope
    body: str


def envelope_read(raw: bytes) -> Envelope:
    """The headers of `raw` (a whole message or its header block). A missing Message-ID is
    replaced by one derived from the headers, so a message is still stored once."""
    return _envelope(email.message_from_bytes(raw, policy=email.policy.default))


def email_parse(raw: bytes) -> ParsedEmail:
    """The headers and the text body (plain text preferred to HTML) of `raw`, parsed once.
    Raises UnreadableEmail for broken MIME structure or a charset that cannot be decoded."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    envelope = _envelope(message)
    broken = [defect for part in message.walk() for defect in part.defects
              if isinstance(defect, BROKEN_STRUCTURE)]  # fmt: skip
    if broken:
        raise UnreadableEmail(f"broken MIME structure: {type(broken[0]).__name__}")
    return ParsedEmail(envelope=envelope, body=_body_text(message))


def _envelope(message: EmailMessage) -> Envelope:
    try:
        return _envelope_of(message)
    except (ValueError, TypeError, IndexError, LookupError) as error:
        raise UnreadableEmail(f"unreadable header: {error}") from error


def _envelope_of(message: EmailMessage) -> Envelope:
    sender = message["From"]
    address = sender.addresses[0] if sender is not None and sender.addresses else None
    message_id = str(message["Message-ID"] or "").strip()
    if not message_id:
        headers = "".join(f"{name}:{value}" for name, value in message.raw_items())
        message_id = f"<no-id.{hashlib.sha256(headers.encode()).hexdigest()[:32]}@crm.invalid>"
    return Envelope(
        message_id=message_id,
        in_reply_to=str(message["In-Reply-To"] or "").strip(),
        references=tuple(str(message["References"] or "").split()),
        sender_address=address.addr_spec.lower() if address else "",
        sender_name=address.display_name if address else "",
        subject=str(message["Subject"] or "").strip(),
    )


def _body_text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        return body.get_content().strip()
    except LookupError as error:
        raise UnreadableEmail(f"undecodable charset: {body.get_param('charset')}") from error
    except (ValueError, UnicodeError) as error:
        raise UnreadableEmail(f"undecodable body: {error}") from error
