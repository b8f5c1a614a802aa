"""The order intake every path shares (REST push, CommerceML documents): an order becomes a
deal with its client and products, once, however often it arrives; a changed order updates
its deal; payment and status changes move the deal through the triggers and the shop's
status map. And the shop's REST token."""

import contextlib
import hashlib
import secrets
import uuid
import zlib
import zoneinfo
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from activities.models import TimelineEvent
from activities.services import timeline_record
from automation.models import Trigger
from automation.triggers import triggers_fire
from catalog.models import Currency, Origin, Product, ProductRow
from catalog.services import ProductRowInput, currency_base, product_create
from contacts.duplicates import duplicates_find, identity_of
from contacts.models import Communication, Company, CompanyRequisite, Contact
from contacts.services import (
    CommunicationInput,
    ContactDraft,
    company_create,
    company_requisite_create,
    contact_create_many,
    contact_link_company,
)
from core.errors import ApplicationError
from core.models import EntityType
from core.secrets import secret_digest
from deals.models import Deal, Pipeline, Stage
from deals.services import (
    CreatedDeal,
    deal_create,
    deal_move_to_stage,
    deal_set_product_rows,
    deal_update,
    pipeline_default,
)

from .assignment import (
    AssignmentRuleInput,
    new_orders_notify,
    responsible_picker,
    shop_assignment_rules_replace,
)
from .commerceml.client import ExchangeClient, ExchangeError
from .crm_orders import crm_product_id, is_crm_line_id
from .models import Shop, ShopCustomer, ShopOrder, ShopRoute, ShopStatusStage
from .orders import IncomingCustomer, IncomingLine, IncomingOrder
from .push import changes_from_the_shop
from .rules import amount_range_errors, shop_rules_replace

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
LOCK_SPACE = 1_936_682_091  # the advisory locks of the shop intake ("shop" in ASCII)
DELIVERY = gettext_noop("Delivery")


@dataclass(frozen=True)
class IngestResult:
    deal: Deal
    outcome: str  # created, updated or unchanged
    is_conflict: bool = False  # the deal changed in the CRM since the order's last intake


def shop_token_rotate(*, shop: Shop) -> str:
    """A new REST token for the shop, returned once; only its hash is kept."""
    token = secrets.token_urlsafe(32)
    shop.token_hash = secret_digest(token)
    shop.save(update_fields=["token_hash", "updated_at"])
    return token


def shop_by_token(token: str) -> Shop | None:
    """The active shop of this REST token, else None."""
    if not token:
        return None
    return Shop.objects.filter(token_hash=secret_digest(token), is_active=True).first()


def lock_keys(keys: list[tuple]) -> None:
    """Take transaction-scoped locks on keys (PostgreSQL advisory locks, in one order so that
    two batches never wait for each other in a circle): two intakes of one order, or two of
    one new product, run one after the other. SQLite runs one writing transaction at a time
    anyway."""
    if connection.vendor != "postgresql" or not keys:
        return
    hashes = sorted({zlib.crc32("\x1f".join(map(str, key)).encode()) - 2**31 for key in keys})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, key) FROM unnest(%s::int[]) AS key ORDER BY key",
            [LOCK_SPACE, hashes],
        )


@transaction.atomic
def order_ingest(*, shop: Shop, order: IncomingOrder) -> IngestResult:
    """Create or update the deal of the shop's order; idempotent on (shop, order id).

    A new order: its client (contact, and company for a business buyer) found by the shop's
    customer id, then e-mail, then phone, else created; its products loaded into the catalog
    as shop products; a deal in the shop's pipeline with the product rows (delivery a row of
    its own), given to a manager by the shop's rule (the deal's events run the robots of the
    first stage). A known order with the version already received changes nothing; a newer
    one updates the deal and its rows, unless the deal changed in the CRM since: then its
    fields stay and the conflict goes on the timeline. Payment and status changes fire the
    triggers and move the deal to the stage the shop's status map gives, forward only.
    Raises ApplicationError for an order that cannot be taken (the reason is for the shop)."""
    if not order.external_id.strip():
        raise ApplicationError(_("The order has no id."), code="order_without_id")
    lock_keys([("order", shop.pk, order.external_id)])
    currency = _currency(order.currency)
    shop_order = (
        ShopOrder.objects.select_for_update()
        .filter(shop=shop, external_id=order.external_id)
        .first()
    ) or _order_made_in_crm(shop, order)
    with changes_from_the_shop():  # the shop's own changes are not pushed back to it
        if shop_order is None:
            return _create(shop, order, currency)
        return _update(shop_order, order, currency)


def _order_made_in_crm(shop: Shop, order: IncomingOrder) -> ShopOrder | None:
    """The order made in the CRM that the shop sends back under its own id, by our GUID."""
    try:
        crm_id = uuid.UUID(order.crm_id)
    except ValueError:
        return None
    return (
        ShopOrder.objects.select_for_update()
        .filter(shop=shop, crm_id=crm_id, external_id="")
        .first()
    )


def is_within_import_range(shop: Shop, order: IncomingOrder) -> bool:
    """Whether a document's order new to the CRM is taken: placed within the shop's import
    range (the shop's own dates; an open end, or an order without a date, is within)."""
    if order.ordered_at is None:
        return True
    day = timezone.localtime(order.ordered_at, zoneinfo.ZoneInfo(shop.time_zone)).date()
    return (shop.import_from is None or day >= shop.import_from) and (
        shop.import_to is None or day <= shop.import_to
    )


def shop_pipeline_picker(shop: Shop) -> Callable[[IncomingOrder], Pipeline]:
    """A function giving the pipeline of a new deal of the shop from its order: the first of
    the shop's rules the order meets, else the shop's own pipeline, else the default one.
    The rules are read once, for all the orders it is asked about."""
    routes = list(shop.routes.select_related("pipeline"))
    fallback = shop.pipeline or pipeline_default()
    return lambda order: next(
        (route.pipeline for route in routes if route.matches(order)), fallback
    )


def _currency(code: str) -> Currency:
    code = (code or "").strip().upper()
    if not code:
        return currency_base()
    currency = Currency.objects.filter(code=code).first()
    if currency is None:
        raise ApplicationError(
            _("The currency %(code)s is not set up in the CRM.") % {"code": code},
            code="unknown_currency",
        )
    return currency


def _create(shop: Shop, order: IncomingOrder, currency: Currency) -> IngestResult:
    contact = customer_contacts(shop, [order.customer])[0]
    company = _company_for(order.customer, contact) if order.customer.is_company else None
    rows = _rows(order.lines, currency)
    deal = deal_create(
        title=_("Order %(number)s from %(shop)s")
        % {"number": order.number or order.external_id, "shop": shop.name},
        actor=None,
        pipeline=shop_pipeline_picker(shop)(order),
        currency=currency,
        responsible=responsible_picker(shop)(order, rows),
        contacts=[contact] if contact else [],
        company=company,
        product_rows=rows,
        probability=shop.probability,
        is_open_to_all=shop.is_open_to_all,
        comments=order.comment,
    )
    now = timezone.now()
    shop_order = ShopOrder.objects.create(
        shop=shop, external_id=order.external_id, deal=deal, received_at=now,
        synced_digest=deal_content_digest(deal), **_order_fields(order),
    )  # fmt: skip
    timeline_record(
        entity=deal, kind=TimelineEvent.Kind.ORDER_SYNCED, actor=None,
        payload={"shop": shop.name, "order": shop_order.number or order.external_id,
                 "outcome": CREATED},
    )  # fmt: skip
    new_orders_notify(shop=shop, deals=[deal])
    _apply_status(shop, deal, order, was_paid=False, old_status="")
    return IngestResult(deal=deal, outcome=CREATED)


def _update(shop_order: ShopOrder, order: IncomingOrder, currency: Currency) -> IngestResult:
    deal = shop_order.deal
    if order.version and order.version == shop_order.version:
        return IngestResult(deal=deal, outcome=UNCHANGED)
    is_conflict = bool(shop_order.synced_digest) and (
        deal_content_digest(deal) != shop_order.synced_digest
    )
    was_paid, old_status = shop_order.is_paid, shop_order.status_code
    was_shipped, was_cancelled = shop_order.is_shipped, shop_order.is_cancelled
    if is_conflict:
        timeline_record(
            entity=deal, kind=TimelineEvent.Kind.ORDER_SYNCED, actor=None,
            payload={"shop": shop_order.shop.name, "order": order.number or order.external_id,
                     "outcome": "conflict", "version": order.version},
        )  # fmt: skip
    else:
        if deal.currency_id != currency.code:
            deal = deal_update(deal=deal, actor=None, data={"currency": currency})
        deal = deal_set_product_rows(deal=deal, rows=_rows(order.lines, currency), actor=None)
        if order.comment != deal.comments:
            deal = deal_update(deal=deal, actor=None, data={"comments": order.comment})
        timeline_record(
            entity=deal, kind=TimelineEvent.Kind.ORDER_SYNCED, actor=None,
            payload={"shop": shop_order.shop.name, "order": order.number or order.external_id,
                     "outcome": UPDATED},
        )  # fmt: skip
    shop_order.external_id = order.external_id  # the shop's own id, for an order made here
    for name, value in _order_fields(order).items():
        setattr(shop_order, name, value)
    shop_order.received_at = timezone.now()
    if not is_conflict:
        shop_order.synced_digest = deal_content_digest(deal)
    shop_order.save()
    _apply_status(shop_order.shop, deal, order, was_paid=was_paid, old_status=old_status,
                  was_shipped=was_shipped, was_cancelled=was_cancelled)  # fmt: skip
    return IngestResult(deal=deal, outcome=UPDATED, is_conflict=is_conflict)


# what the digest reads of each product row, in this order
_DIGEST_ROW_FIELDS = (
    "product_id",
    "product_name",
    "quantity",
    "price",
    "discount_amount",
    "tax_rate",
)


def deal_content_digests(deals: list[Deal]) -> dict[int, str]:
    """A digest per deal of what the intake writes into it: its currency, comments and rows
    (one query for all)."""
    rows: dict[int, list] = {deal.pk: [] for deal in deals}
    for deal_id, *row in (
        ProductRow.objects.filter(deal__in=deals)
        .order_by("deal", "sort", "pk")
        .values_list("deal_id", *_DIGEST_ROW_FIELDS)
    ):
        rows[deal_id].append(row)
    return {deal.pk: _content_digest(deal, rows[deal.pk]) for deal in deals}


def written_deal_content_digests(created: list[CreatedDeal]) -> dict[int, str]:
    """deal_content_digests of deals deal_create_many just made, from the product rows it
    wrote rather than read back: each value as the database stores it (a decimal rounded to
    its column's places, as PostgreSQL rounds: half away from zero). Elsewhere, read back:
    SQLite keeps decimals as floats, rounded its own way."""
    if connection.vendor != "postgresql":
        return deal_content_digests([each.deal for each in created])
    fields = [ProductRow._meta.get_field(name) for name in _DIGEST_ROW_FIELDS]
    return {
        each.deal.pk: _content_digest(
            each.deal, [[_stored(field, row[field.name]) for field in fields]
                        for row in each.product_rows],
        )
        for each in created
    }  # fmt: skip


def _stored(field, value):
    if value is not None and field.get_internal_type() == "DecimalField":
        places = Decimal(1).scaleb(-field.decimal_places)
        return value.quantize(places, rounding=ROUND_HALF_UP) + 0  # + 0: PostgreSQL has no -0
    if isinstance(value, Model):  # the product: its id
        return value.pk
    return value


def _content_digest(deal: Deal, rows: list) -> str:
    return hashlib.sha256(
        repr((deal.currency_id, deal.comments, [tuple(map(str, row)) for row in rows])).encode()
    ).hexdigest()


def deal_content_digest(deal: Deal) -> str:
    return deal_content_digests([deal])[deal.pk]


def _order_fields(order: IncomingOrder) -> dict:
    return {
        "number": order.number,
        "version": order.version,
        "status_code": order.status_code,
        "is_paid": order.is_paid,
        "is_shipped": order.is_shipped,
        "is_cancelled": order.is_cancelled,
        "payment_method": order.payment_method,
        "delivery_method": order.delivery_method,
        "ordered_at": order.ordered_at,
    }


# what fires each kind of trigger: the order flag that turned on
ORDER_TRIGGERS = (
    (Trigger.Kind.PAYMENT_RECEIVED, "is_paid"),
    (Trigger.Kind.ORDER_SHIPPED, "is_shipped"),
    (Trigger.Kind.ORDER_CANCELLED, "is_cancelled"),
)


@dataclass(frozen=True)
class StatusRules:
    """What payments, shipments, cancellations and status changes of a shop's orders do,
    read once for many orders: which triggers wait for them, the shop's status map and
    whether it may move deals back."""

    trigger_kinds: frozenset[str]
    stages: dict[tuple[str, int], Stage]  # (status code, pipeline id) -> stage
    allow_backward_moves: bool = False

    @classmethod
    def of(cls, shop: Shop) -> "StatusRules":
        kinds = Trigger.objects.filter(is_active=True, stage__isnull=False).values_list(
            "kind", flat=True
        )
        mapped = ShopStatusStage.objects.filter(shop=shop).select_related("stage")
        return cls(
            trigger_kinds=frozenset(kinds),
            stages={(row.status_code, row.stage.pipeline_id): row.stage for row in mapped},
            allow_backward_moves=shop.allow_backward_moves,
        )


def _apply_status(
    shop: Shop, deal: Deal, order: IncomingOrder, *, was_paid, old_status,
    was_shipped=False, was_cancelled=False, rules: StatusRules | None = None,
) -> None:  # fmt: skip
    """A payment, shipment or cancellation fires its triggers ("payment received", "order
    shipped", "order cancelled"); a new status the "order status changed" ones, and moves
    the deal to the stage the shop maps the status to in the deal's pipeline: when that is
    further on, or anywhere if the shop lets statuses move deals back."""
    rules = rules or StatusRules.of(shop)
    before = {"is_paid": was_paid, "is_shipped": was_shipped, "is_cancelled": was_cancelled}
    for kind, flag in ORDER_TRIGGERS:
        if getattr(order, flag) and not before[flag] and kind in rules.trigger_kinds:
            triggers_fire(kind=kind, entity_type=EntityType.DEAL, entity_id=deal.pk)
            deal.refresh_from_db(fields=["stage"])
    if order.status_code and order.status_code != old_status:
        if Trigger.Kind.ORDER_STATUS_CHANGED in rules.trigger_kinds:
            triggers_fire(kind=Trigger.Kind.ORDER_STATUS_CHANGED, entity_type=EntityType.DEAL,
                          entity_id=deal.pk, details={"status": order.status_code})  # fmt: skip
            deal.refresh_from_db(fields=["stage"])
        stage = rules.stages.get((order.status_code, deal.pipeline_id))
        if (
            stage is not None
            and stage.pk != deal.stage_id
            and (stage.sort > deal.stage.sort or rules.allow_backward_moves)
        ):
            deal_move_to_stage(deal=deal, stage=stage, actor=None)


def _rows(
    lines: tuple[IncomingLine, ...], currency: Currency, *, products: dict | None = None
) -> list[ProductRowInput]:
    """The deal's rows of the order's lines; `products` (shop products by external id) when
    the caller loaded them already, else each is found or created here."""
    rows = []
    for line in lines:
        if line.is_delivery or not line.external_id:
            product = None
        elif products is not None:
            product = products.get(line.external_id)
        else:
            product = _shop_product(line, currency)
        rows.append(
            ProductRowInput(
                quantity=line.quantity,
                product=product,
                product_name=line.name or (_(DELIVERY) if line.is_delivery else ""),
                price=line.price,
                price_currency=currency,
                discount_type="amount",
                discount_amount=line.discount,
                tax_rate=line.vat_rate,
                is_tax_included=line.is_vat_included,
                measure=Product.Measure.SERVICE if line.is_delivery else (line.measure or ""),
            )
        )
    return rows


def _shop_product(line: IncomingLine, currency: Currency) -> Product | None:
    """The catalog's shop product of the line (by its id in the shop), created on its first
    order: only products that take part in orders reach the catalog."""
    if not line.external_id:
        return None
    if is_crm_line_id(line.external_id):  # a line the CRM sent: our own product, or none
        pk = crm_product_id(line.external_id)
        return Product.objects.filter(pk=pk).first() if pk is not None else None
    lock_keys([("product", line.external_id)])
    product = Product.objects.filter(origin=Origin.SHOP, external_id=line.external_id).first()
    if product is not None:
        return product
    return product_create(
        name=line.name or line.external_id, price=line.price, currency=currency,
        origin=Origin.SHOP, external_id=line.external_id, sku=line.article[:100],
        vat_rate=line.vat_rate, is_vat_included=line.is_vat_included,
    )  # fmt: skip


def customer_contacts(shop: Shop, customers: list[IncomingCustomer]) -> list[Contact | None]:
    """Each customer's contact: by the shop's customer id, then e-mail, then phone, else a
    new one (None for a customer with nothing to name them by), in a fixed number of
    queries; the new ones are created together, once each even when a customer comes twice.
    The shop remembers each customer id's contact."""
    by_account = dict(
        ShopCustomer.objects.filter(
            shop=shop, customer_id__in={c.customer_id for c in customers if c.customer_id}
        ).values_list("customer_id", "contact_id")
    )
    # the oldest contact sharing the e-mail, else the phone: one query each
    by_email = duplicates_find(
        entity=EntityType.CONTACT, identities=[identity_of(emails=[c.email]) for c in customers]
    )
    by_phone = duplicates_find(entity=EntityType.CONTACT,
                               identities=[identity_of(phones=[c.phone]) for c in customers])  # fmt: skip
    found: list[int | None] = []
    new: dict[tuple, ContactDraft] = {}
    keys: list[tuple | None] = []
    for customer, email_match, phone_match in zip(customers, by_email, by_phone, strict=True):
        contact_id = by_account.get(customer.customer_id) if customer.customer_id else None
        contact_id = contact_id or email_match or phone_match
        found.append(contact_id)
        key = None
        if contact_id is None and (draft := contact_draft(customer)) is not None:
            key = (customer.customer_id, customer.email.lower(), customer.phone)
            new.setdefault(key, draft)
        keys.append(key)
    created = dict(zip(new, contact_create_many(drafts=list(new.values())), strict=True))
    existing = Contact.objects.in_bulk([pk for pk in found if pk is not None])
    contacts = [
        existing.get(contact_id) if contact_id is not None else created.get(key)
        for contact_id, key in zip(found, keys, strict=True)
    ]
    ShopCustomer.objects.bulk_create(
        [ShopCustomer(shop=shop, customer_id=customer.customer_id, contact=contact)
         for customer, contact in zip(customers, contacts, strict=True)
         if contact is not None and customer.customer_id
         and customer.customer_id not in by_account],  # those it knows already
        ignore_conflicts=True,
    )  # fmt: skip
    return contacts


def contact_draft(customer: IncomingCustomer) -> ContactDraft | None:
    """The new contact of a customer the CRM does not know: named by the customer's name,
    else by the e-mail or phone; None for a customer with nothing to name them by."""
    last_name = customer.last_name or (
        "" if customer.first_name else customer.email or customer.phone
    )
    if not (last_name or customer.first_name):
        return None
    communications = [
        CommunicationInput(kind=kind, value=value)
        for kind, value in ((Communication.Kind.EMAIL, customer.email),
                            (Communication.Kind.PHONE, customer.phone))
        if value.strip()
    ]  # fmt: skip
    return ContactDraft(first_name=customer.first_name, last_name=last_name,
                        middle_name=customer.middle_name, address=customer.address,
                        communications=communications)  # fmt: skip


def _company_for(customer: IncomingCustomer, contact: Contact | None):
    """A business buyer's company: by INN, else by exact name; else created with its
    requisites. The contact is linked to it."""
    company = None
    if customer.inn:
        found = CompanyRequisite.objects.filter(inn=customer.inn).values("company_id")
        company = Company.objects.filter(pk__in=found).order_by("pk").first()
    if company is None and customer.company_name:
        company = Company.objects.filter(title=customer.company_name).order_by("pk").first()
    if company is None:
        company = company_create(title=customer.company_name or customer.inn, actor=None)
        # a wrong INN check digit leaves the company without requisites
        with contextlib.suppress(ValidationError):
            if customer.inn:
                company_requisite_create(
                    company=company, actor=None, full_name=customer.company_name,
                    inn=customer.inn, kpp=customer.kpp[:9], legal_address=customer.legal_address,
                )  # fmt: skip
    if contact is not None:
        contact_link_company(contact=contact, company=company, actor=None)
    return company


@transaction.atomic
def shop_save(*, shop: Shop) -> Shop:
    """Create or change a shop (its settings as the administrator gave them)."""
    shop.full_clean()
    shop.save()
    return shop


# --- the shop settings pages ----------------------------------------------------------------

CONNECTION_CHECK_TIMEOUT = 15  # seconds: an administrator waits for the answer on the page


def _deal_pipeline(shop: Shop) -> Pipeline | None:
    """The pipeline the shop's deals go to without a rule: its own, else the default one as
    the intake takes it (None while no pipeline is set up)."""
    if shop.pipeline_id:
        return shop.pipeline
    try:
        return pipeline_default()
    except ApplicationError:
        return None


def _status_stage_errors(
    shop: Shop, pairs: Sequence[tuple[str, Stage]], route_pipeline_ids: Iterable[int] | None = None
) -> list[ValidationError]:
    """What is wrong with a status → stage map, one error per row at fault; `params` name the
    row (`index`, in the order given) and its field (`field`). A status maps once per
    pipeline, to a stage of a pipeline the shop's deals go to (its own or a rule's: those of
    `route_pipeline_ids`, the rules about to be saved, else the shop's saved rules)."""
    pipeline = _deal_pipeline(shop)
    pipelines = {pipeline.pk} if pipeline else set()
    if route_pipeline_ids is not None:
        pipelines |= set(route_pipeline_ids)
    elif shop.pk:
        pipelines |= set(shop.routes.values_list("pipeline_id", flat=True))
    seen, errors = set(), []
    for index, (status_code, stage) in enumerate(pairs):
        code = status_code.strip()
        if not code:
            errors.append(ValidationError(
                _("Give the order status code."), code="status_code_missing",
                params={"index": index, "field": "status_code"},
            ))  # fmt: skip
        elif (code, stage.pipeline_id) in seen:
            errors.append(ValidationError(
                _("The status %(code)s is mapped twice."), code="status_code_twice",
                params={"index": index, "field": "status_code", "code": code},
            ))  # fmt: skip
        seen.add((code, stage.pipeline_id))
        if stage.pipeline_id not in pipelines:
            errors.append(ValidationError(
                _("The stage %(stage)s is not in the pipeline of the shop's deals."),
                code="stage_of_another_pipeline",
                params={"index": index, "field": "stage", "stage": stage.name},
            ))  # fmt: skip
    return errors


@transaction.atomic
def shop_status_stages_replace(
    *, shop: Shop, pairs: Sequence[tuple[str, Stage]]
) -> list[ShopStatusStage]:
    """Replace the shop's order status → stage map by `pairs` (status code, stage), in order.

    Each status code once, every stage in the pipeline of the shop's deals (its own, else the
    default one). Raises ValidationError {"status_stages": [...]}, one error per row at fault
    (`params`: its `index` in `pairs` and its `field`), and then changes nothing."""
    errors = _status_stage_errors(shop, pairs)
    if errors:
        raise ValidationError({"status_stages": errors})
    shop.status_stages.all().delete()
    return ShopStatusStage.objects.bulk_create(
        ShopStatusStage(shop=shop, status_code=status_code.strip(), stage=stage)
        for status_code, stage in pairs
    )


@transaction.atomic
def shop_configure(
    *,
    shop: Shop,
    managers: Iterable[AbstractBaseUser],
    status_stages: Sequence[tuple[str, Stage]],
    routes: "Sequence[ShopRouteInput] | None" = None,
    assignment_rules: Sequence[AssignmentRuleInput] | None = None,
) -> Shop:
    """Create or change a shop with everything its settings page gives: its own fields, the
    managers a random assignment picks from, its pipeline rules (replaced, unless `routes` is
    None: then they stay as they are) and the order status → stage map (replaced), which may
    use the stages of the rules' pipelines.

    Raises ValidationError with field errors, changing nothing: a fixed assignment without its
    manager, a random one without managers, first-import dates the wrong way round, the
    shop's own field rules (shop_save), {"routes": [...]} as shop_routes_replace says and
    {"status_stages": [...]} as shop_status_stages_replace says."""
    managers = list(managers)
    errors: dict[str, list] = {}
    if shop.assignment == Shop.Assignment.FIXED and shop.responsible_id is None:
        errors["responsible"] = [_("Choose the manager who gets the shop's deals.")]
    if shop.assignment == Shop.Assignment.RANDOM and not managers:
        errors["managers"] = [_("Choose the managers to pick from.")]
    if shop.import_from and shop.import_to and shop.import_from > shop.import_to:
        errors["import_to"] = [_("The end of the first import is before its start.")]
    route_pipeline_ids = None
    if routes is not None:
        routes = list(routes)
        route_pipeline_ids = [route.pipeline.pk for route in routes]
        if route_errors := amount_range_errors(routes):
            errors["routes"] = route_errors
    if assignment_rules is not None:
        assignment_rules = list(assignment_rules)
        if rule_errors := amount_range_errors(assignment_rules):
            errors["assignment_rules"] = rule_errors
    map_errors = _status_stage_errors(shop, status_stages, route_pipeline_ids)
    if map_errors:
        errors["status_stages"] = map_errors
    if errors:
        raise ValidationError(errors)
    shop = shop_save(shop=shop)
    shop.managers.set(managers)
    if routes is not None:
        shop_routes_replace(shop=shop, routes=routes)  # first: the map may use their stages
    if assignment_rules is not None:
        shop_assignment_rules_replace(shop=shop, rules=assignment_rules)
    shop_status_stages_replace(shop=shop, pairs=status_stages)
    return shop


def shop_connection_check(*, shop: Shop) -> None:
    """Open an exchange with the shop (checkauth, then init) with its saved settings, to
    tell whether they work. Writes nothing. Raises ApplicationError saying what went wrong
    (never with the password in it)."""
    if not shop.exchange_url:
        raise ApplicationError(_("The shop has no exchange URL."), code="no_exchange_url")
    try:
        client = ExchangeClient(
            url=shop.exchange_url, login=shop.login, password=shop.password,
            version=shop.commerceml_version, timeout=CONNECTION_CHECK_TIMEOUT,
        )  # fmt: skip
        client.open()
    except (ExchangeError, ValueError) as error:
        reason = str(error).replace(shop.password, "***") if shop.password else str(error)
        raise ApplicationError(
            _("The shop did not connect: %(reason)s") % {"reason": reason},
            code="connection_failed",
        ) from None


def shop_pull_request(*, shop: Shop) -> None:
    """Queue a pull of the shop now (shop_pull_task, once the transaction commits). Raises
    ApplicationError for a shop without an exchange URL, a switched-off one, and one a pull
    holds now (that pull takes whatever waits)."""
    # imported here: the task module imports the pull, which imports this module
    from .tasks import shop_pull_task

    if not shop.exchange_url:
        raise ApplicationError(_("The shop has no exchange URL."), code="no_exchange_url")
    if not shop.is_active:
        raise ApplicationError(_("The shop is switched off."), code="shop_inactive")
    if shop.sync_lease_until is not None and shop.sync_lease_until > timezone.now():
        raise ApplicationError(_("A pull of this shop is running now."), code="pull_running")
    shop_id = shop.pk
    transaction.on_commit(lambda: shop_pull_task.delay(shop_id))


# --- the shop's pipeline rules --------------------------------------------------------------


@dataclass(frozen=True)
class ShopRouteInput:
    """A pipeline rule as given: its conditions (empty or None: any) and its pipeline."""

    pipeline: Pipeline
    site: str = ""
    region: str = ""
    customer_group: str = ""
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None


def shop_routes_replace(*, shop: Shop, routes: Sequence[ShopRouteInput]) -> list[ShopRoute]:
    """Replace the shop's pipeline rules by `routes`, in order (shop_rules_replace; its
    ValidationError under "routes")."""
    return shop_rules_replace(
        shop.routes, routes, error_key="routes",
        build=lambda route, sort: ShopRoute(
            shop=shop, sort=sort, site=route.site.strip(), region=route.region.strip(),
            customer_group=route.customer_group.strip(), amount_min=route.amount_min,
            amount_max=route.amount_max, pipeline=route.pipeline,
        ),
    )  # fmt: skip
