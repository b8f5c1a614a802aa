"""The shop's orders: plain dataclasses, saved as JSON (money as strings, times as ISO text).

Times are naive and shop-local, as a Bitrix shop writes them (CommerceML has no time zone).
"""

import datetime
from dataclasses import asdict, dataclass
from decimal import Decimal

# Bitrix's default order statuses; «F» is the final one.
STATUSES = {
    "N": "Принят, ожидается оплата",
    "P": "Оплачен, формируется к отправке",
    "F": "Выполнен",
}
FINAL_STATUS = "F"
CENT = Decimal("0.01")


def shop_now() -> datetime.datetime:
    """The shop's wall-clock time, to the second."""
    return datetime.datetime.now().astimezone().replace(tzinfo=None, microsecond=0)


@dataclass
class Buyer:
    user_id: int
    login: str
    last_name: str
    first_name: str
    middle_name: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    company: str = ""  # a business buyer's official name
    inn: str = ""
    kpp: str = ""
    external_id: str = ""  # the Контрагент Ид of a buyer that came from the CRM

    @property
    def full_name(self) -> str:
        return " ".join(
            part for part in (self.last_name, self.first_name, self.middle_name) if part
        )

    @property
    def xml_id(self) -> str:
        # Bitrix: the user's XML_ID, else "ID#LOGIN#LAST NAME FIRST NAME", cut at 40 (P12)
        if self.external_id:
            return self.external_id
        return f"{self.user_id}#{self.login}#{self.last_name} {self.first_name}"[:40]


@dataclass
class Item:
    product_id: str  # the product's XML_ID (a GUID)
    name: str
    price: Decimal  # per unit, VAT included
    quantity: Decimal
    article: str = ""
    vat_rate: int | None = None  # percent, included in the price; None: no VAT
    basket_id: int = 0  # НомерПозицииКорзины

    @property
    def amount(self) -> Decimal:
        return self.price * self.quantity

    @property
    def vat_amount(self) -> Decimal:
        if not self.vat_rate:
            return Decimal(0)
        return (self.amount * self.vat_rate / (100 + self.vat_rate)).quantize(CENT)


@dataclass
class ShopOrder:
    id: int
    created_at: datetime.datetime
    buyer: Buyer
    items: list[Item]
    updated_at: datetime.datetime
    delivery_method: str = ""
    delivery_method_id: str = ""
    delivery_price: Decimal = Decimal(0)
    payment_method: str = ""
    payment_method_id: str = ""
    status: str = "N"
    status_changed_at: datetime.datetime | None = None
    is_paid: bool = False
    paid_at: datetime.datetime | None = None
    payment_number: str = ""
    is_delivery_allowed: bool = False
    delivery_allowed_at: datetime.datetime | None = None
    shipment_number: str = ""
    is_cancelled: bool = False
    cancelled_at: datetime.datetime | None = None
    cancel_reason: str = ""
    buyer_comment: str = ""
    id_1c: str = ""  # the Ид of the CRM's documents for this order (Bitrix: ID_1C)
    version_1c: str = ""  # the НомерВерсии of the last CRM document (Bitrix: VERSION_1C)
    is_external: bool = False  # created from a CRM document
    version: int = 1  # bumped on every change: the exported НомерВерсии
    # Site changes only (a CRM push is not one): the order is exported while the first
    # runs ahead of the second, like Bitrix's UPDATED_1C flag (§4.1).
    site_revision: int = 1
    exported_revision: int = 0

    @property
    def account_number(self) -> str:
        return str(self.id)

    @property
    def total(self) -> Decimal:
        return sum((item.amount for item in self.items), self.delivery_price)

    @property
    def needs_export(self) -> bool:
        return self.site_revision > self.exported_revision

    def set_status(self, code: str, at: datetime.datetime) -> None:
        if code not in STATUSES:
            raise ValueError(f"Unknown status {code!r}; the shop has {', '.join(STATUSES)}.")
        if code != self.status:
            self.status, self.status_changed_at = code, at

    def set_paid(self, at: datetime.datetime, number: str) -> None:
        self.is_paid, self.paid_at, self.payment_number = True, at, number

    def allow_delivery(self, at: datetime.datetime, number: str) -> None:
        self.is_delivery_allowed, self.delivery_allowed_at, self.shipment_number = True, at, number

    def set_cancelled(self, is_cancelled: bool, at: datetime.datetime, reason: str = "") -> None:
        if is_cancelled != self.is_cancelled:
            self.is_cancelled = is_cancelled
            self.cancelled_at = at if is_cancelled else None
            self.cancel_reason = reason if is_cancelled else ""

    def to_json(self) -> dict:
        return _plain(asdict(self))

    def to_api(self) -> dict:
        """The JSON of the control API: the stored fields and what they imply."""
        return {
            **self.to_json(),
            "account_number": self.account_number,
            "status_name": STATUSES.get(self.status, self.status),
            "total": str(self.total),
            "needs_export": self.needs_export,
        }

    @classmethod
    def from_json(cls, data: dict) -> "ShopOrder":
        values = dict(data)
        values["buyer"] = Buyer(**values["buyer"])
        values["items"] = [
            Item(**{**item, "price": Decimal(item["price"]), "quantity": Decimal(item["quantity"])})
            for item in values["items"]
        ]
        values["delivery_price"] = Decimal(values["delivery_price"])
        for name in (
            "created_at",
            "updated_at",
            "status_changed_at",
            "paid_at",
            "delivery_allowed_at",
            "cancelled_at",
        ):
            if values.get(name):
                values[name] = datetime.datetime.fromisoformat(values[name])
        return cls(**values)


def _plain(value):
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return value
