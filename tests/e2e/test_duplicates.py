"""Duplicates in a real browser: the warning as a phone is typed on the create form, and
merging two contacts from the duplicates page."""

from playwright.sync_api import expect

from contacts.models import Communication, Contact
from contacts.services import CommunicationInput, communications_replace
from deals.services import deal_create
from tests.factories import ContactFactory, user_with_role


def test_merge_two_contacts(log_in, pipeline):
    # given two contacts sharing a phone, each in a deal
    manager = user_with_role("ivanov")
    older = ContactFactory(first_name="Anna", last_name="Ivanova", position="Buyer",
                           responsible=manager)  # fmt: skip
    newer = ContactFactory(first_name="Anna", last_name="Ivanova", position="Director",
                           responsible=manager)  # fmt: skip
    for contact, value in ((older, "+7 916 123-45-67"), (newer, "8 (916) 123-45-67")):
        communications_replace(owner=contact, items=[
            CommunicationInput(kind=Communication.Kind.PHONE, value=value)])  # fmt: skip
    deal_create(title="Paint for the school", actor=manager, contacts=[older])
    deal_create(title="Roof for the garage", actor=manager, contacts=[newer])
    page = log_in(manager)

    # when the newer one is kept with the older one's position
    page.goto("/contacts/")
    page.get_by_test_id("duplicates-link").click()
    group = page.get_by_test_id("duplicate-group")
    expect(group).to_contain_text("+79161234567")
    group.get_by_role("link", name="Merge").click()
    form = page.get_by_test_id("duplicate-merge")
    form.get_by_label(f"Keep Ivanova Anna #{newer.pk}").check()
    form.get_by_label("Buyer").check()
    form.get_by_role("button", name="Merge").click()

    # then one contact is left, with both deals
    page.wait_for_url(f"**{newer.get_absolute_url()}")
    expect(page.get_by_text("The duplicates are merged into Ivanova Anna.")).to_be_visible()
    expect(page.get_by_role("link", name="Paint for the school")).to_be_visible()
    expect(page.get_by_role("link", name="Roof for the garage")).to_be_visible()
    assert list(Contact.objects.all()) == [newer]
    newer.refresh_from_db()
    assert newer.position == "Buyer"


def test_the_create_form_warns_as_a_known_phone_is_typed(log_in):
    manager = user_with_role("ivanov")
    known = ContactFactory(first_name="Anna", last_name="Ivanova", responsible=manager)
    communications_replace(owner=known, items=[
        CommunicationInput(kind=Communication.Kind.PHONE, value="+7 916 123-45-67")])  # fmt: skip
    page = log_in(manager)
    page.goto("/contacts/create/")

    page.get_by_label("Last name").fill("Petrova")
    page.get_by_label("Phones").press_sequentially("8 916 123 45 67", delay=20)

    warning = page.get_by_test_id("duplicate-warning")
    expect(warning.get_by_role("link", name="Ivanova Anna")).to_have_attribute(
        "href", known.get_absolute_url()
    )
    warning.get_by_role("button", name="Create anyway").click()
    page.wait_for_url(lambda url: "/create/" not in url)
    assert Contact.objects.filter(last_name="Petrova").count() == 1
