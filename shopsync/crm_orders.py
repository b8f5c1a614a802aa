"""Orders made in the CRM ("a deal by phone, bound to the shop") and the CRM's basket as the
shop gets it. A deal bound to a shop becomes a shop order without the shop's id; the outbox
uploads it to the shop as a new-order document with our GUID as its Ид; the shop's export
names it back (Номер1С) and the intake binds its own id to it. Products the shop does not
know travel under ids of ours (crm-…), which come back in the shop's export and are read as
the same catalog products."""

import re
import zoneinfo

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import TimelineEvent
from activities.services import timeline_record
from catalog.models import Origin, Product
from contacts.models import Communication
from core.errors import ApplicationError
from core.services import lock_for_update, row_exists
from deals.field_owners import field_owner
from deals.models import Deal, Stage

from .commerceml.parser import DELIVERY_LINE_ID
from .commerceml.writer import NewOrder, NewOrderBuyer, NewOrderLine
from .models import Shop, ShopOrder

CRM_PRODUCT_ID = re.compile(r"^crm-product-(\d+)$")
# what the shop's order says and a person may not change in the deal: the order's currency
# and the buyer's comment (a status push never sends comments back)
SHOP_OWNED_FIELDS = frozenset({"currency", "comments"})


@field_owner(SHOP_OWNED_FIELDS)
def shop_owns_fields(deal: Deal) -> bool:
    return row_exists(ShopOrder, deal_id=deal.pk)


def line_product_id(product: Product | None, position: int) -> str:
    """The Ид of a deal row in a document for the shop: a shop product's own id, else ours."""
    if product is None:
        return f"crm-line-{position}"
    if product.origin == Origin.SHOP and product.external_id:
        return product.external_id
    return f"crm-product-{product.pk}"


def crm_product_id(external_id: str) -> int | None:
    """The catalog product behind one of our own line ids the shop sent back, if it is one."""
    match = CRM_PRODUCT_ID.match(external_id)
    return int(match.group(1)) if match else None


def is_crm_line_id(external_id: str) -> bool:
    return external_id.startswith("crm-")


def deal_basket(deal: Deal) -> tuple[NewOrderLine, ...]:
    """The deal's rows as the shop's basket lines (price per unit after the discount); the
    intake's delivery row (a service without a product) is the shop's delivery line."""
    lines = []
    for position, row in enumerate(
        deal.product_rows.select_related("product").order_by("sort", "pk"), start=1
    ):
        is_delivery = row.product is None and row.measure == Product.Measure.SERVICE
        lines.append(
            NewOrderLine(
                product_id=DELIVERY_LINE_ID if is_delivery else line_product_id(row.product,
                                                                                position),
                name=row.product_name,
                price=row.price - row.discount_amount,
                quantity=row.quantity,
            )
        )  # fmt: skip
    return tuple(lines)


@transaction.atomic
def deal_bind_to_shop(*, deal: Deal, shop: Shop, actor: AbstractBaseUser | None) -> ShopOrder:
    """Make the deal an order of the shop: it is sent to the shop as a new order (through
    the outbox), and the shop's later changes of it come back to the deal.

    Raises ApplicationError for a deal that is a shop order already, one that is closed or
    has no products, and a shop that takes no documents (no exchange URL)."""
    from .push import order_push_enqueue  # the push module imports this one

    deal = lock_for_update(deal)
    if ShopOrder.objects.filter(deal=deal).exists():
        raise ApplicationError(_("The deal is an order of a shop already."), code="bound")
    if not shop.exchange_url:
        raise ApplicationError(_("The shop has no exchange URL."), code="no_exchange_url")
    if deal.stage.semantics != Stage.Semantics.IN_PROGRESS:
        raise ApplicationError(_("A closed deal cannot become an order."), code="deal_closed")
    if not deal.product_rows.exists():
        raise ApplicationError(_("Add the products of the order first."), code="no_products")
    if deal.company_id is None and not deal.contact_links.exists():
        raise ApplicationError(_("Give the deal its client first."), code="no_client")
    from .services import deal_content_digest  # the intake imports the push, which imports us

    shop_order = ShopOrder.objects.create(
        shop=shop, deal=deal, is_created_in_crm=True, received_at=timezone.now(),
        synced_digest=deal_content_digest(deal),
    )  # fmt: skip
    timeline_record(
        entity=deal, kind=TimelineEvent.Kind.ORDER_SYNCED, actor=actor,
        payload={"shop": shop.name, "order": str(shop_order.crm_id), "outcome": "sent"},
    )  # fmt: skip
    order_push_enqueue(deal_id=deal.pk)
    return shop_order


def new_order_of(shop_order: ShopOrder) -> NewOrder:
    """The new-order document's content: the deal as it is now, its client as the buyer."""
    deal = shop_order.deal
    return NewOrder(
        crm_id=str(shop_order.crm_id),
        number=f"CRM-{deal.pk}",  # never a bare number: the shop would take it for its own id
        created_at=timezone.localtime(
            deal.created_at, zoneinfo.ZoneInfo(shop_order.shop.time_zone)
        ).replace(tzinfo=None),
        currency=deal.currency_id,
        buyer=_buyer(deal),
        lines=deal_basket(deal),
    )


def _buyer(deal: Deal) -> NewOrderBuyer:
    """The deal's primary contact as a private buyer, else its company with requisites."""
    link = deal.contact_links.select_related("contact").first()  # primary first
    if link is not None:
        owner, name, requisite = link.contact, link.contact.full_name, None
    elif deal.company is not None:
        owner, name = deal.company, deal.company.title
        requisite = deal.company.requisites.first()
    else:
        raise ApplicationError(_("Give the deal its client first."), code="no_client")
    # newest first, so the oldest value of each kind is the one kept
    communications = dict(owner.communications.order_by("-pk").values_list("kind", "value"))
    return NewOrderBuyer(
        crm_id=f"crm-{owner._meta.model_name}-{owner.pk}",
        name=name or str(owner),
        email=communications.get(Communication.Kind.EMAIL, ""),
        phone=communications.get(Communication.Kind.PHONE, ""),
        inn=requisite.inn if requisite is not None else "",
        kpp=requisite.kpp if requisite is not None else "",
    )
