"""The products of a deal card in a real browser: add products by their first letters, edit the
quantity and discounts in place, see the totals at once and the deal's amount saved."""

from decimal import Decimal

from playwright.sync_api import expect

from deals.models import Deal
from tests.factories import DealFactory, ProductFactory, user_with_role
from tests.polling import wait_until


def add_product(page, letters: str, name: str) -> None:
    page.get_by_test_id("product-search").fill(letters)
    page.get_by_test_id("product-search-results").get_by_text(name).click()
    expect(page.get_by_test_id("row-name").filter(has_text=name)).to_be_visible()


def saved_amount(deal: Deal) -> Decimal:
    return Deal.objects.get(pk=deal.pk).amount


def test_a_deal_gets_two_products_with_discounts_and_its_amount(log_in, pipeline):
    # given
    manager = user_with_role("ivanov")
    ProductFactory(name="White paint", price=Decimal("100.00"))
    ProductFactory(name="Roller", price=Decimal("250.00"))
    deal = DealFactory(title="Paint for the school", responsible=manager, amount=0)
    page = log_in(manager)
    page.goto(deal.get_absolute_url())

    # when: 3 × 100.00 − 10 %, then 2 × (250.00 − 15.50 per unit)
    add_product(page, "Whi", "White paint")
    add_product(page, "rol", "Roller")
    # both rows saved (the editor is re-rendered with the server's figures) before editing
    wait_until(lambda: saved_amount(deal) == Decimal("350.00"), message="the rows are not saved")
    expect(page.get_by_test_id("rows-total")).to_have_text("350.00 RUB")
    page.wait_for_load_state("networkidle")
    rows = page.get_by_test_id("product-row")
    rows.nth(0).get_by_test_id("row-quantity").fill("3")
    rows.nth(0).get_by_test_id("row-discount").fill("10")
    # recalculated in the browser before anything is saved
    expect(rows.nth(0).get_by_test_id("row-total")).to_have_text("270.00 RUB")
    expect(page.get_by_test_id("rows-total")).to_have_text("520.00 RUB")
    rows.nth(0).get_by_test_id("row-discount").press("Tab")
    rows.nth(1).get_by_test_id("row-discount-type").select_option("amount")
    rows.nth(1).get_by_test_id("row-quantity").fill("2")
    rows.nth(1).get_by_test_id("row-discount").fill("15.50")
    rows.nth(1).get_by_test_id("row-discount").press("Enter")

    # then
    expect(page.get_by_test_id("rows-total")).to_have_text("739.00 RUB")
    wait_until(lambda: saved_amount(deal) == Decimal("739.00"), message="the amount is not saved")
    expect(page.get_by_test_id("field-amount")).to_contain_text("739.00")
    page.reload()
    expect(page.get_by_test_id("rows-total")).to_have_text("739.00 RUB")
    expect(page.get_by_test_id("product-row")).to_have_count(2)
    expect(page.get_by_test_id("field-amount")).to_contain_text("739.00")


def test_removing_a_row_saves_the_smaller_amount(log_in, pipeline, money):
    manager = user_with_role("ivanov")
    ProductFactory(name="Drill", price=Decimal("12.50"), currency=money["USD"])
    ProductFactory(name="Dowels", price=Decimal("40.00"))
    deal = DealFactory(title="Tools", responsible=manager, amount=0)
    page = log_in(manager)
    page.goto(deal.get_absolute_url())

    add_product(page, "dri", "Drill")  # 12.50 USD at 90: 1,125.00 RUB
    expect(page.get_by_test_id("row-price")).to_have_value("1125.00")
    add_product(page, "dow", "Dowels")
    expect(page.get_by_test_id("rows-total")).to_have_text("1,165.00 RUB")
    wait_until(lambda: saved_amount(deal) == Decimal("1165.00"))
    page.get_by_test_id("product-row").nth(0).get_by_test_id("row-remove").click()

    expect(page.get_by_test_id("rows-total")).to_have_text("40.00 RUB")
    wait_until(lambda: saved_amount(deal) == Decimal("40.00"))
    page.reload()
    expect(page.get_by_test_id("product-row")).to_have_count(1)
