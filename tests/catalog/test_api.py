"""The catalog over the REST API: products, sections, currencies and the product rows of deals
and leads, for the three people of tests/factories.sales_staff and an administrator."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import PermissionAction, PermissionEntity, RolePermission
from activities.models import TimelineEvent
from catalog.models import Currency, CurrencyRate, Product, ProductRow, Section
from catalog.services import section_create
from deals.models import Deal
from leads.models import Lead
from tests.api_client import api_as
from tests.factories import (
    DealFactory,
    LeadFactory,
    ProductFactory,
    UserFactory,
    role,
    sales_staff,
)

# every role of sales_staff has a product scope: the catalog is whole for all of them
PEOPLE = ["responsible", "other", "head", "admin"]
# who sees (and edits) which deal or lead: see tests/factories.sales_staff
VISIBLE = {"responsible": {"responsible"}, "other": {"other"}, "head": {"responsible"},
           "admin": {"responsible", "other"}}  # fmt: skip


def settings_administrator(username: str = "admin"):
    """A member of staff whose role may edit all the settings and nothing else."""
    user = UserFactory(username=username)
    user.roles.add(role("Administrator", "all", entities=[PermissionEntity.SETTINGS],
                        actions=[PermissionAction.EDIT]))  # fmt: skip
    return user


@pytest.fixture
def people(db, pipeline, statuses):
    users = sales_staff()
    users["admin"] = UserFactory(username="root", is_superuser=True)
    return users


def catalog_refuse(users, *actions) -> None:
    """The Manager role (responsible and other) loses these product scopes."""
    RolePermission.objects.filter(role__name="Manager", entity=PermissionEntity.PRODUCT,
                                  action__in=actions).update(scope="none")  # fmt: skip


# products


@pytest.mark.parametrize("user", PEOPLE)
def test_the_product_list_and_detail_are_open_to_every_product_scope(
    people, user, django_assert_max_num_queries
):
    tea = ProductFactory(name="Green tea", sku="GT-1", price=Decimal("350.00"))
    ProductFactory(name="Coffee")
    api = api_as(people[user])

    with django_assert_max_num_queries(3):
        listed = api.get(reverse("api:product-list"))
    detail = api.get(reverse("api:product-detail", args=[tea.pk]))

    assert listed.status_code == 200
    assert [row["name"] for row in listed.json()["results"]] == ["Coffee", "Green tea"]
    assert detail.status_code == 200
    assert detail.json() | {"created_at": None, "updated_at": None} == {
        "id": tea.pk, "name": "Green tea", "description": "", "section": None, "sku": "GT-1",
        "price": "350.00", "currency": "RUB", "measure": "pcs", "vat_rate": None,
        "is_vat_included": True, "is_active": True, "sort": 500, "origin": "manual",
        "external_id": "", "created_at": None, "updated_at": None,
    }  # fmt: skip


def test_without_a_product_scope_the_catalog_is_empty_and_closed(people):
    tea = ProductFactory(name="Green tea")
    api = api_as(settings_administrator())

    listed = api.get(reverse("api:product-list"))
    detail = api.get(reverse("api:product-detail", args=[tea.pk]))
    sections = api.get(reverse("api:section-list"))

    assert listed.status_code == 200 and listed.json()["results"] == []
    assert detail.status_code == 404 and detail.json()["error"]["code"] == "not_found"
    assert sections.json()["results"] == []


def test_the_product_list_costs_the_same_queries_for_5_and_50_products(
    people, django_assert_max_num_queries
):
    api = api_as(people["responsible"])
    sizes = []
    for count in (5, 50):
        ProductFactory.create_batch(count - Product.objects.count())
        with django_assert_max_num_queries(3) as captured:
            response = api.get(reverse("api:product-list"), {"page_size": 100})
        assert len(response.json()["results"]) == count
        sizes.append(len(captured))

    assert sizes[0] == sizes[1]


@pytest.mark.parametrize("user", PEOPLE)
def test_product_writes_follow_the_product_scopes(people, user):
    api = api_as(people[user])

    created = api.post(reverse("api:product-list"), {"name": "Black tea", "price": "120.50"})
    product_id = created.json()["id"]
    changed = api.patch(reverse("api:product-detail", args=[product_id]), {"price": "130.00"})
    deleted = api.delete(reverse("api:product-detail", args=[product_id]))

    assert (created.status_code, changed.status_code, deleted.status_code) == (201, 200, 204)
    assert (created.json()["currency"], changed.json()["price"]) == ("RUB", "130.00")
    assert not Product.objects.filter(pk=product_id).exists()


def test_product_writes_without_the_scope_are_refused_with_403_and_change_nothing(people):
    tea = ProductFactory(name="Green tea", price=Decimal("350.00"))
    catalog_refuse(people, PermissionAction.ADD, PermissionAction.EDIT, PermissionAction.DELETE)
    api = api_as(people["responsible"])

    created = api.post(reverse("api:product-list"), {"name": "Black tea", "price": "120.50"})
    changed = api.patch(reverse("api:product-detail", args=[tea.pk]), {"price": "1.00"})
    deleted = api.delete(reverse("api:product-detail", args=[tea.pk]))
    still_read = api.get(reverse("api:product-detail", args=[tea.pk]))

    assert (created.status_code, changed.status_code, deleted.status_code) == (403, 403, 403)
    assert created.json()["error"]["code"] == "permission_denied"
    assert still_read.status_code == 200
    tea.refresh_from_db()
    assert tea.price == Decimal("350.00")
    assert list(Product.objects.values_list("name", flat=True)) == ["Green tea"]


def test_product_filters_ordering_fields_and_cursor_pages(people):
    tea = section_create(name="Tea")
    green = section_create(name="Green", parent=tea)
    ProductFactory(name="Sencha", section=green, price=Decimal(300))
    ProductFactory(name="Assam", section=tea, price=Decimal(200))
    ProductFactory(name="Old Assam", section=tea, price=Decimal(250), is_active=False)
    ProductFactory(name="Cup", price=Decimal(50), currency=Currency.objects.get(code="USD"))
    api = api_as(people["responsible"])
    url = reverse("api:product-list")

    def names(**query):
        return [row["name"] for row in api.get(url, query).json()["results"]]

    assert names(section=tea.pk, ordering="name") == ["Assam", "Old Assam", "Sencha"]
    assert names(section=tea.pk, active="true", price_min=250, ordering="name") == ["Sencha"]
    assert names(price_max=250, currency="RUB", ordering="-price") == ["Old Assam", "Assam"]
    assert names(q="assam", ordering="name") == ["Assam", "Old Assam"]
    assert names(origin="shop") == []
    fields = api.get(url, {"fields": "id,name", "ordering": "price"}).json()["results"][0]
    assert fields == {"id": Product.objects.get(name="Cup").pk, "name": "Cup"}
    first = api.get(url, {"page_size": 3})
    second = api.get(first.json()["next"])
    seen = {row["id"] for row in first.json()["results"] + second.json()["results"]}
    assert len(first.json()["results"]) == 3 and len(seen) == 4
    assert names(section=999999) == [] and names(currency="XYZ") == []
    bad = api.get(url, {"price_min": "cheap", "origin": "moon"})
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"price_min", "origin"}


def test_a_retried_product_create_with_the_same_idempotency_key_creates_one(people):
    api = api_as(people["responsible"])
    headers = {"Idempotency-Key": "product-1"}

    first = api.post(reverse("api:product-list"), {"name": "Matcha"}, headers=headers)
    again = api.post(reverse("api:product-list"), {"name": "Matcha"}, headers=headers)

    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Product.objects.filter(name="Matcha").count() == 1


def test_a_bad_product_gets_the_error_shape_with_field_paths(people):
    api = api_as(people["responsible"])

    response = api.post(reverse("api:product-list"),
                        {"price": "-1", "vat_rate": "120", "currency": "XXX"})  # fmt: skip

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert set(response.json()["error"]["fields"]) == {"name", "price", "vat_rate", "currency"}
    assert not Product.objects.exists()


# sections


@pytest.mark.parametrize("user", PEOPLE)
def test_the_section_tree_is_a_flat_list_with_parent_and_depth(
    people, user, django_assert_max_num_queries
):
    tea = section_create(name="Tea")
    green = section_create(name="Green", parent=tea)
    section_create(name="Sencha", parent=green)
    section_create(name="Cups")
    api = api_as(people[user])

    with django_assert_max_num_queries(3):
        listed = api.get(reverse("api:section-list"), {"fields": "id,name,parent,depth"})
    detail = api.get(reverse("api:section-detail", args=[green.pk]))

    ids = {section.name: section.pk for section in Section.objects.all()}
    assert listed.json()["results"] == [
        {"id": ids["Tea"], "name": "Tea", "parent": None, "depth": 1},
        {"id": ids["Green"], "name": "Green", "parent": ids["Tea"], "depth": 2},
        {"id": ids["Sencha"], "name": "Sencha", "parent": ids["Green"], "depth": 3},
        {"id": ids["Cups"], "name": "Cups", "parent": None, "depth": 1},
    ]
    assert (detail.status_code, detail.json()["parent"]) == (200, tea.pk)


def test_the_section_list_costs_the_same_queries_for_5_and_50_sections(
    people, django_assert_max_num_queries
):
    api = api_as(people["head"])
    sizes = []
    for count in (5, 50):
        while Section.objects.count() < count:
            section_create(name=f"Section {Section.objects.count()}")
        with django_assert_max_num_queries(3) as captured:
            response = api.get(reverse("api:section-list"), {"page_size": 100})
        assert len(response.json()["results"]) == count
        sizes.append(len(captured))

    assert sizes[0] == sizes[1]


@pytest.mark.parametrize("user", PEOPLE)
def test_sections_are_created_renamed_and_moved_within_the_product_scopes(people, user):
    tea = section_create(name="Tea")
    api = api_as(people[user])

    created = api.post(reverse("api:section-list"), {"name": "Green", "parent": tea.pk},
                       headers={"Idempotency-Key": f"green-{user}"})  # fmt: skip
    section_id = created.json()["id"]
    renamed = api.patch(reverse("api:section-detail", args=[section_id]), {"name": "Green tea"})
    moved = api.post(reverse("api:section-move", args=[section_id]), {"parent": None})
    into_itself = api.post(reverse("api:section-move", args=[tea.pk]), {"parent": tea.pk})

    assert (created.status_code, created.json()["parent"], created.json()["depth"]) == (
        201, tea.pk, 2)  # fmt: skip
    assert (renamed.status_code, renamed.json()["name"]) == (200, "Green tea")
    assert (moved.status_code, moved.json()["parent"], moved.json()["depth"]) == (200, None, 1)
    assert into_itself.status_code == 409
    assert into_itself.json()["error"]["code"] == "section_into_itself"
    assert api.delete(reverse("api:section-detail", args=[section_id])).status_code == 405


def test_section_writes_without_the_scope_are_refused_and_change_nothing(people):
    tea = section_create(name="Tea")
    cups = section_create(name="Cups")
    catalog_refuse(people, PermissionAction.ADD, PermissionAction.EDIT)
    api = api_as(people["other"])

    created = api.post(reverse("api:section-list"), {"name": "Green"})
    renamed = api.patch(reverse("api:section-detail", args=[tea.pk]), {"name": "X"})
    moved = api.post(reverse("api:section-move", args=[cups.pk]), {"parent": tea.pk})

    assert (created.status_code, renamed.status_code, moved.status_code) == (403, 403, 403)
    assert [(s.name, s.depth) for s in Section.objects.all()] == [("Tea", 1), ("Cups", 1)]


# currencies


@pytest.mark.parametrize("user", PEOPLE)
def test_currencies_are_read_by_everybody_signed_in(people, user, django_assert_max_num_queries):
    api = api_as(people[user])

    with django_assert_max_num_queries(2):
        listed = api.get(reverse("api:currency-list"))
    detail = api.get(reverse("api:currency-detail", args=["USD"]))

    assert [row["code"] for row in listed.json()["results"]] == ["EUR", "RUB", "USD"]
    assert detail.json() == {"code": "USD", "name": "US dollar", "symbol": "",
                             "rate": "90.0000000000", "rate_updated_at": None, "is_base": False,
                             "sort": 100}  # fmt: skip


@pytest.mark.parametrize("user", PEOPLE)
def test_a_rate_is_set_only_by_those_who_manage_the_settings(people, user):
    api = api_as(people[user])
    allowed = user == "admin"

    response = api.post(reverse("api:currency-set-rate", args=["USD"]), {"rate": "92.5"})

    assert response.status_code == (200 if allowed else 403)
    usd = Currency.objects.get(code="USD")
    assert usd.rate == (Decimal("92.5") if allowed else Decimal(90))
    assert CurrencyRate.objects.filter(currency=usd).count() == int(allowed)


def test_a_settings_administrator_sets_a_rate_and_bad_rates_are_refused(people):
    api = api_as(settings_administrator())
    url = reverse("api:currency-set-rate", args=["EUR"])

    zero = api.post(url, {"rate": "0"})
    base = api.post(reverse("api:currency-set-rate", args=["RUB"]), {"rate": "2"})
    done = api.post(url, {"rate": "101.25"})

    assert (zero.status_code, set(zero.json()["error"]["fields"])) == (400, {"rate"})
    assert (base.status_code, base.json()["error"]["code"]) == (409, "base_rate")
    assert (done.status_code, done.json()["rate"]) == (200, "101.2500000000")
    assert CurrencyRate.objects.count() == 1


# product rows


@pytest.fixture
def owners(people):
    deals = {
        "responsible": DealFactory(title="Responsible's order", responsible=people["responsible"]),
        "other": DealFactory(title="Other's order", responsible=people["other"]),
    }
    leads = {
        "responsible": LeadFactory(title="Responsible's lead", responsible=people["responsible"]),
        "other": LeadFactory(title="Other's lead", responsible=people["other"]),
    }
    return {"deal": deals, "lead": leads}


ROWS_URL = {"deal": "api:deal-product-rows-list", "lead": "api:lead-product-rows-list"}


def two_rows(product: Product) -> dict:
    return {"rows": [
        {"product": product.pk, "quantity": "2", "discount": "10"},
        {"name": "Delivery", "price": "500", "quantity": "1", "tax_rate": "20",
         "tax_included": False},
    ]}  # fmt: skip


EXPECTED_ROWS = [
    {"name": "Green tea", "price": "100.00", "quantity": "2.0000", "measure": "pcs",
     "discount_type": "percent", "discount": "10.00", "tax_rate": None, "tax_included": True,
     "tax_total": "0.00", "line_total": "180.00"},
    {"product": None, "name": "Delivery", "price": "500.00", "quantity": "1.0000",
     "measure": "pcs", "discount_type": "percent", "discount": "0.00", "tax_rate": "20.00",
     "tax_included": False, "tax_total": "100.00", "line_total": "600.00"},
]  # fmt: skip


@pytest.mark.parametrize("kind", ["deal", "lead"])
@pytest.mark.parametrize("user", PEOPLE)
def test_product_rows_are_read_and_replaced_within_the_owner_scopes(people, owners, kind, user):
    tea = ProductFactory(name="Green tea")
    api = api_as(people[user])
    for owner_name, owner in owners[kind].items():
        allowed = owner_name in VISIBLE[user]
        url = reverse(ROWS_URL[kind], args=[owner.pk])

        replaced = api.put(url, two_rows(tea))
        read = api.get(url)

        assert (replaced.status_code, read.status_code) == ((200, 200) if allowed else (404, 404))
        owner.refresh_from_db()
        assert owner.amount == (Decimal("780.00") if allowed else Decimal(0))
        assert ProductRow.objects.filter(**{kind: owner}).count() == (2 if allowed else 0)
        if allowed:
            body = read.json()
            assert body == replaced.json()
            assert body["rows"] == [EXPECTED_ROWS[0] | {"product": tea.pk}, EXPECTED_ROWS[1]]
            assert (body["amount"], body["tax_amount"], body["currency"]) == (
                "780.00", "100.00", "RUB")  # fmt: skip


@pytest.mark.parametrize("kind", ["deal", "lead"])
def test_rows_of_an_owner_seen_but_not_editable_are_refused_with_403(people, owners, kind):
    RolePermission.objects.filter(role__name="Manager", entity=kind,
                                  action=PermissionAction.EDIT).update(scope="none")  # fmt: skip
    owner = owners[kind]["responsible"]
    api = api_as(people["responsible"])
    url = reverse(ROWS_URL[kind], args=[owner.pk])

    read = api.get(url)
    replaced = api.put(url, {"rows": [{"name": "Delivery", "price": "500", "quantity": "1"}]})

    assert read.status_code == 200 and read.json()["rows"] == []
    assert replaced.status_code == 403 and replaced.json()["error"]["code"] == "permission_denied"
    assert not ProductRow.objects.exists()


def test_bad_rows_get_the_error_shape_with_field_paths_and_change_nothing(people, owners):
    deal = owners["deal"]["responsible"]
    tea = ProductFactory(name="Green tea")
    api = api_as(people["responsible"])
    url = reverse(ROWS_URL["deal"], args=[deal.pk])
    api.put(url, {"rows": [{"product": tea.pk, "quantity": "1"}]})

    bad = api.put(url, {"rows": [
        {"product": tea.pk, "quantity": "1"},
        {"name": "Delivery", "price": "-5", "quantity": "0"},
        {"quantity": "1", "discount_type": "amount", "discount": "5"},
        {"name": "Box", "price": "10", "quantity": "1", "discount_type": "amount",
         "discount": "11"},
    ]})  # fmt: skip
    unknown = api.put(url, {"rows": [{"product": 999999, "quantity": "1"}]})
    not_a_list = api.put(url, {"rows": "tea"})

    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"
    assert set(bad.json()["error"]["fields"]) == {
        "rows.1.price", "rows.1.quantity", "rows.2.name", "rows.3.discount"}  # fmt: skip
    assert unknown.json()["error"]["fields"] == {"rows.0.product": ["No such product."]}
    assert set(not_a_list.json()["error"]["fields"]) == {"rows"}
    deal.refresh_from_db()
    assert deal.amount == Decimal("100.00")
    assert list(deal.product_rows.values_list("product_name", flat=True)) == ["Green tea"]


def test_a_replace_is_the_service_with_its_timeline_and_a_converted_lead_refuses(
    people, owners, statuses
):
    deal, lead = owners["deal"]["responsible"], owners["lead"]["responsible"]
    api = api_as(people["responsible"])
    Lead.objects.filter(pk=lead.pk).update(status=statuses["converted"])

    done = api.put(reverse(ROWS_URL["deal"], args=[deal.pk]),
                   {"rows": [{"name": "Setup", "price": "1000", "quantity": "3"}]})  # fmt: skip
    refused = api.put(reverse(ROWS_URL["lead"], args=[lead.pk]),
                      {"rows": [{"name": "Setup", "price": "1000", "quantity": "3"}]})  # fmt: skip

    assert done.status_code == 200 and done.json()["amount"] == "3000.00"
    assert Deal.objects.get(pk=deal.pk).amount == Decimal("3000.00")
    assert TimelineEvent.objects.filter(entity_id=deal.pk, kind="products_changed").count() == 1
    assert refused.status_code == 409
    assert not ProductRow.objects.filter(lead=lead).exists()


def test_reading_rows_costs_the_same_queries_for_5_and_50_rows(
    people, owners, django_assert_max_num_queries
):
    deal = owners["deal"]["responsible"]
    products = ProductFactory.create_batch(50)
    api = api_as(people["responsible"])
    url = reverse(ROWS_URL["deal"], args=[deal.pk])
    sizes = []
    for count in (5, 50):
        rows = [{"product": product.pk, "quantity": "1"} for product in products[:count]]
        assert api.put(url, {"rows": rows}).status_code == 200
        with django_assert_max_num_queries(4) as captured:
            response = api.get(url)
        assert len(response.json()["rows"]) == count
        sizes.append(len(captured))

    assert sizes[0] == sizes[1]


def test_rows_answer_options_and_refuse_forms_without_a_server_error(people, owners):
    api = api_as(people["other"])
    mine = reverse(ROWS_URL["deal"], args=[owners["deal"]["other"].pk])
    unknown = reverse(ROWS_URL["deal"], args=[999999])

    described = api.options(mine)
    out_of_sight = api.options(unknown)
    form = api.put(mine, {"rows": "x"}, format="multipart")

    assert described.status_code == out_of_sight.status_code == 200
    assert "PUT" in described.json()["actions"] and "actions" not in out_of_sight.json()
    assert form.status_code == 415 and form.json()["error"]["code"] == "unsupported_media_type"
