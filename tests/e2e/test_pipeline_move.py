"""A manager moves a deal into another pipeline from its card, in a real browser."""

from playwright.sync_api import expect

from deals.models import Deal
from tests.factories import DealFactory, UserFactory, sales_pipeline


def test_a_deal_is_moved_into_another_pipeline_from_its_card(log_in, pipeline):
    manager = UserFactory(username="manager", is_superuser=True)
    deal = DealFactory(title="Kettles for the office", responsible=manager)
    wholesale = sales_pipeline("Wholesale")
    page = log_in(manager)

    page.goto(f"/deals/{deal.pk}/")
    panel = page.get_by_test_id("pipeline-move")
    panel.locator("summary").click()
    panel.get_by_label("Pipeline and stage").select_option(label="Negotiation")
    panel.get_by_role("button", name="Move").click()

    expect(page.get_by_text("The deal is now in Wholesale.")).to_be_visible()
    expect(page.get_by_test_id("stage-bar").locator("[aria-current=step]")).to_have_text(
        "Negotiation"
    )
    assert Deal.objects.get(pk=deal.pk).pipeline == wholesale
