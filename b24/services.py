"""Making, checking and revoking incoming webhooks."""

import datetime
import secrets
import string

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from core.secrets import secret_digest
from core.services import last_used_touch

from .models import InboundWebhook, Scope

CODE_ALPHABET = string.ascii_lowercase + string.digits
CODE_LENGTH = 16  # as long as Bitrix24's own codes, which clients' validators expect


def webhook_create(
    *, user: AbstractBaseUser, name: str, scopes: list[str],
    expires_at: datetime.datetime | None = None,
) -> tuple[InboundWebhook, str]:  # fmt: skip
    """A new webhook and its code (returned once: only its hash is stored)."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    webhook = InboundWebhook(user=user, name=name.strip(), code_hash=secret_digest(code),
                             code_hint=code[-4:], scopes=_checked_scopes(scopes),
                             expires_at=expires_at)  # fmt: skip
    webhook.full_clean()
    webhook.save()
    return webhook, code


def webhook_update(
    *, webhook: InboundWebhook, name: str, scopes: list[str], is_active: bool,
    expires_at: datetime.datetime | None,
) -> InboundWebhook:  # fmt: skip
    """The webhook's name, scopes, state and expiry changed (its code stays)."""
    webhook.name, webhook.scopes = name.strip(), _checked_scopes(scopes)
    webhook.is_active, webhook.expires_at = is_active, expires_at
    webhook.full_clean()
    webhook.save(update_fields=["name", "scopes", "is_active", "expires_at", "updated_at"])
    return webhook


def _checked_scopes(scopes: list[str]) -> list[str]:
    """The scopes, sorted and once each; ValidationError for a scope that does not exist (a
    list is required: a bare "crm" would read as the scopes c, r and m)."""
    if not isinstance(scopes, list | tuple):
        raise ValidationError({"scopes": _("Choose the scopes from the list.")})
    unknown = set(scopes) - set(Scope.values)
    if unknown:
        raise ValidationError({"scopes": _("Unknown scopes: %s") % ", ".join(sorted(unknown))})
    return sorted(set(scopes))


def webhook_authenticate(*, user_id: int, code: str) -> InboundWebhook | None:
    """The active, unexpired webhook of `user_id` with `code`, its user active too; else None.
    Its last use is written at most once a minute."""
    webhook = (
        InboundWebhook.objects.select_related("user")
        .filter(
            code_hash=secret_digest(code), user_id=user_id, is_active=True, user__is_active=True
        )
        .first()
    )
    now = timezone.now()
    if webhook is None or (webhook.expires_at is not None and webhook.expires_at <= now):
        return None
    last_used_touch(webhook)
    return webhook


def webhook_revoke(*, webhook: InboundWebhook) -> None:
    webhook.is_active = False
    webhook.save(update_fields=["is_active", "updated_at"])
