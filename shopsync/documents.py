"""CommerceML documents into the intake: a document (pulled from a shop or uploaded) is kept
as it came, read order by order in constant memory, and each order goes through
order_ingest in a savepoint of its own, so that one bad order never blocks the others. The
run records what each order became and why any failed."""

import datetime
import hashlib
import re
import zoneinfo
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import DatabaseError, transaction
from django.utils import timezone

from catalog.pricing import round_money
from core.errors import ApplicationError

from .batch import orders_create_many, suits_a_batch
from .commerceml.parser import CommerceMLError, Order, ParseStats, parse_orders
from .models import Shop, ShopOrder, SyncRun
from .orders import IncomingCustomer, IncomingLine, IncomingOrder
from .services import CREATED, is_within_import_range, order_ingest
from .sync_runs import sync_run_finish, sync_run_start

# a document larger than this is refused with a clear error on its run (pulled answers are
# far smaller: Bitrix pages its `query` answers)
MAX_DOCUMENT_BYTES = 200 * 1024 * 1024
BATCH_SIZE = 200  # new orders created together (a batch holds their documents in memory)


def document_ingest(
    *, shop: Shop, document: bytes | BinaryIO, kind: str, name: str = "orders.xml"
) -> SyncRun:
    """Keep the document on a new run of the shop, then ingest its orders. A document that
    cannot be read at all fails the run with the parser's message; the orders read before a
    break (a truncated file) are kept."""
    run = sync_run_start(shop=shop, kind=kind)
    content = ContentFile(document) if isinstance(document, bytes) else File(document)
    run.document.save(f"{shop.pk}-{run.pk}-{name}", content, save=True)
    return run_document_ingest(run=run)


def run_document_ingest(*, run: SyncRun) -> SyncRun:
    """Ingest the orders of the document kept on the run (again, for a replay: the intake is
    idempotent) and record the figures on the run. Orders go in batches of BATCH_SIZE as
    they are read, so memory stays flat whatever the document's size."""
    stats = ParseStats()
    outcomes: list[str] = []
    errors: list[tuple[str, Exception | str]] = []
    batch: list[Order] = []
    out_of_range = 0  # new orders placed outside the shop's import range
    with run.document.open("rb") as stored:
        try:
            for order in parse_orders(stored, max_bytes=MAX_DOCUMENT_BYTES, stats=stats):
                batch.append(order)
                if len(batch) == BATCH_SIZE:
                    out_of_range += _ingest(run.shop, batch, outcomes, errors)
                    batch = []
        except CommerceMLError as error:  # the orders read before the break still count
            errors.append(("", str(error)))
        out_of_range += _ingest(run.shop, batch, outcomes, errors)
    errors += stats.errors
    return sync_run_finish(
        run=run, seen=stats.orders + len(stats.errors), outcomes=outcomes, failed=len(errors),
        skipped=sum(stats.skipped.values()) + out_of_range, errors=errors,
        is_recovered=stats.recovered,
    )  # fmt: skip


def _ingest(shop: Shop, orders: list[Order], outcomes: list, errors: list) -> int:
    """New orders of private buyers together (orders_create_many); the others, and all of a
    batch the database refuses, one by one, each in a savepoint of its own. New orders
    placed outside the shop's import range are left out: how many were."""
    pairs = [(incoming(order, shop), order.xml) for order in orders]
    known = set(
        ShopOrder.objects.filter(
            shop=shop, external_id__in=[order.external_id for order, _xml in pairs]
        ).values_list("external_id", flat=True)
    )
    out_of_range = {
        order.external_id for order, _xml in pairs
        if order.external_id not in known and not order.crm_id
        and not is_within_import_range(shop, order)
    }  # fmt: skip
    together, one_by_one, taken = [], [], set()
    for order, xml in pairs:
        if order.external_id in out_of_range:
            continue
        if order.external_id in known or order.external_id in taken or not suits_a_batch(order):
            one_by_one.append((order, xml))
        else:
            together.append((order, xml))
            taken.add(order.external_id)
    created: set[str] = set()
    if together:
        try:
            created = set(orders_create_many(shop=shop, orders=together))
        except (ApplicationError, ValidationError, DatabaseError):
            created = set()  # rolled back: each goes alone below, to find the bad one
        outcomes += [CREATED] * len(created)
    for order, xml in [
        pair for pair in together if pair[0].external_id not in created
    ] + one_by_one:
        try:
            with transaction.atomic():
                result = order_ingest(shop=shop, order=order)
                ShopOrder.objects.filter(deal=result.deal).update(document=xml)
            outcomes.append(result.outcome)
        except (ApplicationError, ValidationError, DatabaseError) as error:
            errors.append((order.external_id, error))
    return len(out_of_range)


def incoming(order: Order, shop: Shop) -> IncomingOrder:
    """A parsed CommerceML order as the intake takes it."""
    buyer = order.buyer
    customer = IncomingCustomer()
    if buyer is not None:
        customer = IncomingCustomer(
            customer_id=buyer.customer_id or buyer.external_id,
            last_name=buyer.last_name or ("" if buyer.first_name else buyer.name),
            first_name=buyer.first_name,
            middle_name=buyer.middle_name,
            email=buyer.emails[0] if buyer.emails else "",
            phone=buyer.phones[0] if buyer.phones else "",
            address=order.delivery_address or (buyer.address.presentation if buyer.address else ""),
            company_name=(buyer.official_name or buyer.name) if buyer.is_company else "",
            inn=buyer.inn,
            kpp=buyer.kpp,
            legal_address=buyer.legal_address.presentation if buyer.legal_address else "",
        )
    lines = tuple(
        IncomingLine(
            external_id="" if line.is_delivery else line.external_id,
            name=line.name,
            quantity=line.quantity,
            # the document's price is after the discount; shops write 4 decimals (231.7400)
            price=round_money(line.price + line.discount),
            discount=round_money(line.discount),
            vat_rate=line.vat_rate,
            is_vat_included=line.tax_included,
            article=line.article,
            is_delivery=line.is_delivery,
        )
        for line in order.lines
    )
    return IncomingOrder(
        external_id=order.external_id,
        number=order.number,
        currency=order.currency,
        customer=customer,
        lines=lines,
        # the content decides: a shop re-sending an unchanged order (Bitrix does until
        # `success`) changes nothing, whatever its НомерВерсии says or lacks
        version=hashlib.sha256(order.xml).hexdigest()[:40],
        crm_id=order.number_1c,
        ordered_at=_shop_time(order.date, order.time, shop),
        comment=order.buyer_comment or order.comment,
        status_code=order.status_code,
        is_paid=order.is_paid,
        is_shipped=order.is_shipped,
        is_cancelled=order.is_cancelled or order.is_deleted,
        payment_method=order.payment_method,
        delivery_method=order.delivery_method,
        site=_site_code(order.site),
        region=buyer.address.fields.get("Регион", "") if buyer and buyer.address else "",
        customer_group=order.requisite("Группа покупателей")
        or order.requisite("Группа покупателя"),
        amount=order.amount,
    )


def _site_code(site: str) -> str:
    """The site's code from Bitrix's «Сайт» requisite, "[s1] Store" → "s1"."""
    found = re.match(r"\s*\[([^\]]*)\]", site)
    return found.group(1).strip() if found else site.strip()


def _shop_time(day, time, shop: Shop) -> datetime.datetime | None:
    """The order's date and time, written in the shop's local time, as an aware moment."""
    if day is None:
        return None
    try:
        zone = zoneinfo.ZoneInfo(shop.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = timezone.get_default_timezone()
    return datetime.datetime.combine(day, time or datetime.time(0), tzinfo=zone)
