"""The client block of the deal card in a real browser: find a company as you type and attach
it, create a contact inline, and find both there after a reload."""

from playwright.sync_api import expect

from contacts.models import Contact
from deals.models import DealContact
from tests.factories import CompanyFactory, DealFactory, LeadFactory, user_with_role


def test_a_company_is_found_and_attached_and_a_contact_created_inline(log_in, pipeline):
    # given
    manager = user_with_role("ivanov")
    deal = DealFactory(title="Paint for the school", responsible=manager)
    company = CompanyFactory(title="Horns and Hooves", responsible=manager)
    CompanyFactory(title="Hidden Horizons", responsible=user_with_role("petrov"))
    page = log_in(manager)
    page.goto(deal.get_absolute_url())
    block = page.get_by_test_id("client-block")

    # when: the first letters of the company's name are typed and the result is clicked
    block.get_by_test_id("client-search").press_sequentially("Hor", delay=50)
    results = block.get_by_test_id("client-search-results")
    expect(results).to_contain_text("Horns and Hooves")
    expect(results).not_to_contain_text("Hidden Horizons")  # another manager's
    results.get_by_role("button", name="Horns and Hooves").click()

    # then
    expect(page.get_by_test_id("client-company")).to_contain_text("Horns and Hooves")

    # when: a new contact is created in the block
    page.get_by_test_id("client-block").get_by_text("New contact or company").click()
    form = page.get_by_test_id("client-create")
    form.get_by_label("Last name").fill("Sidorova")
    form.get_by_label("First name").fill("Anna")
    form.get_by_label("Phone").fill("+7 916 123-45-67")
    form.get_by_role("button", name="Create and attach").click()

    # then: both are in the block, also after a reload
    expect(page.get_by_test_id("client-contact")).to_contain_text("Sidorova Anna")
    page.reload()
    expect(page.get_by_test_id("client-company")).to_contain_text("Horns and Hooves")
    expect(page.get_by_test_id("client-contact")).to_contain_text("Sidorova Anna")
    deal.refresh_from_db()
    assert deal.company == company
    contact = Contact.objects.get(last_name="Sidorova")
    assert DealContact.objects.get(deal=deal).contact == contact
    assert contact.responsible == manager


def test_a_contact_is_detached_from_the_block(log_in, pipeline):
    manager = user_with_role("ivanov")
    deal = DealFactory(title="Paint for the school", responsible=manager)
    page = log_in(manager)
    page.goto(deal.get_absolute_url())
    block = page.get_by_test_id("client-block")
    block.get_by_test_id("client-search").press_sequentially("Nobody", delay=30)
    expect(block.get_by_test_id("client-search-results")).to_contain_text("Nothing found.")
    block.get_by_text("New contact or company").click()
    form = page.get_by_test_id("client-create")
    form.get_by_label("Last name").fill("Petrov")
    form.get_by_role("button", name="Create and attach").click()
    expect(page.get_by_test_id("client-contact")).to_contain_text("Petrov")

    page.get_by_role("button", name="Detach Petrov").click()

    expect(page.get_by_test_id("client-block")).to_contain_text("No client yet.")
    assert not DealContact.objects.filter(deal=deal).exists()


def test_the_lead_card_finds_and_attaches_a_contact(log_in, statuses):
    manager = user_with_role("ivanov")
    lead = LeadFactory(title="Roof paint enquiry", responsible=manager)
    Contact.objects.create(first_name="Pavel", last_name="Kryshkin", responsible=manager)
    page = log_in(manager)
    page.goto(lead.get_absolute_url())
    block = page.get_by_test_id("client-block")

    block.get_by_test_id("client-search").press_sequentially("Krysh", delay=50)
    block.get_by_test_id("client-search-results").get_by_role("button", name="Kryshkin").click()

    expect(page.get_by_test_id("client-contact")).to_contain_text("Kryshkin Pavel")
    lead.refresh_from_db()
    assert lead.contact.last_name == "Kryshkin"
