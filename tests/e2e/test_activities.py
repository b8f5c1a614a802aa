"""The activity block of a deal card, reminders and notifications in a real browser."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from activities.models import Activity, Notification
from activities.services import activity_reminders_send
from tests.factories import DealFactory, user_with_role


def test_a_call_logged_on_a_deal_card_shows_in_the_journal(log_in, pipeline):
    manager = user_with_role("ivanov")
    deal = DealFactory(title="Paint for the school", responsible=manager)
    page = log_in(manager)
    page.goto(deal.get_absolute_url())

    page.get_by_test_id("add-call").click()
    dialog = page.get_by_test_id("dialog-call")
    dialog.get_by_label("Subject").fill("Talked to the director")
    dialog.get_by_label("It already happened").check()
    dialog.get_by_role("button", name="Save").click()

    expect(page.get_by_test_id("journal")).to_contain_text("Talked to the director")
    expect(page.get_by_test_id("dialog-call")).not_to_be_visible()
    call = Activity.objects.get(subject="Talked to the director")
    assert (call.kind, call.status, call.completed_by) == ("call", "done", manager)


def test_a_planned_task_reminds_through_the_bell_and_leads_back_to_the_deal(log_in, pipeline):
    manager = user_with_role("ivanov")
    deal = DealFactory(title="Paint for the school", responsible=manager)
    page = log_in(manager)
    page.goto(deal.get_absolute_url())
    remind_at = timezone.localtime() + datetime.timedelta(hours=1)

    page.get_by_test_id("add-task").click()
    dialog = page.get_by_test_id("dialog-task")
    dialog.get_by_label("Subject").fill("Send the price list")
    dialog.get_by_label("When").fill(
        (remind_at + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    )
    dialog.get_by_label("Remind me at").fill(remind_at.strftime("%Y-%m-%dT%H:%M"))
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("actions")).to_contain_text("Send the price list")
    task = Activity.objects.get(subject="Send the price list")
    assert task.remind_at is not None

    # the beat's job, run as if its minute came after the reminder time
    assert activity_reminders_send(now=task.remind_at + datetime.timedelta(minutes=1)) == 1
    page.reload()

    expect(page.get_by_test_id("unread-count")).to_have_text("1")
    page.get_by_test_id("bell").click()
    reminder = Notification.objects.get(recipient=manager)
    row = page.get_by_test_id(f"notification-{reminder.pk}")
    expect(row).to_contain_text("Reminder: Send the price list")
    row.get_by_role("button").click()

    page.wait_for_url(f"**{deal.get_absolute_url()}")
    expect(page.get_by_test_id("deal-title")).to_have_text("Paint for the school")
    expect(page.get_by_test_id("unread-count")).to_have_count(0)
    reminder.refresh_from_db()
    assert reminder.is_read
