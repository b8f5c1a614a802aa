"""A hand-built sales world whose report figures are written out by hand in the tests.

Three people (tests.factories.sales_staff): "responsible" (a manager in the Wholesale team,
scope own), "other" (a manager in Retail, own) and "head" (head of Wholesale, department
and below: sees the responsible's items and own). A director sees everything.

Deals (pipeline Sales: New → Negotiation → Won / Lost; RUB base, USD at 90); "closes" is the
expected close date, "prob." the probability in percent:
| title | responsible | stage       | amount     | created    | closed     | company | closes     | prob. |
| R1    | responsible | Won         | 1000 RUB   | 2026-01-10 | 2026-02-01 | Alpha   | 2026-01-31 | 90    |
| R2    | responsible | Won         | 10 USD=900 | 2026-01-15 | 2026-02-10 | Alpha   | 2026-02-15 |       |
| R3    | responsible | Lost        | 500 RUB    | 2026-01-20 | 2026-02-05 | Beta    | 2026-03-05 | 30    |
| R4    | responsible | Negotiation | 2000 RUB   | 2026-02-01 |            | Beta    | 2026-03-10 | 60    |
| O1    | other       | Won         | 3000 RUB   | 2026-01-05 | 2026-01-25 | Gamma   | 2026-01-20 | 80    |
| O2    | other       | New         | 700 RUB    | 2026-03-01 |            | (none)  | 2026-03-25 |       |
| H1    | head        | Lost        | 400 RUB    | 2026-02-20 | 2026-03-01 | Alpha   | 2026-02-28 |       |

Contacts on the deals (* the primary one); Kuznetsova Maria has no deal:
| contact       | deals              |
| Ivanov Ivan   | R1*, R2*, O1*      |
| Petrova Anna  | R1, R3*, H1*       |
| Sidorov Pavel | R4*, O2*           |

Catalog: sections Hardware (with Printers inside) and Services; products Printer (Printers,
pcs, 1000 RUB), Paper (Hardware, pack, 5 USD), Setup (Services, service, 400 RUB).
Product rows (prices in the deal's currency; line total after discount, tax included):
| deal | product             | price | quantity | discount | line total         |
| R1   | Printer             | 1000  | 1        | 20 %     | 800                |
| R1   | Delivery (no product)| 200  | 1        |          | 200                |
| R2   | Paper               | 5 USD | 2        |          | 10 USD = 900 RUB   |
| O1   | Printer             | 1000  | 2        | 10 %     | 1800               |
| O1   | Setup               | 400   | 3        |          | 1200               |
| R4   | Printer             | 1000  | 2        |          | 2000 (open deal)   |
| H1   | Paper               | 100   | 4        |          | 400 (lost deal)    |
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.models import PermissionEntity, Role, RolePermission
from catalog.models import Product, ProductRow, Section
from catalog.pricing import row_totals
from deals.models import Deal, DealContact
from tests.factories import (
    CompanyFactory,
    ContactFactory,
    DealFactory,
    ProductFactory,
    UserFactory,
    sales_staff,
)


def moment(day: str) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.fromisoformat(f"{day}T12:00"))


def day(value: str) -> datetime.date:
    return datetime.date.fromisoformat(value)


# title, responsible, stage, amount, currency, created, closed, company, closes on, probability
DEALS = [
    ("R1", "responsible", "Won", "1000", "RUB", "2026-01-10", "2026-02-01", "Alpha", "2026-01-31", 90),
    ("R2", "responsible", "Won", "10", "USD", "2026-01-15", "2026-02-10", "Alpha", "2026-02-15", None),
    ("R3", "responsible", "Lost", "500", "RUB", "2026-01-20", "2026-02-05", "Beta", "2026-03-05", 30),
    ("R4", "responsible", "Negotiation", "2000", "RUB", "2026-02-01", None, "Beta", "2026-03-10", 60),
    ("O1", "other", "Won", "3000", "RUB", "2026-01-05", "2026-01-25", "Gamma", "2026-01-20", 80),
    ("O2", "other", "New", "700", "RUB", "2026-03-01", None, None, "2026-03-25", None),
    ("H1", "head", "Lost", "400", "RUB", "2026-02-20", "2026-03-01", "Alpha", "2026-02-28", None),
]  # fmt: skip
CONTACTS = {
    ("Ivanov", "Ivan"): ["R1*", "R2*", "O1*"],
    ("Petrova", "Anna"): ["R1", "R3*", "H1*"],
    ("Sidorov", "Pavel"): ["R4*", "O2*"],
    ("Kuznetsova", "Maria"): [],
}
# deal, product (or a row's own name), price, quantity, discount in percent
PRODUCT_ROWS = [
    ("R1", "Printer", "1000", "1", "20"),
    ("R1", "Delivery", "200", "1", "0"),
    ("R2", "Paper", "5", "2", "0"),
    ("O1", "Printer", "1000", "2", "10"),
    ("O1", "Setup", "400", "3", "0"),
    ("R4", "Printer", "1000", "2", "0"),
    ("H1", "Paper", "100", "4", "0"),
]


def catalog(money) -> dict[str, Product]:
    hardware = Section.objects.add_root({"name": "Hardware"})
    printers = Section.objects.add_child(hardware, {"name": "Printers"})
    services = Section.objects.add_root({"name": "Services"})
    return {
        "Printer": ProductFactory(name="Printer", section=printers, price=Decimal(1000)),
        "Paper": ProductFactory(name="Paper", section=hardware, price=Decimal(5),
                                currency=money["USD"], measure=Product.Measure.PACKAGE),
        "Setup": ProductFactory(name="Setup", section=services, price=Decimal(400),
                                measure=Product.Measure.SERVICE),
    }  # fmt: skip


def product_row(deal: Deal, product: Product | None, name: str, price, quantity, discount):
    """A product row as the pricing service would store it (tax 20 % inside the price)."""
    price, quantity, discount = Decimal(price), Decimal(quantity), Decimal(discount)
    totals = row_totals(price=price, quantity=quantity, discount_type="percent",
                        discount_rate=discount, tax_rate=Decimal(20))  # fmt: skip
    return ProductRow.objects.create(
        deal=deal, product=product, product_name=name, price=price, quantity=quantity,
        measure=product.measure if product else Product.Measure.SERVICE,
        discount_rate=discount, tax_rate=Decimal(20), tax_total=totals.tax_total,
        line_total=totals.line_total,
    )  # fmt: skip


@pytest.fixture
def world(pipeline, money):
    users = sales_staff()
    for user, (first, last) in zip(
        users.values(), [("Roman", "Rostov"), ("Olga", "Orlova"), ("Hugo", "Hedin")], strict=True
    ):
        user.first_name, user.last_name = first, last
        user.save()
    report_role = Role.objects.create(name="Reports")
    RolePermission.objects.create(role=report_role, entity=PermissionEntity.REPORT, action="view",
                                  scope="own")  # fmt: skip
    director = UserFactory(username="director", first_name="Dina", last_name="Director",
                           is_superuser=True)  # fmt: skip
    for user in users.values():
        user.roles.add(report_role)
    stages = {stage.name: stage for stage in pipeline.stages.all()}
    companies = {name: CompanyFactory(title=name) for name in ("Alpha", "Beta", "Gamma")}
    deals = {}
    for title, owner, stage, amount, currency, created, closed, company, closes, chance in DEALS:
        deal = DealFactory(
            title=title, responsible=users[owner], pipeline=pipeline, stage=stages[stage],
            amount=Decimal(amount), currency=money[currency],
            company=companies[company] if company else None,
            closes_on=day(closes), probability=chance,
        )  # fmt: skip
        Deal.objects.filter(pk=deal.pk).update(
            created_at=moment(created), closed_at=moment(closed) if closed else None
        )
        deals[title] = deal
    contacts = {}
    for (last, first), titles in CONTACTS.items():
        contact = contacts[f"{last} {first}"] = ContactFactory(last_name=last, first_name=first)
        for title in titles:
            DealContact.objects.create(deal=deals[title.rstrip("*")], contact=contact,
                                       is_primary=title.endswith("*"))  # fmt: skip
    products = catalog(money)
    for title, name, price, quantity, discount in PRODUCT_ROWS:
        product_row(deals[title], products.get(name), name, price, quantity, discount)
    return SimpleNamespace(users=users | {"director": director}, stages=stages,
                           companies=companies, deals=deals, pipeline=pipeline,
                           contacts=contacts, products=products)  # fmt: skip
