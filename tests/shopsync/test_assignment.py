"""Who gets a shop's new deal (assignment rules by amount, product section and client type,
else the shop's own rule), who hears of it (the shop's department), and what shipments,
cancellations and backward statuses do."""

from decimal import Decimal

import pytest

from activities.models import Notification
from automation.models import Trigger
from catalog.models import Origin, Product
from catalog.services import section_create
from shopsync.assignment import AssignmentRuleInput, shop_assignment_rules_replace
from shopsync.batch import orders_create_many
from shopsync.models import Shop, ShopStatusStage
from shopsync.orders import IncomingCustomer
from shopsync.services import order_ingest
from tests.factories import UserFactory, department
from tests.shopsync.test_intake import an_order

D = Decimal


@pytest.fixture
def shop(pipeline):
    fallback = UserFactory(username="fallback")
    return Shop.objects.create(name="Kettles", pipeline=pipeline,
                               assignment=Shop.Assignment.FIXED, responsible=fallback)  # fmt: skip


@pytest.fixture
def managers(db):
    return {name: UserFactory(username=name) for name in ("big", "kitchen", "b2b", "left")}


@pytest.fixture
def kitchen(db):
    root = section_create(name="Kitchen")
    return root, section_create(name="Kettles", parent=root)


@pytest.fixture
def rules(shop, managers, kitchen):
    root, _kettles = kitchen
    managers["left"].is_active = False
    managers["left"].save()
    return shop_assignment_rules_replace(shop=shop, rules=[
        AssignmentRuleInput(responsible=managers["left"]),  # left the company: passed over
        AssignmentRuleInput(responsible=managers["b2b"], client_type="company"),
        AssignmentRuleInput(responsible=managers["big"], amount_min=D(10_000)),
        AssignmentRuleInput(responsible=managers["kitchen"], section=root),
    ])  # fmt: skip


def responsible_of(shop, **changes):
    return order_ingest(shop=shop, order=an_order(**changes)).deal.responsible.username


def test_the_first_rule_the_order_meets_gives_the_deal_its_manager(shop, rules, kitchen):
    _root, kettles = kitchen
    Product.objects.create(name="Kettle", price=D(1990), currency_id="RUB", origin=Origin.SHOP,
                           external_id="SKU-1", section=kettles)  # fmt: skip

    assert responsible_of(shop, external_id="1", amount=D(4080)) == "kitchen"  # a sub-section
    assert responsible_of(shop, external_id="2", amount=D(12_000)) == "big"
    assert responsible_of(
        shop, external_id="3", amount=D(50_000),
        customer=IncomingCustomer(company_name="Teapot LLC", inn="7701234567"),
    ) == "b2b"  # fmt: skip
    Product.objects.filter(external_id="SKU-1").update(section=None)
    assert responsible_of(shop, external_id="4", amount=D(4080)) == "fallback"  # none met


def test_a_batch_assigns_by_the_same_rules(shop, rules):
    orders = [(an_order(external_id=str(n), amount=D(n * 6000),
                        customer=IncomingCustomer(last_name=f"Buyer {n}")), b"")
              for n in (1, 2)]  # fmt: skip

    orders_create_many(shop=shop, orders=orders)

    assigned = dict(shop.orders.values_list("external_id", "deal__responsible__username"))
    assert assigned == {"1": "fallback", "2": "big"}


def test_a_reversed_amount_range_is_refused_naming_its_row(shop, managers):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        shop_assignment_rules_replace(shop=shop, rules=[
            AssignmentRuleInput(responsible=managers["big"]),
            AssignmentRuleInput(responsible=managers["big"], amount_min=D(9), amount_max=D(1)),
        ])  # fmt: skip

    (error,) = refused.value.error_dict["assignment_rules"]
    assert error.params == {"index": 1, "field": "amount_max"}
    assert not shop.assignment_rules.exists()


def test_the_shops_department_hears_of_each_new_order_or_of_a_batch_once(shop):
    sales = department("Online sales")
    members = [UserFactory(username=f"seller{n}", department=sales) for n in (1, 2)]
    UserFactory(username="gone", department=sales, is_active=False)
    shop.notify_department = sales
    shop.save()

    deal = order_ingest(shop=shop, order=an_order()).deal
    orders_create_many(shop=shop, orders=[
        (an_order(external_id=str(n), customer=IncomingCustomer(last_name=f"B{n}")), b"")
        for n in (7, 8, 9)
    ])  # fmt: skip

    for member in members:
        titles = [(n.params, n.url) for n in Notification.objects.filter(recipient=member)
                  .order_by("pk")]  # fmt: skip
        assert titles[0] == ({"shop": "Kettles", "title": deal.title}, deal.get_absolute_url())
        assert titles[1][0] == {"shop": "Kettles", "count": 3}
        assert len(titles) == 2


def test_shipment_and_cancellation_fire_their_triggers(shop):
    stages = {stage.name: stage for stage in shop.pipeline.stages.all()}
    Trigger.objects.create(name="Shipped", kind=Trigger.Kind.ORDER_SHIPPED,
                           stage=stages["Negotiation"])  # fmt: skip
    Trigger.objects.create(name="Cancelled", kind=Trigger.Kind.ORDER_CANCELLED,
                           stage=stages["Lost"])  # fmt: skip
    deal = order_ingest(shop=shop, order=an_order()).deal

    order_ingest(shop=shop, order=an_order(version="2", is_shipped=True))
    deal.refresh_from_db()
    assert deal.stage == stages["Negotiation"]

    order_ingest(shop=shop, order=an_order(version="3", is_shipped=True, is_cancelled=True))
    deal.refresh_from_db()
    assert deal.stage == stages["Lost"]


def test_a_shop_may_let_its_statuses_move_deals_back(shop):
    stages = {stage.name: stage for stage in shop.pipeline.stages.all()}
    ShopStatusStage.objects.create(shop=shop, status_code="P", stage=stages["Negotiation"])
    ShopStatusStage.objects.create(shop=shop, status_code="N", stage=stages["New"])
    shop.allow_backward_moves = True
    shop.save()
    deal = order_ingest(shop=shop, order=an_order(status_code="P")).deal
    deal.refresh_from_db()
    assert deal.stage == stages["Negotiation"]

    order_ingest(shop=shop, order=an_order(version="2", status_code="N"))

    deal.refresh_from_db()
    assert deal.stage == stages["New"]
