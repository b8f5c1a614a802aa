"""An order as the intake takes it, whichever way it came (a REST push, a CommerceML
document): the paths turn what they receive into these, and shopsync.services.order_ingest
does the rest."""

import datetime
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class IncomingCustomer:
    customer_id: str = ""  # the shop's own id of the account, when it has one
    last_name: str = ""
    first_name: str = ""
    middle_name: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    # a business buyer (B2B orders): the company and its requisites
    company_name: str = ""
    inn: str = ""
    kpp: str = ""
    legal_address: str = ""

    @property
    def is_company(self) -> bool:
        return bool(self.company_name or self.inn)


@dataclass(frozen=True)
class IncomingLine:
    external_id: str  # the product's id in the shop; empty for a line not from its catalog
    name: str
    quantity: Decimal
    price: Decimal  # per unit, before the discount
    discount: Decimal = Decimal(0)  # per unit
    vat_rate: Decimal | None = None
    is_vat_included: bool = True
    measure: str = ""
    article: str = ""
    is_delivery: bool = False


@dataclass(frozen=True)
class IncomingOrder:
    external_id: str
    number: str
    currency: str  # ISO code
    customer: IncomingCustomer
    lines: tuple[IncomingLine, ...]
    version: str = ""  # the shop's version of the order: unchanged version, nothing to do
    # our own id of the order (ShopOrder.crm_id) when the shop knows it: how an order made
    # in the CRM is recognised when the shop sends it back with its own id
    crm_id: str = ""
    ordered_at: datetime.datetime | None = None
    comment: str = ""
    status_code: str = ""
    is_paid: bool = False
    is_shipped: bool = False
    is_cancelled: bool = False
    payment_method: str = ""
    delivery_method: str = ""
    # what the shop's pipeline rules look at
    site: str = ""
    region: str = ""
    customer_group: str = ""
    amount: Decimal = Decimal(0)  # the order's total as the shop states it
