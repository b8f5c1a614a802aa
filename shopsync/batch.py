"""New orders in bulk: what order_ingest does for one new order, for a batch of new orders of
private buyers, in a fixed number of queries (the events' handlers too, where they have a
batch form: core.events.publish_many_on_commit). A document of thousands of orders is taken
this way; the orders a batch does not suit (known ones, business buyers, an id twice) and
every order of a batch the database refuses go through order_ingest one by one."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import TimelineEvent
from activities.services import timeline_record_many
from catalog.models import Origin, Product
from core.copy_insert import rows_copy_insert
from deals.services import DealDraft, deal_create_many

from .assignment import new_orders_notify, responsible_picker
from .models import Shop, ShopOrder
from .orders import IncomingOrder
from .push import changes_from_the_shop
from .services import (
    CREATED,
    StatusRules,
    _apply_status,
    _currency,
    _order_fields,
    _rows,
    customer_contacts,
    lock_keys,
    shop_pipeline_picker,
    written_deal_content_digests,
)


def suits_a_batch(order: IncomingOrder) -> bool:
    # a business buyer's company, and an order made in the CRM, are found one by one
    return not order.customer.is_company and not order.crm_id


@transaction.atomic
def orders_create_many(*, shop: Shop, orders: list[tuple[IncomingOrder, bytes]]) -> list[str]:
    """Create the deals of new orders (each with its CommerceML <Документ>, b"" for none):
    private buyers only, each order id once. The ids of the orders it created; an order
    that another intake created meanwhile is left out (the caller updates it)."""
    lock_keys([("order", shop.pk, order.external_id) for order, _xml in orders])
    known = set(
        ShopOrder.objects.filter(
            shop=shop, external_id__in=[order.external_id for order, _xml in orders]
        ).values_list("external_id", flat=True)
    )
    orders = [(order, xml) for order, xml in orders if order.external_id not in known]
    if not orders:
        return []
    currencies = {code: _currency(code) for code in {order.currency for order, _xml in orders}}
    with changes_from_the_shop():
        contacts = customer_contacts(shop, [order.customer for order, _xml in orders])
        pick_responsible = responsible_picker(shop)
        pipeline_for = shop_pipeline_picker(shop)
        products = _shop_products(orders, currencies)
        drafts = []
        for (order, _xml), contact in zip(orders, contacts, strict=True):
            currency = currencies[order.currency]
            rows = _rows(order.lines, currency, products=products)
            drafts.append(
                DealDraft(
                    title=_("Order %(number)s from %(shop)s")
                    % {"number": order.number or order.external_id, "shop": shop.name},
                    pipeline=pipeline_for(order), currency=currency,
                    responsible=pick_responsible(order, rows),
                    contacts=[contact] if contact else [],
                    product_rows=rows,
                    fields={"probability": shop.probability,
                            "is_open_to_all": shop.is_open_to_all, "comments": order.comment},
                )
            )  # fmt: skip
        created = deal_create_many(drafts=drafts)
        deals = [each.deal for each in created]
        digests = written_deal_content_digests(created)
        now = timezone.now()
        rows_copy_insert(
            ShopOrder,
            [{"shop": shop, "external_id": order.external_id, "deal": deal, "received_at": now,
              "document": xml, "synced_digest": digests[deal.pk], **_order_fields(order)}
             for (order, xml), deal in zip(orders, deals, strict=True)],
            now=now,
        )  # fmt: skip
        timeline_record_many(
            entities=deals, kind=TimelineEvent.Kind.ORDER_SYNCED, at=now,
            payloads=[{"shop": shop.name, "outcome": CREATED,
                       "order": order.number or order.external_id} for order, _xml in orders],
        )  # fmt: skip
        new_orders_notify(shop=shop, deals=deals)
        rules = StatusRules.of(shop)
        for deal, (order, _xml) in zip(deals, orders, strict=True):
            _apply_status(shop, deal, order, was_paid=False, old_status="", rules=rules)
    return [order.external_id for order, _xml in orders]


def _shop_products(orders: list[tuple[IncomingOrder, bytes]], currencies: dict) -> dict:
    """The shop products of the batch's lines by external id: found, else created together
    (each with the price and currency of its first line), as _shop_product does one by
    one."""
    first_lines = {}
    for order, _xml in orders:
        for line in order.lines:
            if line.external_id and not line.is_delivery:
                first_lines.setdefault(line.external_id, (line, currencies[order.currency]))
    lock_keys([("product", external_id) for external_id in first_lines])
    products = {
        product.external_id: product
        for product in Product.objects.filter(origin=Origin.SHOP, external_id__in=first_lines)
    }
    products |= {
        product.external_id: product
        for product in Product.objects.bulk_create(
            [
                Product(
                    name=(line.name or external_id)[:255],
                    price=line.price,
                    currency=currency,
                    origin=Origin.SHOP,
                    external_id=external_id,
                    sku=line.article[:100],
                    vat_rate=line.vat_rate,
                    is_vat_included=line.is_vat_included,
                )
                for external_id, (line, currency) in first_lines.items()
                if external_id not in products
            ]
        )  # fmt: skip
    }
    return products
