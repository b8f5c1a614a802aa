"""Polling a real IMAP server (dovecot, started by conftest.imap_server)."""

from email.message import EmailMessage

import pytest
from django.core import mail as outbox

from activities.models import Activity, ActivityBinding
from activities.services import activity_email_send
from automation.models import Trigger
from contacts.models import Communication
from deals.models import Deal, DealContact
from leads.models import Lead
from mailboxes.models import Mailbox, MailboxMessage
from mailboxes.polling import MAILBOX_LEASE, MailboxBusy, mailbox_poll
from tests.factories import ContactFactory, DealFactory, UserFactory


def an_email(*, sender="Ann Client <ann@example.com>", subject="Need 10 chairs",
             body="Please send a quote.", message_id="<1@example.com>", **headers) -> bytes:  # fmt: skip
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "sales@crm.test"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def bindings_of(activity: Activity) -> set[tuple[str, int]]:
    return set(ActivityBinding.objects.filter(activity=activity)
               .values_list("entity_type", "entity_id"))  # fmt: skip


def test_a_message_from_an_unknown_sender_becomes_a_lead(imap_server, mailbox):
    # given
    manager = UserFactory()
    mailbox.responsible = manager
    mailbox.save()
    imap_server.deliver(an_email())
    # when
    stored = mailbox_poll(mailbox_id=mailbox.pk)
    # then
    lead = Lead.objects.get()
    assert (lead.title, lead.comments, lead.responsible) == (
        "Need 10 chairs",
        "Please send a quote.",
        manager,
    )
    assert list(lead.communications.values_list("kind", "normalized_value")) == [
        ("email", "ann@example.com")
    ]
    [message] = stored
    assert (message.status, message.entity_type, message.entity_id) == (
        "processed",
        "lead",
        lead.pk,
    )
    assert (message.activity.kind, message.activity.direction) == ("email", "incoming")
    assert bindings_of(message.activity) == {("lead", lead.pk)}
    mailbox.refresh_from_db()
    assert mailbox.last_uid == 1 and mailbox.uid_validity and mailbox.last_error == ""


def test_a_deal_mailbox_makes_a_deal_in_its_pipeline(imap_server, mailbox, crm_setup):
    mailbox.target, mailbox.pipeline = Mailbox.Target.DEAL, crm_setup
    mailbox.save()
    imap_server.deliver(an_email())

    mailbox_poll(mailbox_id=mailbox.pk)

    deal = Deal.objects.get()
    assert (deal.title, deal.comments, deal.pipeline) == (
        "Need 10 chairs",
        "Please send a quote.",
        crm_setup,
    )
    assert not Lead.objects.exists()


def test_a_known_contact_s_message_goes_to_its_open_deal(imap_server, mailbox):
    # given
    contact = ContactFactory()
    Communication.objects.create(contact=contact, kind="email", value="Ann@Example.com",
                                 normalized_value="ann@example.com")  # fmt: skip
    deal = DealFactory()
    DealContact.objects.create(deal=deal, contact=contact, is_primary=True)
    imap_server.deliver(an_email())
    # when
    [message] = mailbox_poll(mailbox_id=mailbox.pk)
    # then
    assert (message.entity_type, message.entity_id) == ("deal", deal.pk)
    assert message.activity.subject == "Need 10 chairs"
    assert message.activity.description == "Please send a quote."
    assert message.activity.email_from == "ann@example.com"
    assert bindings_of(message.activity) == {("deal", deal.pk)}
    assert not Lead.objects.exists()


def test_a_known_contact_without_an_open_deal_gets_the_e_mail_itself(imap_server, mailbox):
    contact = ContactFactory()
    Communication.objects.create(contact=contact, kind="email", value="ann@example.com",
                                 normalized_value="ann@example.com")  # fmt: skip
    imap_server.deliver(an_email())

    [message] = mailbox_poll(mailbox_id=mailbox.pk)

    assert bindings_of(message.activity) == {("contact", contact.pk)}
    assert not Lead.objects.exists()


def test_bad_messages_are_kept_as_failed_and_the_next_ones_are_processed(
    imap_server, mailbox, settings
):
    # given: broken MIME, an unknown charset, one over the size limit, then a good one
    settings.MAILBOX_MAX_MESSAGE_BYTES = 20_000
    broken = (
        b"From: a@example.com\r\nSubject: broken\r\nMessage-ID: <broken@example.com>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\nno boundary at all\r\n"
    )
    charset = (
        b"From: b@example.com\r\nSubject: charset\r\nMessage-ID: <charset@example.com>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\n\xff\xfe\r\n"
    )
    huge = EmailMessage()
    huge["From"], huge["Subject"], huge["Message-ID"] = (
        "c@example.com",
        "huge",
        "<huge@example.com>",
    )
    huge.set_content("see the attachment")
    huge.add_attachment(b"\0" * 50_000, maintype="application", subtype="octet-stream")
    for raw in (broken, charset, huge.as_bytes(), an_email(message_id="<good@example.com>")):
        imap_server.deliver(raw)
    # when
    stored = mailbox_poll(mailbox_id=mailbox.pk)
    # then
    by_subject = {message.subject: message for message in stored}
    assert [message.status for message in stored] == ["failed", "failed", "failed", "processed"]
    assert by_subject["broken"].error == "broken MIME structure: NoBoundaryInMultipartDefect"
    assert by_subject["broken"].raw is not None
    assert by_subject["charset"].error == "undecodable charset: x-klingon"
    assert by_subject["huge"].error.startswith("message of ")
    assert "over MAILBOX_MAX_MESSAGE_BYTES (20000): not downloaded" in by_subject["huge"].error
    assert by_subject["huge"].raw is None and by_subject["huge"].size > 50_000
    assert Lead.objects.get().title == "Need 10 chairs"
    mailbox.refresh_from_db()
    assert mailbox.last_uid == 4
    # and a second poll finds nothing new
    assert mailbox_poll(mailbox_id=mailbox.pk) == []
    assert MailboxMessage.objects.count() == 4


def test_the_same_message_twice_is_processed_once(imap_server, mailbox):
    imap_server.deliver(an_email())
    imap_server.deliver(an_email())

    stored = mailbox_poll(mailbox_id=mailbox.pk)

    assert len(stored) == 1
    assert Lead.objects.count() == 1
    assert Activity.objects.count() == 1
    mailbox.refresh_from_db()
    assert mailbox.last_uid == 2


def test_a_new_uidvalidity_reads_the_folder_again_without_doubling(imap_server, mailbox):
    imap_server.deliver(an_email())
    mailbox_poll(mailbox_id=mailbox.pk)
    Mailbox.objects.filter(pk=mailbox.pk).update(uid_validity=1, last_uid=99)

    assert mailbox_poll(mailbox_id=mailbox.pk) == []

    mailbox.refresh_from_db()
    assert mailbox.last_uid == 1 and mailbox.uid_validity != 1
    assert Lead.objects.count() == 1


def test_a_poll_waits_while_another_holds_the_lease(imap_server, mailbox):
    # given
    imap_server.deliver(an_email())
    owner = MAILBOX_LEASE.take(mailbox.pk)
    # when, then
    with pytest.raises(MailboxBusy):
        mailbox_poll(mailbox_id=mailbox.pk)
    assert not MailboxMessage.objects.exists()
    MAILBOX_LEASE.release(mailbox.pk, owner, last_error="")
    assert len(mailbox_poll(mailbox_id=mailbox.pk)) == 1
    mailbox.refresh_from_db()
    assert mailbox.poll_lease_until is None and mailbox.last_polled_at is not None


def test_a_reply_is_threaded_onto_the_item_of_the_message_it_answers(imap_server, mailbox):
    imap_server.deliver(an_email())
    imap_server.deliver(an_email(sender="boss@other.example", subject="Re: Need 10 chairs",
                                 message_id="<2@example.com>", In_Reply_To="<1@example.com>"))  # fmt: skip

    first, reply = mailbox_poll(mailbox_id=mailbox.pk)

    assert Lead.objects.count() == 1
    assert (reply.entity_type, reply.entity_id) == ("lead", first.entity_id)


def test_a_reply_to_an_e_mail_sent_from_the_crm_goes_to_its_deal(
    imap_server, mailbox, django_capture_on_commit_callbacks
):
    # given: a manager wrote from the deal card
    deal = DealFactory()
    with django_capture_on_commit_callbacks(execute=True):
        sent = activity_email_send(recipients=["new@example.com"], subject="Offer", body="Price",
                                   actor=UserFactory(), bound_to=[deal])  # fmt: skip
    message_id = outbox.outbox[-1].extra_headers["Message-ID"]
    imap_server.deliver(an_email(sender="new@example.com", subject="Re: Offer",
                                 References=f"<x@example.com> {message_id}"))  # fmt: skip
    # when
    [message] = mailbox_poll(mailbox_id=mailbox.pk)
    # then
    assert (message.entity_type, message.entity_id) == ("deal", deal.pk)
    assert message.activity != sent
    assert not Lead.objects.exists()


def test_a_forged_crm_message_id_threads_nothing(imap_server, mailbox):
    deal = DealFactory()
    forged = "<crm.activity.1.0000000000000000@localhost>"
    imap_server.deliver(an_email(In_Reply_To=forged))

    [message] = mailbox_poll(mailbox_id=mailbox.pk)

    assert message.entity_type == "lead"
    assert not Activity.objects.filter(
        bindings__entity_type="deal", bindings__entity_id=deal.pk
    ).exists()


def test_an_unreachable_server_is_the_mailbox_s_last_error(crm_setup):
    closed = Mailbox.objects.create(name="Down", host="127.0.0.1", port=1, login="x",
                                    security=Mailbox.Security.PLAIN)  # fmt: skip

    assert mailbox_poll(mailbox_id=closed.pk) == []

    closed.refresh_from_db()
    assert closed.last_error.startswith("IMAP: ") and closed.poll_lease_until is None


def test_an_incoming_e_mail_fires_the_item_s_email_received_trigger(
    imap_server, mailbox, crm_setup, django_capture_on_commit_callbacks
):
    # given: a deal of a known contact and a trigger "incoming e-mail → Negotiation"
    negotiation = crm_setup.stages.get(name="Negotiation")
    Trigger.objects.create(name="Answered", kind=Trigger.Kind.EMAIL_RECEIVED, stage=negotiation)
    contact = ContactFactory()
    Communication.objects.create(contact=contact, kind="email", value="ann@example.com",
                                 normalized_value="ann@example.com")  # fmt: skip
    deal = DealFactory(pipeline=crm_setup)
    DealContact.objects.create(deal=deal, contact=contact, is_primary=True)
    imap_server.deliver(an_email())
    # when
    with django_capture_on_commit_callbacks(execute=True):
        mailbox_poll(mailbox_id=mailbox.pk)
    # then
    deal.refresh_from_db()
    assert deal.stage == negotiation
