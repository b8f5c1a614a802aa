"""The catalog pages (sections, products, product search) and the product rows editor of a
deal card, through the test client."""

import html
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import PermissionAction, PermissionEntity, RolePermission
from catalog.models import Origin, Product, ProductRow, Section
from catalog.services import section_create, section_move
from core.errors import ApplicationError
from tests.factories import (
    DealFactory,
    LeadFactory,
    ProductFactory,
    UserFactory,
    role,
    user_with_role,
)

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def catalog_user(username: str, actions=None):
    """A member of staff whose role covers the catalog only: every action, or `actions`."""
    user = UserFactory(username=username)
    user.roles.add(
        role(f"{username} role", "all", entities=[PermissionEntity.PRODUCT], actions=actions)
    )
    return user


# sections


def test_the_section_tree_renders_nested_sections_in_one_query_each_indented(client, money):
    paint = section_create(name="Paint")
    inside = section_create(name="Inside", parent=paint)
    section_create(name="Matt", parent=inside)
    section_create(name="Tools")
    client.force_login(user_with_role("ivanov", first_name="Ivan", last_name="Ivanov"))  # no "Matt"

    response = client.get(reverse("catalog:section-list"))

    assert response.status_code == 200
    page = text_of(response)
    assert page.index("Paint") < page.index("Inside") < page.index("Matt") < page.index("Tools")
    nodes = [(node.name, node.depth) for node in response.context["sections"]]
    assert nodes == [("Paint", 1), ("Inside", 2), ("Matt", 3), ("Tools", 1)]
    assert 'class="section-node depth-3' in page


def test_a_section_is_created_under_a_parent_renamed_moved_and_deactivated(client, money):
    paint = section_create(name="Paint")
    tools = section_create(name="Tools")
    client.force_login(catalog_user("editor"))

    created = client.post(
        reverse("catalog:section-create"),
        {"name": "Brushes", "parent": paint.pk, "is_active": "on"},
    )
    brushes = Section.objects.get(name="Brushes")
    moved = client.post(
        reverse("catalog:section-update", args=[brushes.pk]),
        {"name": "Brushes and rollers", "parent": tools.pk},  # is_active unticked
    )

    assert (created.status_code, moved.status_code) == (302, 302)
    brushes.refresh_from_db()
    assert (brushes.name, brushes.is_active) == ("Brushes and rollers", False)
    assert Section.objects.get_parent(brushes) == tools
    assert list(Section.objects.get_children(paint)) == []


def test_a_section_does_not_move_below_itself(money):
    paint = section_create(name="Paint")
    inside = section_create(name="Inside", parent=paint)

    with pytest.raises(ApplicationError):
        section_move(section=paint, parent=inside)

    paint.refresh_from_db()
    assert paint.depth == 1 and Section.objects.get_parent(inside) == paint


def test_a_section_moves_to_the_top_level(money):
    paint = section_create(name="Paint")
    inside = section_create(name="Inside", parent=paint)

    moved = section_move(section=inside, parent=None)

    assert moved.depth == 1
    assert [node.name for node in Section.objects.get_tree()] == ["Paint", "Inside"]


def test_section_changes_need_the_product_add_or_edit_scope(client, money):
    paint = section_create(name="Paint")
    client.force_login(catalog_user("viewer", actions=[PermissionAction.VIEW]))

    assert client.get(reverse("catalog:section-list")).status_code == 200
    assert client.get(reverse("catalog:section-create")).status_code == 403
    assert client.post(reverse("catalog:section-create"), {"name": "New"}).status_code == 403
    update = reverse("catalog:section-update", args=[paint.pk])
    assert client.get(update).status_code == 403
    assert client.post(update, {"name": "Renamed", "is_active": "on"}).status_code == 403
    assert [section.name for section in Section.objects.all()] == ["Paint"]


def test_catalog_pages_need_a_product_view_scope(client, money):
    section_create(name="Paint")
    ProductFactory(name="White paint")
    outsider = UserFactory(username="outsider")
    outsider.roles.add(role("Deals only", "all", entities=[PermissionEntity.DEAL]))
    search = reverse("catalog:product-search")

    assert client.get(reverse("catalog:product-list")).status_code == 302  # to the login page
    client.force_login(outsider)
    assert "White paint" not in text_of(client.get(reverse("catalog:product-list")))
    assert "Paint" not in text_of(client.get(reverse("catalog:section-list")))
    assert client.get(search, {"q": "wh"}).json() == {"products": []}

    client.force_login(catalog_user("viewer", actions=[PermissionAction.VIEW]))
    assert "White paint" in text_of(client.get(reverse("catalog:product-list")))
    assert "Paint" in text_of(client.get(reverse("catalog:section-list")))
    assert [found["name"] for found in client.get(search, {"q": "wh"}).json()["products"]] == [
        "White paint"
    ]


# the product list


@pytest.fixture
def shelf(money):
    """Paint › Inside, Tools; five products across them, one from a shop, one inactive."""
    paint = section_create(name="Paint")
    inside = section_create(name="Inside", parent=paint)
    tools = section_create(name="Tools")
    return {
        "white": ProductFactory(name="White paint", sku="WP-1", section=paint, price=Decimal(500)),
        "matt": ProductFactory(name="Matt paint", sku="MP-1", section=inside, price=Decimal(900)),
        "brush": ProductFactory(name="Brush", sku="BR-7", section=tools, price=Decimal(120),
                                currency=money["USD"]),
        "roller": ProductFactory(name="Roller", sku="RL-2", section=tools, price=Decimal(300),
                                 origin=Origin.SHOP, external_id="shop-15"),
        "old": ProductFactory(name="Old varnish", sku="OV-1", section=paint, price=Decimal(50),
                              is_active=False),
        "sections": {"paint": paint, "inside": inside, "tools": tools},
    }  # fmt: skip


def listed(client, **query) -> list[str]:
    response = client.get(reverse("catalog:product-list"), query)
    assert response.status_code == 200
    return [product.name for product in response.context["page"].rows]


def test_the_product_list_filters(client, shelf):
    sections = shelf["sections"]
    client.force_login(user_with_role("ivanov"))

    assert listed(client, q="paint") == ["Matt paint", "White paint"]
    assert listed(client, q="br-7") == ["Brush"]
    assert listed(client, section=sections["paint"].pk) == [
        "Matt paint", "Old varnish", "White paint"]  # fmt: skip
    assert listed(client, section=sections["inside"].pk) == ["Matt paint"]
    assert listed(client, price_min="120", price_max="500") == ["Brush", "Roller", "White paint"]
    assert listed(client, currency="USD") == ["Brush"]
    assert listed(client, active="false") == ["Old varnish"]
    assert listed(client, origin="shop") == ["Roller"]
    assert listed(client, origin="manual", active="true", section=sections["tools"].pk) == ["Brush"]


def test_the_product_list_sorts_by_its_columns(client, shelf):
    client.force_login(user_with_role("ivanov"))

    assert listed(client, sort="-price") == [
        "Matt paint", "White paint", "Roller", "Brush", "Old varnish"]  # fmt: skip
    assert listed(client, sort="sku") == [
        "Brush", "Matt paint", "Old varnish", "Roller", "White paint"]  # fmt: skip
    assert listed(client, sort="bogus")[0] == "Brush"  # by name


def test_products_from_a_shop_carry_a_badge(client, shelf):
    client.force_login(user_with_role("ivanov"))

    response = client.get(reverse("catalog:product-list"), {"origin": "shop"})

    assert 'class="origin-badge"' in text_of(response)
    manual = client.get(reverse("catalog:product-list"), {"origin": "manual"})
    assert 'class="origin-badge"' not in text_of(manual)


def product_list_queries(client, django_assert_max_num_queries, count: int) -> int:
    section = section_create(name=f"Section for {count}")
    for number in range(count):
        ProductFactory(name=f"Item {count}-{number}", section=section)
    with (
        django_assert_max_num_queries(12),
        CaptureQueriesContext(connection) as queries,
    ):
        response = client.get(reverse("catalog:product-list"))
    assert len(response.context["page"].rows) == count
    Product.objects.all().delete()
    return len(queries)


def test_the_product_list_reads_the_same_few_queries_for_5_or_50_products(
    client, money, django_assert_max_num_queries
):
    client.force_login(user_with_role("ivanov"))

    five = product_list_queries(client, django_assert_max_num_queries, 5)
    fifty = product_list_queries(client, django_assert_max_num_queries, 50)

    assert five == fifty


# the product form


def test_product_create_and_update_are_refused_without_the_scope(client, money):
    product = ProductFactory(name="White paint")
    form = {"name": "Black paint", "price": "700", "currency": "RUB", "measure": "pcs",
            "sort": 500, "is_active": "on", "is_vat_included": "on"}  # fmt: skip
    update = reverse("catalog:product-update", args=[product.pk])
    client.force_login(catalog_user("viewer", actions=[PermissionAction.VIEW]))

    assert client.get(reverse("catalog:product-create")).status_code == 403
    assert client.post(reverse("catalog:product-create"), form).status_code == 403
    assert client.get(update).status_code == 403
    assert client.post(update, form).status_code == 403
    assert list(Product.objects.values_list("name", "price")) == [("White paint", Decimal(100))]

    client.force_login(catalog_user("adder", actions=[PermissionAction.VIEW, PermissionAction.ADD]))
    assert client.post(reverse("catalog:product-create"), form).status_code == 302
    assert client.post(update, form).status_code == 403  # adding is not editing

    client.force_login(catalog_user("editor"))
    assert client.post(update, form | {"name": "Grey paint"}).status_code == 302
    product.refresh_from_db()
    assert (product.name, product.price) == ("Grey paint", Decimal(700))
    assert Product.objects.get(name="Black paint").origin == Origin.MANUAL


def test_the_product_form_shows_its_errors(client, money):
    client.force_login(catalog_user("editor"))

    response = client.post(reverse("catalog:product-create"), {"name": "", "price": "-1"})

    assert response.status_code == 200
    assert response.context["form"].errors.keys() >= {"name", "currency"}
    assert not Product.objects.exists()


# the product search of the rows editor


def test_the_product_search_finds_active_products_by_first_letters(client, shelf, money):
    client.force_login(user_with_role("ivanov"))
    search = reverse("catalog:product-search")

    def names(text: str) -> list[str]:
        return [found["name"] for found in client.get(search, {"q": text}).json()["products"]]

    assert names("wh") == ["White paint"]
    assert names("br-") == ["Brush"]  # by the article
    assert names("paint") == []  # first letters only
    assert names("old") == []  # inactive
    assert names("") == []
    brush = client.get(search, {"q": "brush", "currency": "RUB"}).json()["products"][0]
    assert (brush["price"], brush["currency"], brush["converted_price"]) == (
        "120.00", "USD", "10800.00")  # fmt: skip


def test_the_product_search_answers_at_most_20_and_as_an_htmx_fragment(client, money):
    for number in range(25):
        ProductFactory(name=f"Nail {number:02}")
    client.force_login(user_with_role("ivanov"))

    found = client.get(reverse("catalog:product-search"), {"q": "nail"}).json()["products"]
    fragment = client.get(reverse("catalog:product-search"), {"q": "nail"}, HTTP_HX_REQUEST="true")

    assert len(found) == 20
    assert fragment.status_code == 200
    assert text_of(fragment).count('role="option"') == 20


# the product rows of a deal


def posted_rows(*rows: dict) -> dict:
    """The rows editor's form: parallel lists, one item per row."""
    defaults = {"product": "", "name": "", "price": "", "price_from_catalog": "0",
                "quantity": "1", "discount_type": "percent", "discount": "0", "tax_rate": "",
                "tax_included": "1"}  # fmt: skip
    return {name: [str({**defaults, **row}[name]) for row in rows] for name in defaults}


def test_the_deal_rows_are_saved_with_discounts_and_give_the_deal_its_amount(client, pipeline):
    # given
    manager = user_with_role("ivanov")
    deal = DealFactory(responsible=manager, amount=Decimal(0))
    paint = ProductFactory(name="White paint", price=Decimal("100.00"))
    roller = ProductFactory(name="Roller", price=Decimal("250.00"))
    client.force_login(manager)

    # when: 3 × 100.00 − 10 %, 2 × (250.00 − 15.50)
    response = client.post(
        reverse("deals:product-rows", args=[deal.pk]),
        posted_rows(
            {"product": paint.pk, "name": paint.name, "price": "100", "quantity": "3",
             "discount": "10"},
            {"product": roller.pk, "name": roller.name, "price": "250.00", "quantity": "2",
             "discount_type": "amount", "discount": "15.50"},
        ),
    )  # fmt: skip

    # then
    assert response.status_code == 200
    deal.refresh_from_db()
    assert deal.amount == Decimal("739.00")
    rows = list(deal.product_rows.values_list("product_name", "quantity", "line_total"))
    assert rows == [("White paint", Decimal(3), Decimal("270.00")),
                    ("Roller", Decimal(2), Decimal("469.00"))]  # fmt: skip
    assert "739.00 RUB" in text_of(response)  # the editor again, with the server's totals
    card = client.get(reverse("deals:detail", args=[deal.pk]))
    assert "739.00 RUB" in text_of(card)


def test_a_usd_product_on_a_rub_deal_is_converted(client, pipeline, money):
    manager = user_with_role("ivanov")
    deal = DealFactory(responsible=manager)
    drill = ProductFactory(name="Drill", price=Decimal("12.50"), currency=money["USD"])
    client.force_login(manager)

    response = client.post(
        reverse("deals:product-rows", args=[deal.pk]),
        posted_rows({"product": drill.pk, "name": drill.name, "price": "12.50",
                     "price_from_catalog": "1", "quantity": "2"}),
    )  # fmt: skip

    assert response.status_code == 200
    row = deal.product_rows.get()
    assert (row.price, row.line_total) == (Decimal("1125.00"), Decimal("2250.00"))  # at 90
    deal.refresh_from_db()
    assert deal.amount == Decimal("2250.00")
    page = text_of(response)
    assert 'name="price" value="1125.00"' in page and "2,250.00 RUB" in page


def test_a_catalog_price_with_an_amount_off_is_converted_before_the_discount(
    client, pipeline, money
):
    manager = user_with_role("ivanov")
    deal = DealFactory(responsible=manager)
    drill = ProductFactory(name="Drill", price=Decimal("10.00"), currency=money["USD"])
    client.force_login(manager)

    client.post(
        reverse("deals:product-rows", args=[deal.pk]),
        posted_rows({"product": drill.pk, "name": drill.name, "price_from_catalog": "1",
                     "discount_type": "amount", "discount": "100"}),
    )  # fmt: skip

    row = deal.product_rows.get()
    assert (row.price, row.discount_amount, row.line_total) == (
        Decimal("900.00"), Decimal("100.00"), Decimal("800.00"))  # fmt: skip


def test_wrong_rows_are_refused_and_nothing_changes(client, pipeline):
    manager = user_with_role("ivanov")
    deal = DealFactory(responsible=manager, amount=Decimal("42.00"))
    client.force_login(manager)
    url = reverse("deals:product-rows", args=[deal.pk])

    no_quantity = client.post(url, posted_rows({"name": "Paint", "price": "10", "quantity": "0"}))
    too_much_off = client.post(
        url, posted_rows({"name": "Paint", "price": "10", "discount": "150"})
    )
    not_a_number = client.post(url, posted_rows({"name": "Paint", "price": "ten"}))

    assert [no_quantity.status_code, too_much_off.status_code, not_a_number.status_code] == [
        422, 422, 422]  # fmt: skip
    assert "Row 1" in no_quantity.json()["error"]
    deal.refresh_from_db()
    assert deal.amount == Decimal("42.00")
    assert not ProductRow.objects.exists()


def test_removing_every_row_empties_the_deal(client, pipeline):
    manager = user_with_role("ivanov")
    deal = DealFactory(responsible=manager)
    client.force_login(manager)
    url = reverse("deals:product-rows", args=[deal.pk])
    client.post(url, posted_rows({"name": "Paint", "price": "10"}))

    response = client.post(url, {})

    assert response.status_code == 200
    deal.refresh_from_db()
    assert (deal.amount, deal.product_rows.count()) == (Decimal("0.00"), 0)


def test_deal_rows_are_refused_out_of_sight_and_when_not_editable(client, pipeline):
    manager, other = user_with_role("ivanov"), user_with_role("petrov")
    own = DealFactory(responsible=manager, amount=Decimal(0))
    others = DealFactory(responsible=other, amount=Decimal(0))
    rows = posted_rows({"name": "Paint", "price": "10"})
    client.force_login(manager)

    assert client.get(reverse("deals:product-rows", args=[others.pk])).status_code == 404
    assert client.post(reverse("deals:product-rows", args=[others.pk]), rows).status_code == 404
    assert client.get(reverse("deals:product-rows", args=[own.pk])).status_code == 200

    RolePermission.objects.filter(
        role__users=manager, entity=PermissionEntity.DEAL, action=PermissionAction.EDIT
    ).update(scope="none")
    assert client.post(reverse("deals:product-rows", args=[own.pk]), rows).status_code == 403
    card = client.get(reverse("deals:detail", args=[own.pk]))
    assert card.status_code == 200
    assert 'data-testid="product-search"' not in text_of(card)  # the editor is read-only
    assert not ProductRow.objects.exists()
    own.refresh_from_db()
    assert own.amount == Decimal(0)


def test_lead_rows_are_saved_and_refused_like_the_deal_ones(client, statuses, money):
    manager, other = user_with_role("ivanov"), user_with_role("petrov")
    own, others = LeadFactory(responsible=manager), LeadFactory(responsible=other)
    client.force_login(manager)

    response = client.post(
        reverse("leads:product-rows", args=[own.pk]),
        posted_rows({"name": "Paint", "price": "100", "quantity": "3", "discount": "10"}),
    )

    assert response.status_code == 200
    own.refresh_from_db()
    assert own.amount == Decimal("270.00")
    assert client.get(reverse("leads:product-rows", args=[others.pk])).status_code == 404
    rows = posted_rows({"name": "Paint", "price": "10"})
    assert client.post(reverse("leads:product-rows", args=[others.pk]), rows).status_code == 404
    others.refresh_from_db()
    assert others.product_rows.count() == 0


def test_mass_actions_on_products_follow_the_edit_and_delete_scopes(client, money, pipeline):
    paint, roller = ProductFactory(name="Paint"), ProductFactory(name="Roller")
    sold = DealFactory(amount=Decimal(0))
    ProductRow.objects.create(deal=sold, product=roller, product_name="Roller", price=10)
    ids = [paint.pk, roller.pk]
    url = reverse("catalog:product-mass-action")
    client.force_login(catalog_user("viewer", actions=[PermissionAction.VIEW]))

    client.post(url, {"action": "deactivate", "ids": ids})
    client.post(url, {"action": "delete", "ids": ids})
    assert Product.objects.filter(is_active=True).count() == 2

    client.force_login(
        catalog_user("editor", actions=[PermissionAction.VIEW, PermissionAction.EDIT])
    )
    client.post(url, {"action": "deactivate", "ids": ids})
    client.post(url, {"action": "delete", "ids": ids})
    assert Product.objects.filter(is_active=False).count() == 2

    client.force_login(catalog_user("manager"))
    client.post(url, {"action": "delete", "ids": ids})
    assert not Product.objects.exists()
    row = ProductRow.objects.get()  # the deal keeps its row, named, unlinked
    assert (row.product_id, row.product_name) == (None, "Roller")


def test_the_product_export_follows_the_export_scope_and_the_filters(client, money):
    ProductFactory(name="White paint", sku="WP-1")
    ProductFactory(name="Roller", sku="R-1")
    url = reverse("catalog:product-export")
    client.force_login(catalog_user("viewer", actions=[PermissionAction.VIEW]))

    assert exported_names(client.get(url)) == []

    client.force_login(catalog_user("exporter", actions=[PermissionAction.VIEW,
                                                         PermissionAction.EXPORT]))  # fmt: skip
    assert exported_names(client.get(url)) == ["Roller", "White paint"]
    assert exported_names(client.get(url, {"q": "paint"})) == ["White paint"]


def exported_names(response) -> list[str]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return [line.split(",")[1] for line in text.splitlines()[1:]]


@pytest.mark.parametrize("currency", ["\x00", "usd", "US", "USDX", "1; --"])
def test_the_product_search_ignores_a_malformed_currency(client, money, currency):
    from tests.factories import ProductFactory, UserFactory

    ProductFactory(name="Malformed widget", price="90.00", currency=money["USD"])
    client.force_login(UserFactory(username="root", is_superuser=True))

    response = client.get(
        reverse("catalog:product-search"), {"q": "Malformed", "currency": currency}
    )

    assert response.status_code == 200
    [found] = response.json()["products"]
    assert (found["name"], found["converted_price"]) == ("Malformed widget", "8100.00")
