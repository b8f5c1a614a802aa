"""The demo's online shop: the CRM connected to the demo CommerceML shop (`python -m
demo_shop`, started by `make run` beside the app), so that its orders arrive as deals of the
orders pipeline within a minute and its payments move them."""

from decimal import Decimal

from django.conf import settings

from shopsync.assignment import AssignmentRuleInput
from shopsync.models import Shop
from shopsync.services import shop_configure

from . import data

# the shop's order statuses (demo_shop: N accepted, P paid, F done) -> stage keys
STATUS_STAGES = [("N", "invoiced"), ("P", "paid"), ("F", "won")]
LARGE_ORDER = Decimal(30_000)  # goes to the head of retail rather than to a manager


def build_shop(demo) -> Shop:
    shop = Shop(
        name="Интернет-магазин ЭкоДом",
        exchange_url=settings.DEMO_SHOP_URL,
        login="crm",
        password=data.DEMO_PASSWORD,  # the demo shop is started with it (Procfile.dev)
        sync_interval_minutes=1,
        pipeline=demo.pipelines[data.ORDERS_PIPELINE],
        assignment=Shop.Assignment.RANDOM,
        notify_department=demo.heads["retail"].department,
    )
    stages = demo.stages[data.ORDERS_PIPELINE]
    return shop_configure(
        shop=shop,
        managers=demo.managers["retail"],
        status_stages=[(code, stages[key]) for code, key in STATUS_STAGES],
        assignment_rules=[
            AssignmentRuleInput(responsible=demo.heads["retail"], amount_min=LARGE_ORDER)
        ],
    )
