"""Thin Celery wrappers over the mailbox polling."""

import logging

from celery import shared_task

from .polling import MailboxBusy, mailbox_poll, mailboxes_due_for_poll

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def mailbox_poll_task(mailbox_id: int) -> int:
    """Poll one mailbox (polling.mailbox_poll): how many messages it stored. Safe to run
    twice: a poll already running makes this one do nothing."""
    try:
        return len(mailbox_poll(mailbox_id=mailbox_id))
    except MailboxBusy:
        logger.info("Mailbox %s is being polled already", mailbox_id)
        return 0


@shared_task
def mailboxes_poll_due_task() -> int:
    """Queue a poll of every active mailbox whose interval has passed: how many."""
    due = mailboxes_due_for_poll()
    for mailbox_id in due:
        mailbox_poll_task.delay(mailbox_id)
    return len(due)
