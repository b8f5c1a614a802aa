"""The shop's CommerceML: the `query` export and the reading of documents the CRM uploads.

Written the way a 1C-Bitrix shop writes CommerceML 2.08 (`sale.export.1c`) and read the way
its < 2.10 importer reads 1C's documents, with the standard library only. Kept apart from
`shopsync.commerceml` on purpose: the CRM's parser and writer are tested against it.
"""

import datetime
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from demo_shop.fake_data import CATALOG_ID
from demo_shop.orders import FINAL_STATUS, STATUSES, Buyer, Item, ShopOrder

SCHEMA_VERSION = "2.08"
DELIVERY_LINE_ID = "ORDER_DELIVERY"
ORDER_OPERATION = "Заказ товара"
SITE = "[s1] ЭкоОпт — интернет-магазин"

_ROOT = "КоммерческаяИнформация"
_FORMATS = {
    "ФорматДаты": "ДФ=yyyy-MM-dd; ДЛФ=DT",
    "ФорматВремени": "ДФ=ЧЧ:мм:сс; ДЛФ=T",
    "РазделительДатаВремя": "T",
    "ФорматСуммы": "ЧЦ=18; ЧДЦ=2; ЧРД=.",
    "ФорматКоличества": "ЧЦ=18; ЧДЦ=2; ЧРД=.",
}
_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_MOMENT_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%M:%S", "%Y-%m-%d")
_TRUE = frozenset({"true", "1", "да"})


# --- export (mode=query) -----------------------------------------------------------------


def orders_document(
    orders: Iterable[ShopOrder], *, encoding: str, generated_at: datetime.datetime
) -> bytes:
    """The `query` answer: one <Документ> per order, as Bitrix writes schema 2.08."""
    root = ET.Element(
        _ROOT,
        {
            "ВерсияСхемы": SCHEMA_VERSION,
            # Bitrix writes the hour without padding (PHP `G`), §3.6
            "ДатаФормирования": f"{generated_at:%Y-%m-%d}T{generated_at.hour}:{generated_at:%M:%S}",
            **_FORMATS,
        },
    )
    for order in orders:
        root.append(_order_element(order))
    ET.indent(root)
    # ElementTree writes characters the encoding lacks as character references
    body = ET.tostring(root, encoding=encoding, xml_declaration=False)
    return f'<?xml version="1.0" encoding="{encoding}"?>\n'.encode("ascii") + body


def _order_element(order: ShopOrder) -> ET.Element:
    document = ET.Element("Документ")
    _add(document, "Ид", str(order.id))
    _add(document, "Номер", order.account_number)
    _add(document, "Дата", f"{order.created_at:%Y-%m-%d}")
    _add(document, "ХозОперация", ORDER_OPERATION)
    _add(document, "Роль", "Продавец")
    _add(document, "Валюта", "руб")
    _add(document, "Курс", "1")
    _add(document, "Сумма", f"{order.total:.4f}")
    _add(document, "НомерВерсии", str(order.version))
    if order.id_1c:
        _add(document, "Номер1С", order.id_1c)  # Bitrix writes ID_1C here (> 2.05)
    ET.SubElement(document, "Контрагенты").append(_buyer_element(order.buyer))
    _add(document, "Время", f"{order.created_at:%H:%M:%S}")
    _add(document, "Комментарий", "")
    vat = sum((item.vat_amount for item in order.items), Decimal(0))
    if vat:
        _add_tax(document, vat)
    lines = ET.SubElement(document, "Товары")
    for item in order.items:
        lines.append(_item_element(item))
    if order.delivery_price:
        lines.append(_delivery_element(order.delivery_price))
    _add_requisites(document, _order_requisites(order))
    return document


def _buyer_element(buyer: Buyer) -> ET.Element:
    party = ET.Element("Контрагент")
    _add(party, "Ид", buyer.xml_id)
    if buyer.company:
        _add(party, "Наименование", buyer.company)
        _add(party, "ОфициальноеНаименование", buyer.company)
        _add(ET.SubElement(party, "ЮридическийАдрес"), "Представление", buyer.address)
        _add(party, "ИНН", buyer.inn)
        _add(party, "КПП", buyer.kpp)
    else:
        _add(party, "Наименование", buyer.full_name)
        _add(party, "ПолноеНаименование", buyer.full_name)
        _add(party, "Фамилия", buyer.last_name)
        _add(party, "Имя", buyer.first_name)
        _add(party, "Отчество", buyer.middle_name)
        _add(ET.SubElement(party, "АдресРегистрации"), "Представление", buyer.address)
    contacts = ET.SubElement(party, "Контакты")
    for kind, value in (("Телефон рабочий", buyer.phone), ("Электронная почта", buyer.email)):
        if value:
            contact = ET.SubElement(contacts, "Контакт")
            _add(contact, "Тип", kind)
            _add(contact, "Значение", value)
    if buyer.company:
        representative = ET.SubElement(ET.SubElement(party, "Представители"), "Представитель")
        person = ET.SubElement(representative, "Контрагент")  # Bitrix's nested shape, §3.3
        _add(person, "Отношение", "Контактное лицо")
        _add(person, "Ид", f"{buyer.user_id}#{buyer.login}")
        _add(person, "Наименование", buyer.full_name)
    _add(party, "Роль", "Покупатель")
    return party


def _item_element(item: Item) -> ET.Element:
    line = _line_element(item.product_id, item.name, item.price, item.quantity, "Товар")
    line.insert(1, _text_element("ИдКаталога", CATALOG_ID))
    requisites = line.find("ЗначенияРеквизитов")
    _add_requisite(requisites, "НомерПозицииКорзины", str(item.basket_id))
    if item.article:
        _add_requisite(requisites, "СвойствоКорзины#ARTICLE", item.article)
    if item.vat_rate:
        rate = ET.SubElement(ET.SubElement(line, "СтавкиНалогов"), "СтавкаНалога")
        _add(rate, "Наименование", "НДС")
        _add(rate, "Ставка", str(item.vat_rate))
        _add_tax(line, item.vat_amount, rate=item.vat_rate)
    return line


def _delivery_element(price: Decimal) -> ET.Element:
    return _line_element(DELIVERY_LINE_ID, "Доставка заказа", price, Decimal(1), "Услуга")


def _line_element(
    product_id: str, name: str, price: Decimal, quantity: Decimal, kind: str
) -> ET.Element:
    line = ET.Element("Товар")
    _add(line, "Ид", product_id)
    _add(line, "Наименование", name)
    unit = ET.SubElement(line, "Единица")
    _add(unit, "Код", "796")
    _add(unit, "НаименованиеПолное", "Штука")
    _add(line, "Коэффициент", "1")
    _add(line, "ЦенаЗаЕдиницу", f"{price:.4f}")
    _add(line, "Количество", f"{quantity:.4f}")
    _add(line, "Сумма", f"{price * quantity:.2f}")
    _add_requisites(line, [("ВидНоменклатуры", kind), ("ТипНоменклатуры", kind)])
    return line


def _add_tax(parent: ET.Element, amount: Decimal, *, rate: int | None = None) -> None:
    tax = ET.SubElement(ET.SubElement(parent, "Налоги"), "Налог")
    _add(tax, "Наименование", "НДС")
    _add(tax, "УчтеноВСумме", "true")
    _add(tax, "Сумма", f"{amount:.2f}")
    if rate is not None:
        _add(tax, "Ставка", str(rate))


def _order_requisites(order: ShopOrder) -> list[tuple[str, str]]:
    """Bitrix's requisites, in its order (§3.5)."""
    pairs = []
    if order.paid_at:
        pairs.append(("Дата оплаты", _bitrix_moment(order.paid_at)))
    if order.payment_number:
        pairs.append(("Номер платежного документа", order.payment_number))
    if order.delivery_allowed_at:
        pairs.append(("Дата разрешения доставки", _bitrix_moment(order.delivery_allowed_at)))
    if order.delivery_method:
        pairs += [
            ("Способ доставки", order.delivery_method),
            ("Метод доставки ИД", order.delivery_method_id),
        ]
    if order.payment_method:
        pairs += [
            ("Метод оплаты", order.payment_method),
            ("Метод оплаты ИД", order.payment_method_id),
        ]
    pairs += [
        ("Заказ оплачен", _boolean(order.is_paid)),
        ("Доставка разрешена", _boolean(order.is_delivery_allowed)),
        ("Отменен", _boolean(order.is_cancelled)),
        ("Финальный статус", _boolean(order.status == FINAL_STATUS)),
        ("Статус заказа", f"[{order.status}] {STATUSES.get(order.status, '')}"),
        ("Статуса заказа ИД", order.status),
    ]
    if order.cancelled_at:
        pairs += [
            ("Дата отмены заказа", _bitrix_moment(order.cancelled_at)),
            ("Причина отмены", order.cancel_reason),
        ]
    if order.status_changed_at:
        pairs.append(("Дата изменения статуса", _bitrix_moment(order.status_changed_at)))
    if order.buyer_comment:
        pairs.append(("Комментарии покупателя", order.buyer_comment))
    pairs.append(("Сайт", SITE))
    # order properties the shop admin mapped to requisites ("REKV_n")
    pairs += [
        (name, value)
        for name, value in (
            ("Телефон", order.buyer.phone),
            ("E-mail", order.buyer.email),
            ("ИНН", order.buyer.inn),
        )
        if value
    ]
    if order.buyer.address:
        pairs.append(("Адрес доставки", order.buyer.address))
    return pairs


def _add_requisites(parent: ET.Element, pairs: list[tuple[str, str]]) -> None:
    requisites = ET.SubElement(parent, "ЗначенияРеквизитов")
    for name, value in pairs:
        _add_requisite(requisites, name, value)


def _add_requisite(requisites: ET.Element, name: str, value: str) -> None:
    requisite = ET.SubElement(requisites, "ЗначениеРеквизита")
    _add(requisite, "Наименование", name)
    _add(requisite, "Значение", value)


def _add(parent: ET.Element, name: str, text: str) -> None:
    parent.append(_text_element(name, text))


def _text_element(name: str, text: str) -> ET.Element:
    element = ET.Element(name)
    element.text = text
    return element


def _boolean(value: bool) -> str:
    return "true" if value else "false"


def _bitrix_moment(value: datetime.datetime) -> str:
    return f"{value:%d.%m.%Y %H:%M:%S}"  # Bitrix's requisite dates below 2.10


# --- import (mode=import) ----------------------------------------------------------------


@dataclass
class IncomingOrder:
    """One order document uploaded by the CRM, as the shop's importer reads it."""

    external_id: str  # Ид: the CRM's GUID
    number: str  # Номер: the shop's order ID, or "" for an order the CRM created
    version: str  # НомерВерсии
    created_at: datetime.datetime | None
    buyer: Buyer | None
    items: list[Item] | None  # None: the document has no Товары
    delivery_price: Decimal
    requisites: dict[str, str]  # requisite name -> its first value
    is_deleted: bool

    def requisite(self, name: str) -> str:
        return self.requisites.get(name, "")

    def flag(self, name: str) -> bool:
        return self.requisite(name).lower() in _TRUE


def read_orders(raw: bytes) -> list[IncomingOrder]:
    """The «Заказ товара» documents of an uploaded file.

    Raises ValueError, with a message for the exchange answer, when the file is not a
    well-formed CommerceML document or a document cannot be read.
    """
    if b"<!DOCTYPE" in raw[:4096].upper():
        raise ValueError("Файл содержит DTD, документ CommerceML его не содержит.")
    try:
        root = ET.fromstring(raw)  # noqa: S314 - the DTD is refused above: no entity can expand
    except ET.ParseError as error:
        raise ValueError(f"Файл не является корректным XML: {error}.") from None
    if _local(root.tag) != _ROOT:
        raise ValueError(f"Корневой элемент файла не {_ROOT}.")
    documents = []
    for child in root:
        if _local(child.tag) == "Документ":
            documents.append(child)
        elif _local(child.tag) == "Контейнер":
            documents += _children(child, "Документ")
    return [
        _incoming_order(document)
        for document in documents
        if _text(document, "ХозОперация") in ("", ORDER_OPERATION)
    ]


def decoded(raw: bytes) -> str:
    """An uploaded file as text, in the encoding it declares."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace")
    declaration = _DECLARED_ENCODING.match(raw)
    encoding = declaration.group(1).decode("ascii") if declaration else "utf-8"
    try:
        return raw.decode(encoding, errors="replace")
    except LookupError:
        return raw.decode("utf-8", errors="replace")


def _incoming_order(document: ET.Element) -> IncomingOrder:
    external_id = _text(document, "Ид")
    if not external_id:
        raise ValueError("В документе нет элемента Ид.")
    requisites: dict[str, str] = {}
    for requisite in _children(_child(document, "ЗначенияРеквизитов"), "ЗначениеРеквизита"):
        requisites.setdefault(_text(requisite, "Наименование"), _text(requisite, "Значение"))
    lines = _child(document, "Товары")
    items, delivery_price = None, Decimal(0)
    if lines is not None:
        items = []
        for position, line in enumerate(_children(lines, "Товар"), start=1):
            item = _item(line, position, external_id)
            if item.product_id == DELIVERY_LINE_ID or _line_kind(line) == "Услуга":
                delivery_price += item.amount
            else:
                items.append(item)
    day = moment(f"{_text(document, 'Дата')} {_text(document, 'Время')}".strip())
    return IncomingOrder(
        external_id=external_id,
        number=_text(document, "Номер"),
        version=_text(document, "НомерВерсии"),
        created_at=day,
        buyer=_buyer(document),
        items=items,
        delivery_price=delivery_price,
        requisites=requisites,
        is_deleted=_text(document, "ПометкаУдаления").lower() in _TRUE,
    )


def _item(line: ET.Element, position: int, document_id: str) -> Item:
    where = f"Документ с Ид - {document_id}, товар {position}"
    requisites = {
        _text(requisite, "Наименование"): _text(requisite, "Значение")
        for requisite in _children(_child(line, "ЗначенияРеквизитов"), "ЗначениеРеквизита")
    }
    rate = _text(_child(line, "СтавкиНалогов"), "СтавкаНалога/Ставка")
    basket_id = requisites.get("НомерПозицииКорзины", "")
    return Item(
        product_id=_text(line, "Ид"),
        name=" ".join(_text(line, "Наименование").split()),
        price=_decimal(_text(line, "ЦенаЗаЕдиницу") or _text(line, "Цена"), where),
        quantity=_decimal(_text(line, "Количество"), where),
        article=_text(line, "Артикул") or requisites.get("СвойствоКорзины#ARTICLE", ""),
        vat_rate=int(rate) if rate.isdigit() else None,
        basket_id=int(basket_id) if basket_id.isdigit() else 0,
    )


def _line_kind(line: ET.Element) -> str:
    for requisite in _children(_child(line, "ЗначенияРеквизитов"), "ЗначениеРеквизита"):
        if _text(requisite, "Наименование") == "ТипНоменклатуры":
            return _text(requisite, "Значение")
    return ""


def _buyer(document: ET.Element) -> Buyer | None:
    parties = _children(_child(document, "Контрагенты"), "Контрагент")
    if not parties:
        return None
    party = next((each for each in parties if _text(each, "Роль") == "Покупатель"), parties[0])
    name = _text(party, "ПолноеНаименование") or _text(party, "Наименование")
    last_name, first_name, middle_name = ([*name.split(maxsplit=2), "", ""])[:3]
    contacts = {
        _text(contact, "Тип").lower(): _text(contact, "Значение")
        for contact in _children(_child(party, "Контакты"), "Контакт")
    }
    address = next(
        (
            _text(party, f"{kind}/Представление")
            for kind in ("Адрес", "АдресРегистрации", "ЮридическийАдрес")
            if _text(party, f"{kind}/Представление")
        ),
        "",
    )
    return Buyer(
        user_id=0,
        login="",
        last_name=_text(party, "Фамилия") or last_name,
        first_name=_text(party, "Имя") or first_name,
        middle_name=_text(party, "Отчество") or middle_name,
        email=next((value for kind, value in contacts.items() if "почт" in kind), ""),
        phone=next((value for kind, value in contacts.items() if "телефон" in kind), ""),
        address=address,
        company=_text(party, "ОфициальноеНаименование") if _text(party, "ИНН") else "",
        inn=_text(party, "ИНН"),
        kpp=_text(party, "КПП"),
        external_id=_text(party, "Ид"),
    )


def _decimal(value: str, where: str) -> Decimal:
    try:
        return Decimal(value.replace(" ", "").replace("\xa0", "").replace(",", ".") or "0")
    except InvalidOperation:
        raise ValueError(f"{where}: «{value}» не число.") from None


def moment(value: str) -> datetime.datetime | None:
    """A date as 1C writes it (`2024-05-01T11:59:00`, `01.05.2024 11:59:00`, ...), or None."""
    for pattern in _MOMENT_FORMATS:
        try:
            return datetime.datetime.strptime(value.strip(), pattern)  # noqa: DTZ007 - shop-local
        except ValueError:
            continue
    return None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _children(element: ET.Element | None, name: str) -> list[ET.Element]:
    if element is None:
        return []
    return [child for child in element if _local(child.tag) == name]


def _child(element: ET.Element | None, path: str) -> ET.Element | None:
    for name in path.split("/"):
        found = _children(element, name)
        element = found[0] if found else None
    return element


def _text(element: ET.Element | None, path: str) -> str:
    found = _child(element, path)
    return "" if found is None else (found.text or "").strip()
