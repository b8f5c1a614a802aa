"""The CommerceML documents the CRM uploads to a shop (`mode=file` + `mode=import`).

Two kinds: a status push for orders the shop sent us (§3.8), and an order created in the
CRM for the shop. Both are CommerceML 2.08 «Заказ товара» documents, the shape Bitrix's
forgiving < 2.10 import path reads (§4.3). Section marks refer to the team's CommerceML
reference notes, commerceml.md.
"""

import copy
import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from shopsync.commerceml.parser import DELIVERY_LINE_ID, ORDER_OPERATION, ROOT_ELEMENT

DEFAULT_SCHEMA_VERSION = "2.08"

# A status document's elements after Ид, НомерВерсии and Номер, in the order of §3.8: the
# fixed values are ours, the rest is copied from the order as received.
_ECHOED_ELEMENTS = (
    "Дата",
    "ХозОперация",
    "Роль",
    "Валюта",
    "Курс",
    "Сумма",
    "Контрагенты",
    "Время",
    "Налоги",
    "Скидки",
    "Товары",
)
_BASKET_ELEMENTS = {"Сумма", "Налоги", "Скидки", "Товары"}  # what the CRM's basket replaces
_FIXED_VALUES = {"ХозОперация": ORDER_OPERATION, "Роль": "Продавец", "Курс": "1"}
_LINE_TYPE = "ТипНоменклатуры"
_ENCODINGS = {
    "utf-8": "UTF-8",
    "utf8": "UTF-8",
    "windows-1251": "windows-1251",
    "cp1251": "windows-1251",
}
_PIECE_CODE = "796"


@dataclass(frozen=True)
class StatusUpdate:
    """The CRM's state of one order the shop sent, to push back to the shop."""

    order_xml: bytes  # the order's <Документ> as last received (parser Order.xml)
    crm_id: str  # stable CRM GUID for this order: our document's Ид (Bitrix keeps it as ID_1C)
    version: str  # НомерВерсии: a new value on every push, it gates Bitrix's basket sync
    status_code: str  # the shop's status code («Статуса заказа ИД»); "" leaves the status alone
    is_cancelled: bool
    paid_at: datetime.datetime | None  # shop-local, naive (CommerceML has no time zone)
    payment_number: str
    shipped_at: datetime.datetime | None  # shop-local, naive
    shipment_number: str
    # the CRM's basket when its products changed there; None echoes the basket as received
    lines: "tuple[NewOrderLine, ...] | None" = None


@dataclass(frozen=True)
class NewOrderBuyer:
    crm_id: str  # the CRM contact's or company's GUID: the Контрагент's Ид
    name: str  # a person's full name or a company's official name
    email: str = ""
    phone: str = ""
    address: str = ""  # delivery address, free text
    inn: str = ""  # set for a company buyer
    kpp: str = ""


@dataclass(frozen=True)
class NewOrderLine:
    product_id: str  # the shop's product Ид (the product's external id in the CRM)
    name: str
    price: Decimal  # per unit, after discount
    quantity: Decimal

    @property
    def amount(self) -> Decimal:
        return self.price * self.quantity


@dataclass(frozen=True)
class NewOrder:
    """An order created in the CRM (a deal marked as a shop deal) for the shop to take."""

    crm_id: str  # stable CRM GUID: the document's Ид
    number: str  # "" or the CRM's own number; never a bare number (see new_order_document)
    created_at: datetime.datetime  # shop-local, naive
    currency: str  # as the shop writes it: "руб", "RUB", ...
    buyer: NewOrderBuyer
    lines: tuple[NewOrderLine, ...]
    delivery_price: Decimal = Decimal(0)
    version: str = ""  # НомерВерсии, if the CRM versions its documents
    status_code: str = ""  # the shop's status code for the new order; "" = the shop's default
    paid_at: datetime.datetime | None = None  # shop-local, naive: a prepaid deal
    payment_number: str = ""

    @property
    def amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), self.delivery_price)


def status_document(
    updates: Iterable[StatusUpdate],
    *,
    version: str = DEFAULT_SCHEMA_VERSION,
    encoding: str = "utf-8",
) -> bytes:
    """A status push for one or more orders received from the shop (§3.8), as bytes.

    `version` is the document's ВерсияСхемы (keep it below 2.10, §4.4). Each order echoes
    the basket exactly as received (every Товар with ORDER_DELIVERY, taxes, discounts,
    Контрагенты): for a document below 2.10 Bitrix rewrites the order's basket from the
    document, so anything left out would be deleted on the site (pitfall P13). Номер is the
    site's order Ид, which Bitrix looks up first (§4.3). No Комментарий: it would overwrite
    the manager's comment on the site. «Отменен» is always sent (a document without it
    un-cancels the order, P23); payment and shipment only once set, as Bitrix never switches
    them off. `encoding` "windows-1251" writes characters outside it as character references.

    Raises ValueError when there is no update or an `order_xml` is not a <Документ>.
    """
    codec = _codec(encoding)
    root = _root(version)
    for update in updates:
        root.append(_status_document(update))
    if len(root) == 0:
        raise ValueError("A status document needs at least one order.")
    return _serialise(root, codec)


def new_order_document(
    order: NewOrder,
    *,
    version: str = DEFAULT_SCHEMA_VERSION,
    encoding: str = "utf-8",
) -> bytes:
    """A document that creates `order` in the shop, as bytes.

    Bitrix creates orders from such documents only with the option «import new orders from
    1C» on; it finds an order by a numeric Номер as its site ID first (pitfall P15), so a
    bare number would update whichever site order has that ID. Raises ValueError for such a
    number, a missing Ид or an order without lines.
    """
    codec = _codec(encoding)
    if not order.crm_id.strip():
        raise ValueError("A new order needs its CRM GUID (crm_id).")
    if order.number.strip().isdigit():
        raise ValueError(
            f"The order number {order.number!r} is a bare number: the shop would take it for "
            "one of its own order IDs. Leave it empty or give it a prefix."
        )
    if not order.lines:
        raise ValueError("A new order needs at least one line.")
    root = _root(version)
    document = etree.SubElement(root, "Документ")
    _add(document, "Ид", order.crm_id)
    if order.version:
        _add(document, "НомерВерсии", order.version)
    _add(document, "Номер", order.number)
    _add(document, "Дата", order.created_at.strftime("%Y-%m-%d"))
    _add(document, "ХозОперация", ORDER_OPERATION)
    _add(document, "Роль", "Продавец")
    _add(document, "Валюта", order.currency)
    _add(document, "Курс", "1")
    _add(document, "Сумма", _number(order.amount))
    etree.SubElement(document, "Контрагенты").append(_buyer(order.buyer))
    _add(document, "Время", order.created_at.strftime("%H:%M:%S"))
    lines = etree.SubElement(document, "Товары")
    for line in order.lines:
        lines.append(_line(line.product_id, line.name, line.price, line.quantity, "Товар"))
    if order.delivery_price:
        lines.append(
            _line(DELIVERY_LINE_ID, "Доставка заказа", order.delivery_price, Decimal(1), "Услуга")
        )
    _add_requisites(
        document,
        _state_requisites(
            order.status_code, False, (order.paid_at, order.payment_number), (None, "")
        ),
    )
    return _serialise(root, codec)


def _root(version: str) -> etree._Element:
    generated_at = datetime.datetime.now().astimezone()  # the CRM's local time, as 1C writes
    return etree.Element(ROOT_ELEMENT, ВерсияСхемы=version, ДатаФормирования=_moment(generated_at))


def _status_document(update: StatusUpdate) -> etree._Element:
    received = _received_document(update.order_xml)
    document = etree.Element("Документ")
    _add(document, "Ид", update.crm_id)
    _add(document, "НомерВерсии", update.version)
    _add(document, "Номер", _child_text(received, "Ид"))
    for name in _ECHOED_ELEMENTS:
        if name in _FIXED_VALUES:
            _add(document, name, _FIXED_VALUES[name])
        elif update.lines is not None and name in _BASKET_ELEMENTS:
            _add_basket(document, name, update.lines)
        elif (element := _child(received, name)) is not None:
            document.append(_without_namespaces(element))
    lines = _child(document, "Товары")
    for line in lines if lines is not None else ():
        _normalise_line(line)
    _add_requisites(
        document,
        _state_requisites(
            update.status_code,
            update.is_cancelled,
            (update.paid_at, update.payment_number),
            (update.shipped_at, update.shipment_number),
        ),
    )
    return document


def _add_basket(document: etree._Element, name: str, lines: "tuple[NewOrderLine, ...]") -> None:
    """The CRM's basket in place of the received one: its lines and their total; the order's
    own taxes and discounts, which were the old basket's, are left out."""
    if name == "Сумма":
        _add(document, name, _number(sum((line.amount for line in lines), Decimal(0))))
    elif name == "Товары":
        basket = etree.SubElement(document, "Товары")
        for line in lines:
            kind = "Услуга" if line.product_id == DELIVERY_LINE_ID else "Товар"
            basket.append(_line(line.product_id, line.name, line.price, line.quantity, kind))


def _state_requisites(
    status_code: str,
    is_cancelled: bool,
    payment: tuple[datetime.datetime | None, str],
    shipment: tuple[datetime.datetime | None, str],
) -> list[tuple[str, str]]:
    """The requisites Bitrix applies from a 1C document (§4.3): the status code, the cancel
    flag always (P23), payment and shipment only once they happened."""
    pairs = [("Статуса заказа ИД", status_code)] if status_code else []
    pairs.append(("Отменен", "true" if is_cancelled else "false"))
    for (moment, number), date_name, number_name in (
        (payment, "Дата оплаты по 1С", "Номер оплаты по 1С"),
        (shipment, "Дата отгрузки по 1С", "Номер отгрузки по 1С"),
    ):
        if moment is not None:
            pairs.append((date_name, _moment(moment)))
            if number:
                pairs.append((number_name, number))
    return pairs


def _received_document(order_xml: bytes) -> etree._Element:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True
    )
    try:
        document = etree.fromstring(order_xml, parser)
    except etree.XMLSyntaxError as error:
        raise ValueError(f"The received order is not well-formed XML: {error}") from None
    if etree.QName(document).localname != "Документ" or not _child_text(document, "Ид"):
        raise ValueError("The received order is not a <Документ> with an <Ид>.")
    return document


def _without_namespaces(element: etree._Element) -> etree._Element:
    """A copy of a received element in no namespace, as our document's own elements are."""
    copied = copy.deepcopy(element)
    for node in copied.iter(tag=etree.Element):
        node.tag = etree.QName(node).localname
    etree.cleanup_namespaces(copied)
    copied.tail = None
    return copied


def _normalise_line(line: etree._Element) -> None:
    """Give an echoed line what Bitrix's < 2.10 import reads, leaving the rest as received."""
    # 3.x shops write Цена; the 2.08 import reads the price from ЦенаЗаЕдиницу only
    price = _child(line, "Цена")
    if price is not None and _child(line, "ЦенаЗаЕдиницу") is None:
        unit_price = etree.Element("ЦенаЗаЕдиницу")
        unit_price.text = price.text
        price.addprevious(unit_price)
    # Bitrix takes a line's kind from ТипНоменклатуры only: without it, the delivery line
    # would come back as a product (§4.3).
    requisites = _child(line, "ЗначенияРеквизитов")
    if requisites is not None and any(
        _child_text(requisite, "Наименование") == _LINE_TYPE for requisite in requisites
    ):
        return
    if requisites is None:
        requisites = etree.SubElement(line, "ЗначенияРеквизитов")
    kinds = {_child_text(requisite, "Значение") for requisite in requisites}
    is_service = _child_text(line, "Ид") == DELIVERY_LINE_ID or "Услуга" in kinds
    _add_requisite(requisites, _LINE_TYPE, "Услуга" if is_service else "Товар")


def _buyer(buyer: NewOrderBuyer) -> etree._Element:
    party = etree.Element("Контрагент")
    _add(party, "Ид", buyer.crm_id)
    _add(party, "Наименование", buyer.name)
    if buyer.inn:
        _add(party, "ОфициальноеНаименование", buyer.name)
        _add(party, "ИНН", buyer.inn)
        if buyer.kpp:
            _add(party, "КПП", buyer.kpp)
    else:
        _add(party, "ПолноеНаименование", buyer.name)
    if buyer.address:
        _add(etree.SubElement(party, "Адрес"), "Представление", buyer.address)
    contacts = [("Электронная почта", buyer.email), ("Телефон рабочий", buyer.phone)]
    if any(value for _, value in contacts):
        element = etree.SubElement(party, "Контакты")
        for kind, value in contacts:
            if value:
                contact = etree.SubElement(element, "Контакт")
                _add(contact, "Тип", kind)
                _add(contact, "Значение", value)
    _add(party, "Роль", "Покупатель")
    return party


def _line(
    product_id: str, name: str, price: Decimal, quantity: Decimal, kind: str
) -> etree._Element:
    line = etree.Element("Товар")
    _add(line, "Ид", product_id)
    _add(line, "Наименование", name)
    unit = etree.SubElement(line, "Единица")
    _add(unit, "Код", _PIECE_CODE)
    _add(unit, "НаименованиеПолное", "Штука")
    _add(line, "Коэффициент", "1")
    _add(line, "ЦенаЗаЕдиницу", _number(price))
    _add(line, "Количество", _number(quantity))
    _add(line, "Сумма", _number(price * quantity))
    _add_requisites(line, [("ВидНоменклатуры", kind), (_LINE_TYPE, kind)])
    return line


def _add_requisites(parent: etree._Element, pairs: list[tuple[str, str]]) -> None:
    requisites = etree.SubElement(parent, "ЗначенияРеквизитов")
    for name, value in pairs:
        _add_requisite(requisites, name, value)


def _add_requisite(requisites: etree._Element, name: str, value: str) -> None:
    requisite = etree.SubElement(requisites, "ЗначениеРеквизита")
    _add(requisite, "Наименование", name)
    _add(requisite, "Значение", value)


def _add(parent: etree._Element, name: str, text: str) -> etree._Element:
    element = etree.SubElement(parent, name)
    element.text = text
    return element


def _child(element: etree._Element, name: str) -> etree._Element | None:
    return next(element.iterchildren("{*}" + name), None)


def _child_text(element: etree._Element, name: str) -> str:
    found = _child(element, name)
    return "" if found is None else (found.text or "").strip()


def _number(value: Decimal) -> str:
    return format(value, "f")  # never an exponent: 1E+3 is not an xsd:decimal


def _moment(value: datetime.datetime) -> str:
    # CommerceML carries no zone: the wall-clock time is written as it is (§3.6)
    return value.strftime("%Y-%m-%dT%H:%M:%S")


def _codec(encoding: str) -> str:
    codec = _ENCODINGS.get(encoding.replace("_", "-").lower())
    if codec is None:
        raise ValueError(f"Documents are written in UTF-8 or windows-1251, not {encoding!r}.")
    return codec


def _serialise(root: etree._Element, codec: str) -> bytes:
    etree.indent(root)
    # lxml writes characters the encoding lacks as character references (&#8381;)
    body = etree.tostring(root, encoding=codec, xml_declaration=False)
    return f'<?xml version="1.0" encoding="{codec}"?>\n'.encode("ascii") + body + b"\n"
