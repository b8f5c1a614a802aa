"""The shop settings in a real browser: an administrator adds a shop through its three-step
form (with a pipeline rule and an assignment rule), finds it in the list, opens its
statistics page and issues its REST token, shown once. A manager makes a deal taken by
phone an order of the shop from its card, where the fields the shop owns are read-only."""

import hashlib
from decimal import Decimal

from playwright.sync_api import expect

from catalog.models import Product
from catalog.services import ProductRowInput
from contacts.services import contact_create
from deals.services import deal_create
from shopsync.models import Shop, ShopOrder, ShopRoute, ShopStatusStage
from tests.factories import UserFactory, sales_pipeline, user_with_role


def test_an_administrator_adds_a_shop_and_issues_its_token(log_in, pipeline):
    # given an administrator, two managers and a second pipeline
    wholesale = sales_pipeline("Wholesale")
    administrator = UserFactory(username="admin", is_superuser=True)
    UserFactory(username="anna", first_name="Anna", last_name="Ivanova")
    UserFactory(username="boris", first_name="Boris", last_name="Petrov")
    UserFactory(username="clara", first_name="Clara", last_name="Smirnova")
    page = log_in(administrator)

    # when they open the shops from the settings and add one
    page.goto("/deals/")
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Settings").click()
    page.get_by_test_id("settings-tabs").get_by_role("link", name="Shops").click()
    page.get_by_role("link", name="Add a shop").click()

    connection = page.get_by_test_id("step-connection")
    connection.get_by_label("Name").fill("Teapots")
    connection.get_by_label("Exchange URL").fill("https://teapots.example.com/1c_exchange.php")
    connection.get_by_label("Login").fill("crm")
    connection.get_by_label("Password").fill("s3cret")
    connection.get_by_label("CommerceML version").select_option("2.10")
    connection.get_by_label("Encoding of documents sent").select_option(label="Windows-1251")
    connection.get_by_label("Shop time zone").select_option("Asia/Yekaterinburg")
    connection.get_by_label("Sync every, minutes").fill("10")
    connection.get_by_label("First import from").fill("2024-01-01")

    deals = page.get_by_test_id("step-deals")
    expect(deals.get_by_label("Pipeline", exact=True)).to_have_value(str(pipeline.pk))
    deals.get_by_label("Probability, %").fill("30")
    deals.get_by_label("One manager").check()
    expect(deals.get_by_label("Manager", exact=True)).to_be_visible()
    deals.get_by_label("A manager present today, at random").check()
    expect(deals.get_by_label("Manager", exact=True)).to_be_hidden()
    deals.get_by_label("Anna Ivanova").check()
    deals.get_by_label("Boris Petrov").check()
    rules = page.get_by_test_id("pipeline-rules")
    rules.get_by_role("button", name="Add a rule").click()
    rule = rules.locator("[data-route-row]").last
    rule.get_by_label("Amount from").fill("10000")
    rule.get_by_label("Rule pipeline").select_option(label="Wholesale")
    assignment = page.get_by_test_id("assignment-rules")
    assignment.get_by_role("button", name="Add a rule").click()
    assignment_rule = assignment.locator("[data-rule-row]").last
    assignment_rule.get_by_label("Amount from").fill("50000")
    assignment_rule.get_by_label("Client").select_option(label="A company")
    assignment_rule.get_by_label("Rule manager").select_option(label="Clara Smirnova")

    statuses = page.get_by_test_id("step-statuses")
    statuses.get_by_role("button", name="Add a row").click()
    row = statuses.locator("[data-status-row]").last
    row.get_by_label("Order status code").fill("F")
    row.get_by_label("Stage").select_option(label="Won")
    page.get_by_role("button", name="Save").click()

    # then the shop is saved with its managers and its map, and its page opens
    expect(page.locator("h1")).to_have_text("Teapots")
    shop = Shop.objects.get(name="Teapots")
    assert (shop.commerceml_version, shop.push_encoding, shop.time_zone) == (
        "2.10", "windows-1251", "Asia/Yekaterinburg")  # fmt: skip
    assert (shop.assignment, shop.probability, shop.sync_interval_minutes) == ("random", 30, 10)
    assert set(shop.managers.values_list("username", flat=True)) == {"anna", "boris"}
    assert list(ShopStatusStage.objects.values_list("shop__name", "status_code", "stage__name")) == [
        ("Teapots", "F", "Won")]  # fmt: skip
    assert list(ShopRoute.objects.values_list("shop__name", "sort", "site", "amount_min",
                                              "amount_max", "pipeline")) == [
        ("Teapots", 10, "", Decimal("10000.00"), None, wholesale.pk)]  # fmt: skip
    assert list(shop.assignment_rules.values_list("amount_min", "client_type",
                                                  "responsible__username")) == [
        (Decimal("50000.00"), "company", "clara")]  # fmt: skip
    expect(page.get_by_test_id("shop-summary")).to_contain_text("Anna Ivanova, Boris Petrov")
    expect(page.get_by_test_id("shop-summary")).not_to_contain_text("s3cret")

    # when they go back to the list, it is there; its name opens its statistics page
    page.get_by_role("link", name="← Shops").click()
    listed = page.get_by_test_id("shop-list").locator(f'[data-shop="{shop.pk}"]')
    expect(listed).to_contain_text("https://teapots.example.com/1c_exchange.php")
    expect(listed).to_contain_text("No exchanges yet.")
    listed.get_by_role("link", name="Teapots").click()
    expect(page.get_by_test_id("orders-total")).to_have_text("0")
    expect(page.get_by_test_id("runs")).to_contain_text("No exchanges yet.")

    # when they issue a token, it is shown with the push URL and a curl example
    page.get_by_test_id("issue-token").click()
    token_box = page.get_by_test_id("token-box")
    expect(token_box).to_contain_text("Copy it now")
    token = page.get_by_test_id("shop-token").inner_text()
    expect(page.get_by_test_id("push-url")).to_have_text(
        f"{page.url.split('/settings/')[0]}/api/v1/shop-orders/"
    )
    expect(page.get_by_test_id("curl-example")).to_contain_text(f"Authorization: Bearer {token}")
    shop.refresh_from_db()
    assert shop.token_hash == hashlib.sha256(token.encode()).hexdigest()

    # and only once: the shop's page shows it no more
    page.goto(f"/settings/shops/{shop.pk}/")
    expect(page.get_by_test_id("shop-summary")).to_contain_text("issued")
    expect(page.get_by_test_id("token-box")).to_have_count(0)
    assert token not in page.content()


def test_a_manager_makes_a_phone_deal_an_order_of_the_shop_from_its_card(log_in, pipeline):
    # given a shop (down just now) and a deal a manager took by phone, with a client
    manager = user_with_role("manager", "own", first_name="Anna", last_name="Ivanova")
    Shop.objects.create(name="Teapots", pipeline=pipeline, assignment="pool",
                        exchange_url="http://127.0.0.1:9/down")  # fmt: skip
    client = contact_create(actor=manager, last_name="Sidorova", first_name="Olga")
    kettle = Product.objects.create(name="Kettle", price=Decimal(1990), currency_id="RUB")
    deal = deal_create(
        title="Kettle by phone", actor=manager, pipeline=pipeline, responsible=manager,
        contacts=[client], comments="Call before delivery",
        product_rows=[ProductRowInput(product=kettle, product_name="Kettle", quantity=Decimal(1),
                                      price=Decimal(1990), price_currency=kettle.currency)],
    )  # fmt: skip
    page = log_in(manager)

    # when they open its card, the comments are theirs to edit
    page.goto(f"/deals/{deal.pk}/")
    expect(page.get_by_test_id("field-comments").get_by_role("button")).to_have_count(1)
    panel = page.get_by_test_id("shop-order")
    panel.get_by_label("Create the order in").select_option(label="Teapots")
    panel.get_by_role("button", name="Create the order").click()

    # then the deal is the shop's order, waiting for the shop; the shop's fields are locked
    expect(page.get_by_text("The order goes to Teapots")).to_be_visible()
    panel = page.get_by_test_id("shop-order")
    expect(panel.get_by_test_id("shop-order-number")).to_have_text(
        "Waiting for the shop to take it"
    )
    expect(panel.get_by_test_id("shop-order-push")).to_contain_text("Waiting")
    expect(page.get_by_test_id("field-comments")).to_contain_text("Call before delivery")
    expect(page.get_by_test_id("field-comments").get_by_role("button")).to_have_count(0)
    assert ShopOrder.objects.get(deal=deal).is_created_in_crm
