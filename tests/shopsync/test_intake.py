"""The order intake: an order becomes one deal with its client and products, however often
it arrives; a newer version updates it; payment and status changes move it."""

import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection

from activities.models import Notification, TimelineEvent
from automation.models import Trigger
from catalog.models import Origin, Product
from contacts.models import Communication, Company, Contact
from deals.models import Deal
from shopsync.models import Shop, ShopOrder, ShopRoute, ShopStatusStage
from shopsync.orders import IncomingCustomer, IncomingLine, IncomingOrder
from shopsync.services import order_ingest
from tests.factories import UserFactory

D = Decimal


@pytest.fixture
def shop(pipeline):
    manager = UserFactory(username="manager", last_name="Petrov")
    shop = Shop.objects.create(name="Kettles", pipeline=pipeline,
                               assignment=Shop.Assignment.FIXED, responsible=manager)  # fmt: skip
    return shop


def an_order(**changes) -> IncomingOrder:
    fields = {
        "external_id": "1042", "number": "A-1042", "version": "1", "currency": "RUB",
        "customer": IncomingCustomer(customer_id="77", last_name="Ivanova", first_name="Anna",
                                  email="Anna@Example.com", phone="+7 916 123-45-67"),
        "lines": (IncomingLine(external_id="SKU-1", name="Kettle", quantity=D(2), price=D("1990"),
                            discount=D("100")),
               IncomingLine(external_id="", name="Courier", quantity=D(1), price=D(300),
                            is_delivery=True)),
        "status_code": "N",
    }  # fmt: skip
    return IncomingOrder(**fields | changes)


def test_a_new_order_becomes_a_deal_with_its_client_products_and_manager(shop):
    result = order_ingest(shop=shop, order=an_order())

    deal = result.deal
    assert result.outcome == "created"
    assert deal.title == "Order A-1042 from Kettles"
    assert deal.amount == D("4080.00")  # 2 × (1990 − 100) + 300 delivery
    assert deal.responsible == shop.responsible and deal.pipeline == shop.pipeline
    rows = list(deal.product_rows.values_list("product__external_id", "product_name", "quantity"))
    assert rows == [("SKU-1", "Kettle", D(2)), (None, "Courier", D(1))]
    product = Product.objects.get(external_id="SKU-1")
    assert product.origin == Origin.SHOP
    contact = deal.contact_links.get().contact
    assert (contact.last_name, contact.first_name) == ("Ivanova", "Anna")
    assert Notification.objects.filter(recipient=shop.responsible).count() == 1
    assert (
        TimelineEvent.objects.filter(
            entity_type="deal", entity_id=deal.pk, kind="order_synced"
        ).count()
        == 1
    )


def test_the_same_order_again_changes_nothing(shop):
    first = order_ingest(shop=shop, order=an_order())

    again = order_ingest(shop=shop, order=an_order())

    assert again.outcome == "unchanged" and again.deal == first.deal
    assert Deal.objects.count() == 1 and Contact.objects.count() == 1
    assert Product.objects.count() == 1


def test_a_newer_version_updates_the_deal_and_its_rows(shop):
    order_ingest(shop=shop, order=an_order())
    line = IncomingLine(external_id="SKU-2", name="Mug", quantity=D(3), price=D(500))

    result = order_ingest(shop=shop, order=an_order(version="2", lines=(line,), comment="Gift"))

    assert result.outcome == "updated" and not result.is_conflict
    deal = Deal.objects.get()
    assert (deal.amount, deal.comments) == (D("1500.00"), "Gift")
    assert list(deal.product_rows.values_list("product_name", flat=True)) == ["Mug"]


def test_an_order_changed_in_the_crm_since_is_not_overwritten_and_the_conflict_is_recorded(shop):
    deal = order_ingest(shop=shop, order=an_order()).deal
    from deals.services import deal_update

    deal_update(deal=deal, actor=None, data={"comments": "Customer asked for a gift wrap"})
    line = IncomingLine(external_id="SKU-2", name="Mug", quantity=D(3), price=D(500))

    result = order_ingest(shop=shop, order=an_order(version="2", lines=(line,)))

    assert result.is_conflict
    deal.refresh_from_db()
    assert deal.comments == "Customer asked for a gift wrap" and deal.amount == D("4080.00")
    synced = TimelineEvent.objects.filter(
        entity_type="deal", entity_id=deal.pk, kind="order_synced"
    )
    conflict = synced.order_by("pk").last()
    assert conflict.payload["outcome"] == "conflict"


def test_the_client_is_found_by_e_mail_then_phone(shop):
    contact = Contact.objects.create(last_name="Known")
    Communication.objects.create(contact=contact, kind="phone", value="89161234567",
                                 normalized_value="+79161234567")  # fmt: skip
    customer = IncomingCustomer(last_name="Ivanova", phone="8 (916) 123-45-67")

    deal = order_ingest(shop=shop, order=an_order(customer=customer)).deal

    assert deal.contact_links.get().contact == contact
    assert Contact.objects.count() == 1


def test_a_business_buyer_gets_a_company_with_requisites(shop):
    customer = IncomingCustomer(customer_id="9", last_name="Sidorov", company_name="Horns LLC",
                                inn="7707083893", kpp="773601001")  # fmt: skip

    deal = order_ingest(shop=shop, order=an_order(customer=customer)).deal

    company = Company.objects.get()
    assert deal.company == company and company.title == "Horns LLC"
    assert company.requisites.get().inn == "7707083893"


def test_payment_fires_its_trigger_and_a_mapped_status_moves_the_deal_forward_only(shop):
    stages = {stage.name: stage for stage in shop.pipeline.stages.all()}
    Trigger.objects.create(name="Paid", kind=Trigger.Kind.PAYMENT_RECEIVED,
                           stage=stages["Negotiation"])  # fmt: skip
    ShopStatusStage.objects.create(shop=shop, status_code="F", stage=stages["Won"])
    ShopStatusStage.objects.create(shop=shop, status_code="N", stage=stages["New"])
    deal = order_ingest(shop=shop, order=an_order()).deal
    assert deal.stage == stages["New"]

    order_ingest(shop=shop, order=an_order(version="2", is_paid=True))
    deal.refresh_from_db()
    assert deal.stage == stages["Negotiation"]

    order_ingest(shop=shop, order=an_order(version="3", is_paid=True, status_code="F"))
    deal.refresh_from_db()
    assert deal.stage == stages["Won"]

    order_ingest(shop=shop, order=an_order(version="4", is_paid=True, status_code="N"))
    deal.refresh_from_db()
    assert deal.stage == stages["Won"]  # "N" maps backwards: not moved
    assert ShopOrder.objects.get().status_code == "N"


def test_an_order_in_an_unknown_currency_is_refused_and_leaves_nothing(shop):
    from core.errors import ApplicationError

    with pytest.raises(ApplicationError, match="XYZ"):
        order_ingest(shop=shop, order=an_order(currency="XYZ"))

    assert not Deal.objects.exists() and not Contact.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL")
def test_concurrent_intakes_of_one_order_make_one_deal(pipeline):
    shop = Shop.objects.create(name="Kettles", pipeline=pipeline, assignment="pool")
    barrier, errors = threading.Barrier(4), []

    def push():
        try:
            barrier.wait()
            order_ingest(shop=shop, order=an_order())
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=push) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Deal.objects.count() == 1 and ShopOrder.objects.count() == 1
    assert Contact.objects.count() == 1 and Product.objects.count() == 1


def test_the_shops_rules_route_new_deals_to_their_pipelines(shop, money):
    from deals.services import StageSpec, pipeline_create

    wholesale = pipeline_create(
        name="Wholesale",
        stages=[StageSpec("New", 10), StageSpec("Won", 20, "won"), StageSpec("Lost", 30, "lost")],
    )
    moscow = pipeline_create(
        name="Moscow",
        stages=[StageSpec("New", 10), StageSpec("Won", 20, "won"), StageSpec("Lost", 30, "lost")],
    )
    ShopRoute.objects.create(shop=shop, sort=10, amount_min=D(10000), pipeline=wholesale)
    ShopRoute.objects.create(shop=shop, sort=20, site="s2", region="Москва", pipeline=moscow)
    big = IncomingLine(external_id="SKU-9", name="Pallet", quantity=D(10), price=D(2000))

    routed = {
        name: order_ingest(shop=shop, order=an_order(external_id=name, **changes)).deal.pipeline
        for name, changes in {
            "big": {"lines": (big,), "amount": D(20000)},
            "moscow": {"site": "S2", "region": "г. Москва", "amount": D(500)},
            "other site": {"site": "s1", "region": "Москва", "amount": D(500)},
        }.items()
    }  # fmt: skip

    assert routed == {"big": wholesale, "moscow": moscow, "other site": shop.pipeline}


def test_the_status_map_takes_stages_of_the_pipelines_the_shops_deals_go_to(shop, money):
    from django.core.exceptions import ValidationError

    from deals.services import StageSpec, pipeline_create
    from shopsync.services import shop_status_stages_replace

    specs = [StageSpec("New", 10), StageSpec("Won", 20, "won"), StageSpec("Lost", 30, "lost")]
    routed, unrelated = (pipeline_create(name=name, stages=specs) for name in ("B2B", "Other"))
    ShopRoute.objects.create(shop=shop, customer_group="b2b", pipeline=routed)
    won = {pipeline: pipeline.stages.get(name="Won") for pipeline in (routed, unrelated)}

    shop_status_stages_replace(shop=shop, pairs=[
        ("F", shop.pipeline.stages.get(name="Won")), ("F", won[routed])])  # fmt: skip

    with pytest.raises(ValidationError, match="not in the pipeline"):
        shop_status_stages_replace(shop=shop, pairs=[("F", won[unrelated])])
    assert shop.status_stages.count() == 2
