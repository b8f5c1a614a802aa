"""Reads for mailboxes: administrators only (accounts.policy.can_manage_settings), everybody
else gets PermissionDenied."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts.policy import can_manage_settings

from .models import Mailbox, MailboxMessage


def require_mailbox_administrator(actor: AbstractBaseUser) -> None:
    if not can_manage_settings(actor):
        raise PermissionDenied(_("Only administrators manage mailboxes."))


def mailbox_list(*, actor: AbstractBaseUser) -> QuerySet[Mailbox]:
    """Every mailbox with its count of failed messages (one query)."""
    require_mailbox_administrator(actor)
    failed = Q(messages__status=MailboxMessage.Status.FAILED)
    return Mailbox.objects.select_related("responsible", "pipeline").annotate(
        failed_count=Count("messages", filter=failed)
    )


def mailbox_get(*, actor: AbstractBaseUser, mailbox_id: int) -> Mailbox:
    require_mailbox_administrator(actor)
    return get_object_or_404(Mailbox, pk=mailbox_id)
