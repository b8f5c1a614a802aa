"""The lead pages in a real browser: convert a lead through the dialog, drag a lead on the
kanban to another status."""

from playwright.sync_api import expect

from activities.models import TimelineEvent
from deals.models import Deal
from leads.models import Lead
from tests.factories import LeadFactory, user_with_role


def test_converting_a_lead_into_contact_company_and_deal_through_the_dialog(
    log_in, statuses, pipeline
):
    manager = user_with_role("ivanov")
    lead = LeadFactory(title="Paint for the school", responsible=manager, first_name="Ivan",
                       last_name="Petrov", company_title="")  # fmt: skip
    page = log_in(manager)
    page.goto(lead.get_absolute_url())

    page.get_by_test_id("convert-open").click()
    dialog = page.locator("#convert-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("new contact").check()
    dialog.get_by_label("new company").check()
    dialog.get_by_label("Create a deal").check()
    dialog.get_by_role("button", name="Convert").click()

    # the lead names no company: the dialog asks for its name
    missing = dialog.get_by_test_id("convert-missing")
    expect(missing).to_contain_text("Give the company a name.")
    missing.get_by_label("Company name").fill("School No. 5")
    dialog.get_by_role("button", name="Convert").click()

    done = dialog.get_by_test_id("convert-done")
    expect(done).to_contain_text("School No. 5")
    expect(done).to_contain_text("Petrov Ivan")
    deal = Deal.objects.get(lead=lead)
    expect(done.get_by_role("link", name="Paint for the school")).to_have_attribute(
        "href", deal.get_absolute_url()
    )
    lead.refresh_from_db()
    assert (lead.status.code, lead.company.title, lead.contact.last_name) == (
        "converted",
        "School No. 5",
        "Petrov",
    )
    done.get_by_role("link", name="Paint for the school").click()
    expect(page.get_by_test_id("deal-title")).to_have_text("Paint for the school")


def test_dragging_a_lead_changes_its_status(log_in, statuses, money):
    manager = user_with_role("ivanov")
    lead = LeadFactory(title="Paint for the school", responsible=manager, amount=1500)
    in_process = statuses["in_process"]
    page = log_in(manager)
    page.goto("/leads/")
    expect(page.get_by_test_id(f"count-{statuses['new'].pk}")).to_have_text("1")

    page.get_by_test_id(f"card-{lead.pk}").drag_to(
        page.locator(f'.cards[data-column="{in_process.pk}"]')
    )

    expect(page.get_by_test_id(f"count-{in_process.pk}")).to_have_text("1")
    expect(page.get_by_test_id(f"count-{statuses['new'].pk}")).to_have_text("0")
    lead.refresh_from_db()
    assert lead.status == in_process
    assert TimelineEvent.objects.filter(
        entity_type="lead", entity_id=lead.pk, kind=TimelineEvent.Kind.STATUS_CHANGED
    ).exists()
    page.reload()
    expect(page.get_by_test_id(f"column-{in_process.pk}").get_by_text(lead.title)).to_be_visible()


def test_a_drag_to_the_converted_column_snaps_back_with_the_reason(log_in, statuses, money):
    manager = user_with_role("ivanov")
    lead = LeadFactory(title="Paint for the school", responsible=manager)
    converted = statuses["converted"]
    page = log_in(manager)
    page.goto("/leads/")

    page.get_by_test_id(f"card-{lead.pk}").drag_to(
        page.locator(f'.cards[data-column="{converted.pk}"]')
    )

    expect(page.get_by_role("alert")).to_contain_text("Convert the lead")
    expect(
        page.get_by_test_id(f"column-{statuses['new'].pk}").get_by_text(lead.title)
    ).to_be_visible()
    assert Lead.objects.get(pk=lead.pk).status == statuses["new"]
