"""The demo shop's state: its orders and the documents the CRM uploaded.

One lock guards it all, and every change is saved to the data file at once (a temporary
file renamed over it), so a restarted shop carries on where it stopped. Only snapshots
(bytes, JSON-ready dicts) leave the lock.
"""

import copy
import dataclasses
import datetime
import json
import os
import random
import tempfile
import threading
from decimal import Decimal, InvalidOperation
from pathlib import Path

from demo_shop import fake_data
from demo_shop.commerceml import IncomingOrder, decoded, moment, orders_document, read_orders
from demo_shop.orders import FINAL_STATUS, STATUSES, Buyer, Item, ShopOrder, shop_now

FIRST_ORDER_ID = 101
MAX_RECEIVED = 100  # uploaded documents kept for inspection
_DATA_FORMAT = 1
_BUYER_FIELDS = frozenset(
    {"last_name", "first_name", "middle_name", "email", "phone", "address", "company", "inn", "kpp"}
)
_ORDER_FIELDS = frozenset(
    {"status", "is_paid", "is_cancelled", "items", "delivery_price", "comment"}
)


class UnknownOrder(LookupError):
    pass


class Shop:
    def __init__(self, *, data_path: Path | None, initial_orders: int = 36, seed: int = 1):
        self.lock = threading.RLock()
        self._data_path = data_path
        self._seed = seed
        self._initial_orders = initial_orders
        if data_path is not None and data_path.exists():
            self._load(data_path)
        else:
            self._generate(initial_orders)
            self._save()

    # --- reads (control API) ---------------------------------------------------------------

    def orders(self) -> list[dict]:
        with self.lock:
            return [order.to_api() for order in sorted(self._orders.values(), key=_by_id)]

    def order(self, order_id: int) -> dict:
        with self.lock:
            return self._get(order_id).to_api()

    def received(self) -> list[dict]:
        with self.lock:
            return [dict(document) for document in self._received]

    # --- changes made on the site (control API, ticks) ---------------------------------------

    def create_order(self, data: dict) -> dict:
        """A new order: generated, with whatever `data` gives (buyer, items, flags) instead."""
        with self.lock:
            now = shop_now()
            order = self._factory.order(self._next_id, now)
            if "buyer" in data:
                order.buyer = self._buyer_from(data["buyer"])
            _apply_site_changes(
                order, {key: value for key, value in data.items() if key != "buyer"}, now
            )
            self._orders[order.id] = order
            self._next_id += 1
            self._save()
            return order.to_api()

    def change_order(self, order_id: int, data: dict) -> dict:
        """A change made on the site: the order is exported again on the next query."""
        with self.lock:
            order = copy.deepcopy(self._get(order_id))  # a refused change leaves no trace
            now = shop_now()
            _apply_site_changes(order, data, now)
            _touch(order, now, on_site=True)
            self._orders[order_id] = order
            self._save()
            return order.to_api()

    def tick(self) -> str:
        """Life goes on: a new order arrives, or an open one is paid, shipped or cancelled."""
        with self.lock:
            now = shop_now()
            open_orders = [order for order in self._orders.values() if not order.is_cancelled]
            choices = {
                "pay": [order for order in open_orders if not order.is_paid],
                "ship": [order for order in open_orders if order.status == "P"],
                "cancel": [order for order in open_orders if order.status == "N"],
            }
            event = self._rng.choices(["new", "pay", "ship", "cancel"], weights=[4, 3, 2, 1])[0]
            if event == "new" or not choices[event]:
                order = self._factory.order(self._next_id, now)
                self._orders[order.id] = order
                self._next_id += 1
                what = f"new order {order.id} from {order.buyer.full_name}"
            else:
                order = self._rng.choice(choices[event])
                if event == "cancel":
                    what = fake_data.cancel(order, self._rng, now)
                else:
                    what = fake_data.advance(order, self._rng, now)
                _touch(order, now, on_site=True)
            self._save()
            return what

    def reset(self, orders: int | None = None) -> None:
        """Start over: freshly generated orders (the initial number unless told), no documents."""
        with self.lock:
            self._generate(self._initial_orders if orders is None else orders)
            self._save()

    # --- the exchange ------------------------------------------------------------------------

    def export(self, *, limit: int, encoding: str) -> tuple[bytes, dict[int, int]]:
        """The `query` document: orders changed on the site since their last export, oldest
        change first (Bitrix: DATE_UPDATE, ID), at most `limit` (0 = all); and the revisions
        it holds, for `confirm_export`."""
        with self.lock:
            pending = sorted(
                (order for order in self._orders.values() if order.needs_export),
                key=lambda order: (order.updated_at, order.id),
            )
            if limit:
                pending = pending[:limit]
            document = orders_document(pending, encoding=encoding, generated_at=shop_now())
            return document, {order.id: order.site_revision for order in pending}

    def confirm_export(self, revisions: dict[int, int]) -> None:
        """`success`: the orders went out as they were at the query; a later change goes again."""
        with self.lock:
            for order_id, revision in revisions.items():
                order = self._orders.get(order_id)
                if order is not None:
                    order.exported_revision = max(order.exported_revision, revision)
            self._save()

    def import_document(self, filename: str, raw: bytes) -> list[str]:
        """Apply an uploaded document as Bitrix's < 2.10 importer does (§4.3), keep it, and
        return the warning lines for the answer. Orders it changes are not exported again
        (UPDATED_1C); orders it creates are (unlike Bitrix, which never exports orders
        created from 1C, so that the CRM sees the shop's ID for its order).

        Raises ValueError when the file cannot be read.
        """
        incoming = read_orders(raw)
        with self.lock:
            now = shop_now()
            warnings: list[str] = []
            touched = []
            for document in incoming:
                order = self._find(document)
                if order is None:
                    order = self._create_from(document, now, warnings)
                else:
                    _apply_basket(order, document, warnings)
                if order is not None:
                    _apply_flags(order, document, now, warnings)
                    order.id_1c, order.version_1c = document.external_id, document.version
                    _touch(order, now, on_site=False)
                    touched.append(order.id)
            self._received.append(
                {
                    "id": self._next_document_id,
                    "filename": filename,
                    "received_at": now.isoformat(),
                    "orders": touched,
                    "text": decoded(raw),
                }
            )
            del self._received[:-MAX_RECEIVED]
            self._next_document_id += 1
            self._save()
            return warnings

    def _find(self, document: IncomingOrder) -> ShopOrder | None:
        # Bitrix: Номер as the order ID when numeric, else as ID_1C or the account number;
        # then Ид as ID_1C (§4.3)
        number = document.number
        if number.isdigit() and int(number) in self._orders:
            return self._orders[int(number)]
        for order in self._orders.values():
            if number and number in (order.id_1c, order.account_number):
                return order
        return next(
            (order for order in self._orders.values() if order.id_1c == document.external_id),
            None,
        )

    def _create_from(
        self, document: IncomingOrder, now: datetime.datetime, warnings: list[str]
    ) -> ShopOrder | None:
        if not document.items:
            warnings.append(
                f"Документ с Ид - {document.external_id}. Заказ не создан: в документе нет товаров."
            )
            return None
        buyer = document.buyer or Buyer(user_id=0, login="", last_name="Покупатель", first_name="")
        buyer.user_id = self._factory.next_user_id()
        buyer.login = buyer.email.partition("@")[0] or f"crm{buyer.user_id}"
        order = ShopOrder(
            id=self._next_id,
            created_at=document.created_at or now,
            updated_at=now,
            status_changed_at=now,
            buyer=buyer,
            items=_numbered(document.items, self._next_id),
            delivery_price=document.delivery_price,
            is_external=True,
        )
        self._orders[order.id] = order
        self._next_id += 1
        return order

    # --- storage -------------------------------------------------------------------------

    def _get(self, order_id: int) -> ShopOrder:
        try:
            return self._orders[order_id]
        except KeyError:
            raise UnknownOrder(f"No order {order_id}.") from None

    def _buyer_from(self, data: dict) -> Buyer:
        if not isinstance(data, dict) or not data.keys() <= _BUYER_FIELDS:
            raise ValueError(f"buyer: an object with some of {', '.join(sorted(_BUYER_FIELDS))}.")
        user_id = self._factory.next_user_id()
        return Buyer(
            user_id=user_id,
            login=str(data.get("email", "")).partition("@")[0] or f"buyer{user_id}",
            **{key: str(value) for key, value in data.items()},
        )

    def _generate(self, count: int) -> None:
        self._rng = random.Random(self._seed)  # noqa: S311 - repeatable made-up data
        self._factory = fake_data.OrderFactory(self._rng)
        self._orders: dict[int, ShopOrder] = {}
        self._received: list[dict] = []
        self._next_document_id = 1
        self._next_id = FIRST_ORDER_ID
        now = shop_now()
        # a month of orders, the older ones further along (paid, shipped) than the recent ones
        moments = sorted(
            now - datetime.timedelta(minutes=self._rng.randint(30, 30 * 24 * 60))
            for _ in range(count)
        )
        for at in moments:
            order = self._factory.order(self._next_id, at)
            age = (now - at) / datetime.timedelta(days=30)
            steps = self._rng.choices([0, 1, 2], weights=[1 - age, 1, 2 * age])[0]
            step_at = at
            if self._rng.random() < 0.1:
                step_at = _later(step_at, now)
                fake_data.cancel(order, self._rng, step_at)
            for _ in range(0 if order.is_cancelled else steps):
                step_at = _later(step_at, now)
                fake_data.advance(order, self._rng, step_at)
            order.updated_at = step_at
            self._orders[order.id] = order
            self._next_id += 1

    def _load(self, path: Path) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != _DATA_FORMAT:
            raise ValueError(f"{path} is not a demo shop data file (format {_DATA_FORMAT}).")
        self._orders = {order["id"]: ShopOrder.from_json(order) for order in data["orders"]}
        self._received = data["received"]
        self._next_id = data["next_id"]
        self._next_document_id = data["next_document_id"]
        self._rng = random.Random(f"{self._seed}:{self._next_id}")  # noqa: S311
        last_user_id = max((order.buyer.user_id for order in self._orders.values()), default=0)
        self._factory = fake_data.OrderFactory(self._rng, first_user_id=last_user_id + 1)

    def _save(self) -> None:
        if self._data_path is None:
            return
        payload = {
            "format": _DATA_FORMAT,
            "next_id": self._next_id,
            "next_document_id": self._next_document_id,
            "orders": [order.to_json() for order in sorted(self._orders.values(), key=_by_id)],
            "received": self._received,
        }
        self._data_path.parent.mkdir(parents=True, exist_ok=True)
        # a crash mid-write leaves the previous file whole: write aside, then rename over it
        with tempfile.NamedTemporaryFile(
            "w",
            encoding="utf-8",
            dir=self._data_path.parent,
            prefix=f".{self._data_path.name}.",
            suffix=".tmp",
            delete=False,
        ) as temporary:
            json.dump(payload, temporary, ensure_ascii=False, indent=1)
            temporary.flush()
            os.fsync(temporary.fileno())
        os.replace(temporary.name, self._data_path)


def _by_id(order: ShopOrder) -> int:
    return order.id


def _later(start: datetime.datetime, now: datetime.datetime) -> datetime.datetime:
    return (start + (now - start) / 3).replace(microsecond=0)


def _touch(order: ShopOrder, now: datetime.datetime, *, on_site: bool) -> None:
    order.version += 1
    order.updated_at = now
    if on_site:
        order.site_revision += 1


def _apply_site_changes(order: ShopOrder, data: dict, now: datetime.datetime) -> None:
    unknown = data.keys() - _ORDER_FIELDS
    if unknown:
        raise ValueError(
            f"Unknown field(s) {', '.join(sorted(unknown))}; "
            f"an order takes {', '.join(sorted(_ORDER_FIELDS))}."
        )
    if "items" in data:
        order.items = _numbered(_items_from(data["items"]), order.id)
    if "delivery_price" in data:
        order.delivery_price = _amount(data["delivery_price"], "delivery_price", zero=True)
    if "is_paid" in data:
        if _flag(data["is_paid"], "is_paid"):
            order.set_paid(now, order.payment_number or f"{order.id}-{now:%H%M%S}")
        else:
            order.is_paid, order.paid_at, order.payment_number = False, None, ""
    if "status" in data:
        order.set_status(str(data["status"]), now)
    if "is_cancelled" in data:
        order.set_cancelled(_flag(data["is_cancelled"], "is_cancelled"), now, "Отменен на сайте")
    if "comment" in data:
        order.buyer_comment = str(data["comment"])


def _items_from(data: object) -> list[Item]:
    """Items from the control API: a catalog product_id, or product_id, name and price."""
    if not isinstance(data, list) or not data:
        raise ValueError("items: a non-empty list of {product_id, quantity[, name, price]}.")
    catalog = {
        product_id: (article, name, price) for product_id, article, name, price in fake_data.CATALOG
    }
    items = []
    for position, entry in enumerate(data, start=1):
        if not isinstance(entry, dict) or "product_id" not in entry:
            raise ValueError(f"items[{position}]: an object with a product_id.")
        product_id = str(entry["product_id"])
        article, name, price = catalog.get(product_id, ("", "", None))
        if "name" in entry:
            name = str(entry["name"])
        if "price" in entry:
            price = _amount(entry["price"], f"items[{position}].price")
        if not name or price is None:
            raise ValueError(
                f"items[{position}]: {product_id} is not in the catalog; give its name and price."
            )
        quantity = _amount(entry.get("quantity", 1), f"items[{position}].quantity")
        items.append(
            Item(
                product_id=product_id,
                name=name,
                price=price,
                quantity=quantity,
                article=article,
                vat_rate=fake_data.VAT_RATE,
            )
        )
    return items


def _numbered(items: list[Item], order_id: int) -> list[Item]:
    return [
        dataclasses.replace(item, basket_id=item.basket_id or order_id * 10 + position)
        for position, item in enumerate(items, start=1)
    ]


def _amount(value: object, what: str, *, zero: bool = False) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        number = Decimal(-1)
    if not number.is_finite() or number < 0 or (number == 0 and not zero):
        raise ValueError(f"{what}: a positive number, not {value!r}.")
    return number


def _flag(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{what}: true or false, not {value!r}.")
    return value


def _apply_basket(order: ShopOrder, document: IncomingOrder, warnings: list[str]) -> None:
    """Bitrix rewrites the basket from the document when its НомерВерсии is new and the order
    is still open: lines the document lacks are dropped (pitfall P13)."""
    if document.items is None or (document.version and document.version == order.version_1c):
        return
    if _basket(document.items, document.delivery_price) == _basket(
        order.items, order.delivery_price
    ):
        return
    if order.is_paid or order.is_delivery_allowed or order.status == FINAL_STATUS:
        warnings.append(
            f"Документ с Ид - {document.external_id}. Заказ №{order.account_number} не может быть "
            "изменен (находится в финальном статусе, оплачен или разрешена доставка)."
        )
        return
    order.items = _numbered(document.items, order.id)
    order.delivery_price = document.delivery_price


def _basket(items: list[Item], delivery_price: Decimal) -> tuple:
    lines = sorted((item.product_id, item.price, item.quantity) for item in items)
    return tuple(lines), delivery_price


def _apply_flags(
    order: ShopOrder, document: IncomingOrder, now: datetime.datetime, warnings: list[str]
) -> None:
    """What Bitrix always applies from a 1C document (§4.3, 3.); status changes as with the
    option «change statuses from 1C» on."""
    # a document that does not say «cancelled» un-cancels the order (pitfall P23)
    order.set_cancelled(document.is_deleted or document.flag("Отменен"), now, "Отменен в CRM")
    paid = document.requisite("Дата оплаты по 1С")
    if len(paid) > 1:
        order.set_paid(moment(paid) or now, document.requisite("Номер оплаты по 1С"))
    shipped = document.requisite("Дата отгрузки по 1С")
    if len(shipped) > 1:
        order.allow_delivery(moment(shipped) or now, document.requisite("Номер отгрузки по 1С"))
        order.set_status(FINAL_STATUS, now)  # Bitrix's «final status on delivery», default F
    code = document.requisite("Статуса заказа ИД")
    if code in STATUSES:
        order.set_status(code, now)
    elif code:
        warnings.append(
            f"Документ с Ид - {document.external_id}. Статус заказа «{code}» на сайте не найден."
        )
