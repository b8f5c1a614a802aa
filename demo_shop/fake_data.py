"""Made-up orders for the demo shop: ЭкоОпт's retail assortment (the CRM demo's products, so
the orders match its catalog) bought by private and business buyers.

Names, INNs and phones come from the CRM demo's plain data modules (no Django involved).
"""

import dataclasses
import datetime
import random
import uuid
from decimal import Decimal

from demo.data import FEMALE_FIRST_NAMES, LAST_NAMES, MALE_FIRST_NAMES, MIDDLE_NAMES, PRODUCTS
from demo.identifiers import email_local_part, inn_of_organisation, kpp_of, mobile_phone
from demo_shop.orders import Buyer, Item, ShopOrder

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://shop.ecoopt.example/")
CATALOG_ID = str(uuid.uuid5(_NAMESPACE, "catalog"))
VAT_RATE = 20

# (product Ид, article, name, price): the rouble products, with stable GUIDs
CATALOG = [
    (str(uuid.uuid5(_NAMESPACE, article)), article, name, Decimal(price))
    for _, article, name, price, currency, _ in PRODUCTS
    if currency == "RUB"
]
DELIVERY_METHODS = [
    ("Курьерская доставка", "2", Decimal("350.00")),
    ("СДЭК до пункта выдачи", "7", Decimal("290.00")),
    ("Самовывоз со склада в Обнинске", "3", Decimal(0)),
]
PAYMENT_METHODS = [("Банковская карта онлайн", "4"), ("Наличными при получении", "1")]
INVOICE_PAYMENT = ("Счёт для юридических лиц", "5")
CITIES = [
    ("Москва", "77"),
    ("Обнинск", "40"),
    ("Калуга", "40"),
    ("Тула", "71"),
    ("Санкт-Петербург", "78"),
    ("Рязань", "62"),
]
STREETS = ["ул. Ленина", "ул. Гагарина", "пр. Мира", "ул. Садовая", "ул. Лесная", "ул. Победы"]
COMPANIES = ["Чистый дом", "Уютная лавка", "Натура Трейд", "Клининг Про", "Свежесть", "ЭкоДом"]
COMMENTS = [
    "Позвоните за час до доставки, пожалуйста.",
    "Домофон не работает, наберите по телефону.",
    "Нужен закрывающий пакет документов.",
    "",
    "",
    "",
]
CANCEL_REASONS = ["Покупатель передумал", "Не удалось связаться с покупателем"]


class OrderFactory:
    """New orders and their buyers; a returning buyer now and then, as in a real shop."""

    def __init__(self, rng: random.Random, *, first_user_id: int = 1):
        self._rng = rng
        self._next_user_id = first_user_id
        self._buyers: list[Buyer] = []

    def order(self, order_id: int, at: datetime.datetime) -> ShopOrder:
        rng = self._rng
        buyer = self._buyer()
        delivery, delivery_id, delivery_price = rng.choice(DELIVERY_METHODS)
        payment, payment_id = INVOICE_PAYMENT if buyer.inn else rng.choice(PAYMENT_METHODS)
        return ShopOrder(
            id=order_id,
            created_at=at,
            updated_at=at,
            status_changed_at=at,
            buyer=buyer,
            items=self.items(order_id, wholesale=bool(buyer.inn)),
            delivery_method=delivery,
            delivery_method_id=delivery_id,
            delivery_price=delivery_price,
            payment_method=payment,
            payment_method_id=payment_id,
            buyer_comment=rng.choice(COMMENTS),
        )

    def items(self, order_id: int, *, wholesale: bool = False) -> list[Item]:
        products = self._rng.sample(CATALOG, self._rng.randint(1, 4))
        return [
            Item(
                product_id=product_id,
                name=name,
                price=price,
                quantity=Decimal(
                    self._rng.randint(6, 24) if wholesale else self._rng.randint(1, 3)
                ),
                article=article,
                vat_rate=VAT_RATE,
                basket_id=order_id * 10 + position,
            )
            for position, (product_id, article, name, price) in enumerate(products, start=1)
        ]

    def next_user_id(self) -> int:
        user_id = self._next_user_id
        self._next_user_id += 1
        return user_id

    def _buyer(self) -> Buyer:
        rng = self._rng
        if self._buyers and rng.random() < 0.2:
            return dataclasses.replace(rng.choice(self._buyers))
        is_female = rng.random() < 0.6
        first_name = rng.choice(FEMALE_FIRST_NAMES if is_female else MALE_FIRST_NAMES)
        last_name = rng.choice(LAST_NAMES) + ("а" if is_female else "")
        middle_name = rng.choice(MIDDLE_NAMES)[1 if is_female else 0]
        city, region = rng.choice(CITIES)
        local_part = email_local_part(first_name, last_name)
        buyer = Buyer(
            user_id=self.next_user_id(),
            login=local_part,
            last_name=last_name,
            first_name=first_name,
            middle_name=middle_name,
            email=f"{local_part}@mail.example",
            phone=mobile_phone(rng),
            address=(
                f"{rng.randint(100000, 199999)}, {city}, {rng.choice(STREETS)}, "
                f"д. {rng.randint(1, 120)}, кв. {rng.randint(1, 300)}"
            ),
        )
        if rng.random() < 0.25:
            buyer.company = f"ООО «{rng.choice(COMPANIES)}»"
            buyer.inn = inn_of_organisation(rng, region)
            buyer.kpp = kpp_of(buyer.inn)
        self._buyers.append(buyer)
        return buyer


def advance(order: ShopOrder, rng: random.Random, at: datetime.datetime) -> str:
    """Move an order one step along: paid, then shipped and done. Returns what happened."""
    if not order.is_paid:
        order.set_paid(at, f"{rng.randint(100000, 999999)}")
        order.set_status("P", at)
        return f"order {order.id} paid"
    order.allow_delivery(at, f"ОТГ-{order.id}")
    order.set_status("F", at)
    return f"order {order.id} shipped and done"


def cancel(order: ShopOrder, rng: random.Random, at: datetime.datetime) -> str:
    order.set_cancelled(True, at, rng.choice(CANCEL_REASONS))
    return f"order {order.id} cancelled"
