"""Read the orders of a CommerceML 2.03–3.1 document (a shop's `mode=query` answer).

The file is streamed: lxml's iterparse builds one <Документ> at a time, which becomes an
`Order` and is then freed, so a file of any length parses in constant memory. The parser is
hardened against hostile files (no DTD, no entity expansion, no network, libxml2's size
limits kept) and tolerant of what real shops send: both encodings, any namespace, elements in
any order, comma decimals, broken entities. Section marks (§3.6) refer to the team's
CommerceML reference notes, commerceml.md.
"""

import codecs
import contextlib
import datetime
import functools
import html
import io
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import BinaryIO

from lxml import etree

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DELIVERY_LINE_ID = "ORDER_DELIVERY"
ROOT_ELEMENT = "КоммерческаяИнформация"
ORDER_OPERATION = "Заказ товара"

_HEAD_BYTES = 64 * 1024
_SPOOL_IN_MEMORY = 1024 * 1024
_ONE_MEGABYTE = 1024 * 1024

# libxml2 error types that a recover-mode parse repairs by dropping the reference: a bare `&`
# or an HTML entity such as `&nbsp;` in Bitrix text (pitfall P10).
_ENTITY_ERRORS = frozenset(
    {
        "ERR_UNDECLARED_ENTITY",
        "WAR_UNDECLARED_ENTITY",
        "ERR_ENTITYREF_SEMICOL_MISSING",
        "ERR_ENTITYREF_NO_NAME",
        "ERR_INVALID_CHARREF",
        "ERR_INVALID_DEC_CHARREF",
        "ERR_INVALID_HEX_CHARREF",
    }
)
_TRUE_VALUES = frozenset({"true", "1", "да", "yes"})

_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_FIRST_ELEMENT = re.compile(rb"<[^?!]")
_ROOT_CLOSED = re.compile(r"</(?:[^\s<>/:]+:)?" + ROOT_ELEMENT + r"\s*>\s*$")
# Bitrix writes some values escaped twice (`&amp;quot;`); only these forms are unescaped, so
# a URL such as `?a=1&copy=2` keeps its text.
_ESCAPED = re.compile(r"&(?:quot|amp|apos|lt|gt|nbsp|#\d+|#x[0-9a-fA-F]+);")
_WHITESPACE = re.compile(r"\s+")
_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})\.(\d{1,2})\.(\d{4})")
# a time starts the value or follows the date's T or space, never its zone (`2016-11-03+03:00`)
_TIME = re.compile(r"(?:^|[T\s])(\d{1,2}):(\d{2})(?::(\d{2}))?")
_STATUS = re.compile(r"^\[([^\]]*)\]\s*(.*)$", re.DOTALL)


class CommerceMLError(Exception):
    """The document cannot be read; the message says why in words a shop admin understands."""


class _InvalidDocument(ValueError):
    """One <Документ> cannot be read; the others still can."""


@dataclass(frozen=True)
class Address:
    presentation: str
    fields: dict[str, str]  # АдресноеПоле Тип -> Значение


@dataclass(frozen=True)
class Party:
    """The buyer: the Контрагент whose Роль is «Покупатель», else the first one."""

    external_id: str  # raw Ид, stripped
    customer_id: str | None  # Bitrix user id: the numeric part before the first '#'
    name: str
    full_name: str
    last_name: str
    first_name: str
    middle_name: str
    is_company: bool
    official_name: str
    inn: str
    kpp: str
    legal_address: Address | None
    address: Address | None  # Адрес, else АдресРегистрации (Bitrix persons carry only that)
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    bank_accounts: tuple[dict, ...]  # account, bank, bik, correspondent_account


@dataclass(frozen=True)
class Line:
    external_id: str
    catalog_id: str
    name: str
    article: str
    quantity: Decimal
    price: Decimal  # per unit, after discount
    amount: Decimal
    discount: Decimal  # per unit, from Скидки
    unit_code: str
    unit_name: str
    vat_rate: Decimal | None  # None for «Без НДС» or no rate
    tax_amount: Decimal
    tax_included: bool
    is_delivery: bool
    is_service: bool
    basket_position: str
    requisites: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Order:
    external_id: str
    number: str
    version: str  # НомерВерсии, or ""
    # Номер1С: the Ид the order had in the document that created it in the shop; for an
    # order made in the CRM (or any order the CRM pushed a status for) our own GUID
    number_1c: str
    date: datetime.date | None  # date and time are naive: shop-local, CommerceML has no zone
    time: datetime.time | None
    currency: str
    rate: Decimal
    amount: Decimal
    comment: str
    is_deleted: bool
    buyer: Party | None
    lines: tuple[Line, ...]  # the delivery line included, with is_delivery=True
    taxes: tuple[dict, ...]  # name, amount, included, rate
    discounts: tuple[dict, ...]  # name, amount, percent, included
    requisites: tuple[tuple[str, str], ...]
    xml: bytes  # this <Документ> in UTF-8, to keep and echo back
    # derived from the requisites, in both the site -> 1C and the 1C -> site spelling (§3.5)
    is_paid: bool
    is_cancelled: bool
    is_shipped: bool
    is_delivery_allowed: bool
    is_final: bool
    status_code: str
    status_name: str
    payment_method: str
    delivery_method: str
    buyer_comment: str
    site: str
    delivery_address: str
    paid_at: datetime.datetime | None

    def requisite(self, name: str) -> str:
        """The first value of the document requisite `name` (any case), or ""."""
        wanted = name.strip().casefold()
        return next((value for key, value in self.requisites if key.casefold() == wanted), "")


@dataclass
class ParseStats:
    schema_version: str = ""  # as written, never checked beyond refusing 1.x
    generated_at: str = ""  # ДатаФормирования as written: real files carry garbage there
    encoding: str = ""  # how the bytes were read
    documents: int = 0
    orders: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # ХозОперация or part name -> count
    recovered: bool = False  # broken entities were dropped by the recover-mode retry
    errors: list[tuple[str, str]] = field(default_factory=list)  # (document Ид or "", reason)


def parse_orders(
    source: bytes | str | os.PathLike | BinaryIO,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    stats: ParseStats | None = None,
) -> Iterator[Order]:
    """Yield the orders of a CommerceML document one by one, in constant memory.

    `source` is the document's bytes, a path (str or PathLike), or a binary stream; a stream
    that cannot seek is copied to a temporary file first. Documents other than orders
    (payments, shipments, catalog parts) are counted in `stats.skipped`; an order that cannot
    be read is recorded in `stats.errors` and the others are still yielded.

    Raises CommerceMLError when the file as a whole cannot be read: larger than `max_bytes`,
    a DTD, CommerceML 1.x, a wrong declared encoding, or XML that is not well-formed. A
    truncated file yields the orders before the break, then raises.
    """
    stats = stats if stats is not None else ParseStats()
    with _opened(source, max_bytes) as data:
        if data.size > max_bytes:
            raise CommerceMLError(f"The document is larger than the limit of {_size(max_bytes)}.")
        if data.size == 0:
            raise CommerceMLError("The document is empty.")
        head = data.head(_HEAD_BYTES)
        _refuse_doctype(head)
        encoding = _encoding_of(head)
        stats.encoding = encoding or "UTF-16"
        walk = _Walk(data, encoding, max_bytes, stats)
        try:
            yield from walk.orders(recover=False)
            return
        except _Broken as broken:
            truncated = walk.saw_root and not data.ends_with_root(encoding)
            if truncated or not broken.is_entity_error:
                raise broken.error(stats, truncated=truncated) from None
        stats.recovered = True
        try:
            yield from walk.orders(recover=True)
        except _Broken as broken:
            raise broken.error(stats, truncated=False) from None


class _Input:
    """The document's bytes, readable from their start as often as needed."""

    def __init__(self, stream: BinaryIO):
        self._stream = stream
        self._start = stream.tell()
        self.size = stream.seek(0, os.SEEK_END) - self._start

    def rewind(self) -> BinaryIO:
        self._stream.seek(self._start)
        return self._stream

    def head(self, length: int) -> bytes:
        return self.rewind().read(length)

    def ends_with_root(self, encoding: str | None) -> bool:
        """Whether the bytes end with the root's closing tag: a cut-off file does not."""
        self._stream.seek(self._start + max(self.size - 512, 0))
        tail = self._stream.read(512).decode(encoding or "utf-16", errors="ignore")
        return _ROOT_CLOSED.search(tail.rstrip("\x00")) is not None


class _LimitedReader:
    """Hands bytes to lxml and stops past the size limit, so a growing stream cannot run on."""

    def __init__(self, stream: BinaryIO, max_bytes: int):
        self._stream = stream
        self._max_bytes = max_bytes
        self._left = max_bytes

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        self._left -= len(chunk)
        if self._left < 0:
            raise CommerceMLError(
                f"The document is larger than the limit of {_size(self._max_bytes)}."
            )
        return chunk


@contextlib.contextmanager
def _opened(source: bytes | str | os.PathLike | BinaryIO, max_bytes: int) -> Iterator[_Input]:
    if isinstance(source, bytes | bytearray | memoryview):
        yield _Input(io.BytesIO(source))
    elif isinstance(source, str | os.PathLike):
        with open(source, "rb") as stream:
            yield _Input(stream)
    elif source.seekable():
        yield _Input(source)
    else:
        # A network stream reads once; the recover-mode retry needs the bytes again.
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY) as spool:
            shutil.copyfileobj(_LimitedReader(source, max_bytes), spool)
            spool.seek(0)
            yield _Input(spool)


def _size(byte_count: int) -> str:
    if byte_count % _ONE_MEGABYTE:
        return f"{byte_count} bytes"
    return f"{byte_count // _ONE_MEGABYTE} MB"


def _refuse_doctype(head: bytes) -> None:
    # Checked on the bytes, before libxml2 reads a single entity declaration (XXE, billion
    # laughs); the root's docinfo is checked again for prologs this scan cannot see through.
    first_element = _FIRST_ELEMENT.search(head)
    prolog = head[: first_element.start()] if first_element else head
    if b"<!DOCTYPE" in prolog.upper():
        raise _doctype_error()


def _doctype_error() -> CommerceMLError:
    return CommerceMLError(
        "The document declares a DTD; CommerceML documents never do, so it is refused."
    )


def _encoding_of(head: bytes) -> str | None:
    """The encoding to read the bytes with (None: UTF-16, which libxml2 detects itself).

    A UTF-8 BOM wins over a windows-1251 declaration (a re-encoded file, §3.6); without a
    declaration the bytes decide between UTF-8 and windows-1251; a declaration that the
    bytes contradict is refused rather than read as garbage.
    """
    if head.startswith(codecs.BOM_UTF8):
        return "UTF-8"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    is_utf8 = _is_utf8(head)
    declaration = _DECLARED_ENCODING.match(head)
    if declaration is None:
        return "UTF-8" if is_utf8 else "windows-1251"
    declared = declaration.group(1).decode("ascii")
    try:
        codec = codecs.lookup(declared).name
    except LookupError:
        raise CommerceMLError(
            f"The document declares the encoding {declared!r}, which is not known."
        ) from None
    if codec == "utf-8" and not is_utf8:
        raise CommerceMLError(
            f"The document declares the encoding {declared} but its bytes are not UTF-8 "
            "(probably windows-1251); the shop must fix the declaration."
        )
    if codec != "utf-8" and is_utf8 and not head.isascii():
        raise CommerceMLError(
            f"The document declares the encoding {declared} but its bytes are UTF-8; "
            "the shop must fix the declaration."
        )
    return declared


def _is_utf8(head: bytes) -> bool:
    try:
        # not final: the head may end inside a multi-byte character
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


class _Broken(Exception):
    """libxml2 gave up (strict mode) or repaired more than entities (recover mode)."""

    def __init__(self, entry: "etree._LogEntry | None", message: str):
        super().__init__(message)
        self.entry = entry
        self.message = message

    @property
    def is_entity_error(self) -> bool:
        return self.entry is not None and _is_entity_error(self.entry)

    @property
    def is_resource_limit(self) -> bool:
        return self.entry is not None and self.entry.type_name == "ERR_RESOURCE_LIMIT"

    def error(self, stats: ParseStats, *, truncated: bool) -> CommerceMLError:
        where = f"line {self.entry.line}: " if self.entry is not None else ""
        if self.is_resource_limit:
            return CommerceMLError(
                "The document is refused: it exceeds the XML parser's safety limits "
                f"(for example a single value over 10 MB) ({where}{self.message})."
            )
        if truncated:
            return CommerceMLError(
                f"The document is truncated: it stops before its closing </{ROOT_ELEMENT}>; "
                f"the {stats.orders} order(s) before the break were read."
            )
        return CommerceMLError(f"The document is not well-formed XML: {where}{self.message}")


def _is_entity_error(entry: "etree._LogEntry") -> bool:
    return entry.type_name in _ENTITY_ERRORS or entry.message.startswith("xmlParseEntityRef")


class _Walk:
    """One pass over the document; a second, recover-mode pass skips what the first read."""

    def __init__(self, data: _Input, encoding: str | None, max_bytes: int, stats: ParseStats):
        self._data = data
        self._encoding = encoding
        self._max_bytes = max_bytes
        self._stats = stats
        self._units_done = 0  # top-level documents and catalog parts already accounted for
        self._log_checked = 0
        self.saw_root = False  # an answer that is not XML at all is not "truncated"

    def orders(self, *, recover: bool) -> Iterator[Order]:
        context = etree.iterparse(
            _LimitedReader(self._data.rewind(), self._max_bytes),
            events=("start", "end"),
            encoding=self._encoding,
            recover=recover,
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
            collect_ids=False,
        )
        depth = 0
        document_depth = 0  # depth of the <Документ> being built, 0 outside documents
        in_container = False
        unit = 0
        try:
            for event, element in context:
                if event == "start":
                    depth += 1
                    if depth == 1:
                        self._check_root(element)
                    elif document_depth == 0:
                        name = _local_name(element.tag)
                        if depth == 2:
                            _refuse_attribute_style(element, name)
                            in_container = name == "Контейнер"
                        if name == "Документ":
                            document_depth = depth
                    continue
                if document_depth and depth > document_depth:
                    depth -= 1  # inside the open document: kept until the document ends
                    continue
                is_unit = depth == 2 or (depth == 3 and in_container)
                if depth == document_depth:
                    document_depth = 0
                    unit += 1
                    if unit > self._units_done:
                        if recover:
                            self._check_recovery(context)
                            _inline_entities(element)
                        order = self._read_document(element)
                        self._units_done = unit
                        if order is not None:
                            yield order
                elif is_unit and _local_name(element.tag) != "Контейнер":
                    unit += 1
                    if unit > self._units_done:
                        self._count_skipped(_local_name(element.tag))
                        self._units_done = unit
                if depth > 1:
                    _release(element)
                depth -= 1
        except etree.XMLSyntaxError as error:
            entry = _first_error(context.error_log)
            raise _Broken(entry, entry.message if entry else str(error)) from None
        if recover:
            self._check_recovery(context)

    def _check_root(self, root: etree._Element) -> None:
        self.saw_root = True
        if root.getroottree().docinfo.doctype:
            raise _doctype_error()
        name = _local_name(root.tag)
        if name == "BizTalk":
            raise _commerceml_1_error("its root element is <BizTalk>")
        if name != ROOT_ELEMENT:
            raise CommerceMLError(
                f"The document is not CommerceML: its root element is <{name}>, "
                f"not <{ROOT_ELEMENT}>."
            )
        version = (root.get("ВерсияСхемы") or "").strip()
        self._stats.schema_version = version
        self._stats.generated_at = (root.get("ДатаФормирования") or "").strip()
        if version.startswith("1."):
            raise _commerceml_1_error(f"ВерсияСхемы {version}")

    def _check_recovery(self, context: etree.iterparse) -> None:
        # Recover mode also "repairs" a garbled file; only dropped entities are acceptable,
        # anything else fails the file as the strict pass would have. New entries only: a
        # file may hold an entity error in every order.
        log = context.error_log
        for entry in log[self._log_checked :]:
            if entry.level >= etree.ErrorLevels.ERROR and not _is_entity_error(entry):
                raise _Broken(entry, entry.message)
        self._log_checked = len(log)

    def _count_skipped(self, name: str) -> None:
        self._stats.skipped[name] = self._stats.skipped.get(name, 0) + 1

    def _read_document(self, document: etree._Element) -> Order | None:
        self._stats.documents += 1
        operation = _text(document, "ХозОперация")
        # A document without ХозОперация is read as an order: no other kind omits it.
        if operation and _WHITESPACE.sub(" ", operation).casefold() != ORDER_OPERATION.casefold():
            self._count_skipped(operation)
            return None
        try:
            order = _read_order(document)
        except _InvalidDocument as error:
            self._stats.errors.append((_text(document, "Ид"), str(error)))
            return None
        self._stats.orders += 1
        return order


def _first_error(log: "etree._ListErrorLog") -> "etree._LogEntry | None":
    errors = log.filter_from_errors()
    return errors[0] if errors else None


def _commerceml_1_error(evidence: str) -> CommerceMLError:
    return CommerceMLError(
        f"CommerceML 1.x is not supported ({evidence}); the shop must export "
        "CommerceML 2 (versions 2.03 to 3.1)."
    )


def _refuse_attribute_style(element: etree._Element, name: str) -> None:
    # CommerceML 1.x carries its data in attributes (Идентификатор="…"); 2.x never does.
    if element.get("Идентификатор") is not None:
        raise _commerceml_1_error(f"<{name}> carries its data in attributes")


def _release(element: etree._Element) -> None:
    """Free a handled element and the siblings before it (the iterparse memory pattern)."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    while element.getprevious() is not None:
        del parent[0]


def _inline_entities(document: etree._Element) -> None:
    """Turn entity references that recover mode kept (`&nbsp;`) into plain text.

    Both the values and the kept XML then read as text; the XML stays well-formed.
    """
    for entity in list(document.iter(etree.Entity)):
        text = html.unescape(entity.text) + (entity.tail or "")
        previous = entity.getprevious()
        parent = entity.getparent()
        if previous is None:
            parent.text = (parent.text or "") + text
        else:
            previous.tail = (previous.tail or "") + text
        parent.remove(entity)


# --- reading one document ---------------------------------------------------------------


class _Children:
    """An element's children by local name, read in one pass: for an element whose fields
    are looked up many times (a document, its buyer, a line), where matching a tag in any
    namespace costs more, lookup after lookup, than the pass."""

    def __init__(self, element: etree._Element):
        self.by_name: dict[str, list[etree._Element]] = {}
        for child in element:
            self.by_name.setdefault(_local_name(child.tag), []).append(child)


_Node = etree._Element | _Children


@functools.cache
def _names(path: str) -> tuple[str, ...]:
    return tuple(path.split("/"))


def _child(parent: _Node, name: str) -> etree._Element | None:
    """The first child whose local name is `name`, in any namespace or none."""
    if isinstance(parent, _Children):
        found = parent.by_name.get(name)
        return found[0] if found else None
    return next(parent.iterchildren("{*}" + name), None)


def _find(element: _Node, path: str) -> etree._Element | None:
    """The element at `path` (`Товары/Товар`: the first match of each step)."""
    for name in _names(path):
        element = _child(element, name)
        if element is None:
            return None
    return element


def _find_all(element: _Node, path: str) -> list[etree._Element]:
    """The last step's elements under the first match of the steps before it."""
    *parents, last = _names(path)
    for name in parents:
        element = _child(element, name)
        if element is None:
            return []
    if isinstance(element, _Children):
        return list(element.by_name.get(last, ()))
    return list(element.iterchildren("{*}" + last))


def _local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


def _clean(element: etree._Element) -> str:
    # Own text only: БазоваяЕдиница may hold `<Пересчет>…</Пересчет>шт` (mixed content).
    text = element.text or ""
    if len(element):
        text += "".join(child.tail or "" for child in element)
    if "&" in text:
        text = _ESCAPED.sub(lambda match: html.unescape(match.group()), text)
    return text.strip()


def _text(element: _Node, path: str) -> str:
    found = _find(element, path)
    return "" if found is None else _clean(found)


def _decimal(value: str, what: str) -> Decimal:
    compact = _WHITESPACE.sub("", value).replace(",", ".")
    if not compact:
        return Decimal(0)
    try:
        number = Decimal(compact)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise _InvalidDocument(f"{what} {value!r} is not a number")
    return number


def _is_true(value: str) -> bool:
    return value.strip().casefold() in _TRUE_VALUES


def _date_and_time(value: str) -> tuple[datetime.date | None, datetime.time | None]:
    """Lenient: `2021-02-11`, `11.02.2021`, `2021-02-18T9:49:02`, `2007-10-30 15:19:27`, `9:03`."""
    value = value.strip()
    day = None
    rest = value
    date_match = _DATE.match(value)
    if date_match:
        year, month, day_of_month = (
            date_match.group(1, 2, 3) if date_match.group(1) else date_match.group(6, 5, 4)
        )
        with contextlib.suppress(ValueError):
            day = datetime.date(int(year), int(month), int(day_of_month))
        if day is not None and day.year == 1:
            day = None  # 1C writes 0001-01-01 for "no date"
        rest = value[date_match.end() :]
    moment = None
    time_match = _TIME.search(rest)
    if time_match:
        hour, minute, second = time_match.groups(default="0")
        with contextlib.suppress(ValueError):
            moment = datetime.time(int(hour), int(minute), int(second))
    return day, moment


def _datetime(value: str) -> datetime.datetime | None:
    day, moment = _date_and_time(value)
    if day is None:
        return None
    return datetime.datetime.combine(day, moment or datetime.time())


def _currency(value: str) -> str:
    folded = value.strip().casefold()
    if folded.startswith("руб") or folded in {"rub", "rur"}:
        return "RUB"
    if folded.startswith("грн"):
        return "UAH"
    return value.strip().upper()[:3]


def _requisites(element: _Node) -> tuple[tuple[str, str], ...]:
    """ЗначенияРеквизитов as an ordered multimap: one pair per Значение."""
    pairs = []
    for requisite in _find_all(element, "ЗначенияРеквизитов/ЗначениеРеквизита"):
        name = _text(requisite, "Наименование")
        values = _find_all(requisite, "Значение")
        pairs.extend((name, _clean(value)) for value in values)
        if not values:
            pairs.append((name, ""))
    return tuple(pairs)


def _first_values(requisites: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """Requisite name (case-folded) -> its first non-empty value."""
    values: dict[str, str] = {}
    for name, value in requisites:
        if value:
            values.setdefault(name.casefold(), value)
    return values


def _lookup(values: dict[str, str], *names: str) -> str:
    """The value of the first of `names` that has one, or ""."""
    return next((values[key] for key in map(str.casefold, names) if key in values), "")


def _read_order(element: etree._Element) -> Order:
    document = _Children(element)
    external_id = _text(document, "Ид")
    if not external_id:
        raise _InvalidDocument("the document has no <Ид>")
    requisites = _requisites(document)
    values = _first_values(requisites)
    buyer = _read_buyer(document, requisites)
    rate = _text(document, "Курс")
    day, moment = _date_and_time(_text(document, "Дата"))
    time_text = _text(document, "Время")
    if time_text:
        moment = _date_and_time(time_text)[1]
    status = _lookup(values, "Статус заказа")
    status_match = _STATUS.match(status)
    status_code = _lookup(values, "Статуса заказа ИД") or (
        status_match.group(1).strip() if status_match else ""
    )
    final = _lookup(values, "Финальный статус")
    is_deleted = _is_true(_text(document, "ПометкаУдаления")) or _is_true(
        _lookup(values, "ПометкаУдаления")
    )
    is_shipped = _is_true(_lookup(values, "Отгружен")) or bool(
        _lookup(values, "Дата отгрузки по 1С")
    )
    return Order(
        external_id=external_id,
        number=_text(document, "Номер"),
        version=_text(document, "НомерВерсии"),
        number_1c=_text(document, "Номер1С"),
        date=day,
        time=moment,
        currency=_currency(_text(document, "Валюта")),
        # Bitrix always writes 1; a missing rate means the same, not a rate of zero
        rate=_decimal(rate, "Курс") if rate else Decimal(1),
        amount=_decimal(_text(document, "Сумма"), "Сумма"),
        comment=_text(document, "Комментарий"),
        is_deleted=is_deleted,
        buyer=buyer,
        lines=tuple(
            _read_line(line, position)
            for position, line in enumerate(_find_all(document, "Товары/Товар"), start=1)
        ),
        taxes=tuple(_read_tax(tax) for tax in _find_all(document, "Налоги/Налог")),
        discounts=tuple(
            _read_discount(discount) for discount in _find_all(document, "Скидки/Скидка")
        ),
        requisites=requisites,
        xml=etree.tostring(element, encoding="UTF-8", xml_declaration=False, with_tail=False),
        is_paid=_is_true(_lookup(values, "Заказ оплачен", "Оплачен"))
        or bool(_lookup(values, "Дата оплаты по 1С")),
        is_cancelled=is_deleted or _is_true(_lookup(values, "Отменен")),
        is_shipped=is_shipped,
        is_delivery_allowed=is_shipped or _is_true(_lookup(values, "Доставка разрешена")),
        # Bitrix ties «Финальный статус» to the code F; 1C's documents only carry the code
        is_final=_is_true(final) if final else status_code == "F",
        status_code=status_code,
        status_name=status_match.group(2).strip() if status_match else status,
        payment_method=_lookup(values, "Метод оплаты"),
        delivery_method=_lookup(values, "Способ доставки"),
        buyer_comment=_lookup(values, "Комментарии покупателя", "Комментарий покупателя"),
        site=_lookup(values, "Сайт"),
        delivery_address=_lookup(values, "Адрес доставки")
        or (buyer.address.presentation if buyer and buyer.address else ""),
        paid_at=_datetime(_lookup(values, "Дата оплаты", "Дата оплаты по 1С")),
    )


def _read_buyer(document: _Children, requisites: tuple[tuple[str, str], ...]) -> Party | None:
    parties = _find_all(document, "Контрагенты/Контрагент")
    if not parties:
        return None
    party = _Children(
        next(
            (each for each in parties if _text(each, "Роль").casefold() == "покупатель"),
            parties[0],
        )
    )
    external_id = _text(party, "Ид")
    user_id, has_hash, _ = external_id.partition("#")
    official_name = _text(party, "ОфициальноеНаименование")
    kpp = _text(party, "КПП")
    legal_address = _read_address(_find(party, "ЮридическийАдрес"))
    emails: list[str] = []
    phones: list[str] = []
    contacts = [
        (_text(contact, "Тип"), _text(contact, "Значение"))
        for contact in _find_all(party, "Контакты/Контакт")
    ]
    # Many shops send phone and e-mail only as order properties (§3.3).
    for kind, value in (*contacts, *requisites):
        _sort_contact(kind.casefold(), value, emails, phones)
    return Party(
        external_id=external_id,
        customer_id=user_id if has_hash and user_id.isdigit() else None,
        name=_text(party, "Наименование"),
        full_name=_text(party, "ПолноеНаименование"),
        last_name=_text(party, "Фамилия"),
        first_name=_text(party, "Имя"),
        middle_name=_text(party, "Отчество"),
        is_company=bool(official_name or kpp or legal_address),
        official_name=official_name,
        inn=_text(party, "ИНН"),
        kpp=kpp,
        legal_address=legal_address,
        address=_read_address(_find(party, "Адрес"))
        or _read_address(_find(party, "АдресРегистрации")),
        emails=tuple(emails),
        phones=tuple(phones),
        bank_accounts=tuple(
            {
                "account": _text(account, "НомерСчета"),
                "bank": _text(account, "Банк/Наименование"),
                "bik": _text(account, "Банк/БИК"),
                "correspondent_account": _text(account, "Банк/СчетКорреспондентский"),
            }
            for account in _find_all(party, "РасчетныеСчета/РасчетныйСчет")
        ),
    )


def _sort_contact(kind: str, value: str, emails: list[str], phones: list[str]) -> None:
    # The value must look the part: «Почтовый индекс» also contains «почт».
    if ("почт" in kind or "mail" in kind) and "@" in value:
        found = emails
    elif any(word in kind for word in ("телефон", "факс", "phone")) and any(
        character.isdigit() for character in value
    ):
        found = phones
    else:
        return
    if value not in found:
        found.append(value)


def _read_address(element: etree._Element | None) -> Address | None:
    if element is None:
        return None
    fields: dict[str, str] = {}
    for address_field in _find_all(element, "АдресноеПоле"):
        kind = _text(address_field, "Тип")
        value = _text(address_field, "Значение")
        if kind and value:
            fields.setdefault(kind, value)
    presentation = _text(element, "Представление")
    if not presentation and not fields:
        return None
    return Address(presentation=presentation, fields=fields)


def _read_line(element: etree._Element, position: int) -> Line:
    line = _Children(element)
    external_id = _text(line, "Ид")
    what = f"line {position} ({external_id or 'no Ид'}):"
    requisites = _requisites(line)
    values = _first_values(requisites)
    quantity = _decimal(_text(line, "Количество"), f"{what} Количество")
    # 3.x (and some 2.09 files from 1C) write Цена instead of ЦенаЗаЕдиницу
    price = _decimal(_text(line, "ЦенаЗаЕдиницу") or _text(line, "Цена"), f"{what} Цена")
    amount = _text(line, "Сумма")
    unit_code, unit_name = _read_unit(line)
    taxes = _find_all(line, "Налоги/Налог")
    kinds = {_lookup(values, name).casefold() for name in ("ТипНоменклатуры", "ВидНоменклатуры")}
    return Line(
        external_id=external_id,
        catalog_id=_text(line, "ИдКаталога"),
        # long names come wrapped over lines in pretty-printed files (§3.6)
        name=" ".join(_text(line, "Наименование").split()),
        article=_text(line, "Артикул") or _lookup(values, "СвойствоКорзины#ARTICLE"),
        quantity=quantity,
        price=price,
        amount=_decimal(amount, f"{what} Сумма") if amount else price * quantity,
        discount=sum(
            (
                _decimal(_text(discount, "Сумма"), f"{what} Скидка")
                for discount in _find_all(line, "Скидки/Скидка")
            ),
            Decimal(0),
        ),
        unit_code=unit_code,
        unit_name=unit_name,
        vat_rate=_vat_rate(line),
        tax_amount=sum(
            (_decimal(_text(tax, "Сумма"), f"{what} Налог") for tax in taxes), Decimal(0)
        ),
        tax_included=any(_is_true(_text(tax, "УчтеноВСумме")) for tax in taxes),
        is_delivery=external_id == DELIVERY_LINE_ID,
        is_service="услуга" in kinds,
        basket_position=_lookup(values, "НомерПозицииКорзины"),
        requisites=requisites,
    )


def _read_unit(line: _Node) -> tuple[str, str]:
    """(code, name) from `<БазоваяЕдиница Код=…>шт</…>` (≤ 2.05) or `<Единица>` (2.08+, 1C)."""
    base = _find(line, "БазоваяЕдиница")
    if base is not None:
        name = _clean(base) or (base.get("НаименованиеПолное") or "").strip()
        return (base.get("Код") or "").strip(), name
    unit = _find(line, "Единица")
    if unit is None:
        return "", ""
    if len(unit) == 0:
        return "", _clean(unit)  # 1C's plain <Единица>шт</Единица>
    code = _text(unit, "Код") or _text(unit, "Ид")
    return code, _text(unit, "НаименованиеКраткое") or _text(unit, "НаименованиеПолное")


def _vat_rate(line: _Node) -> Decimal | None:
    rates = [
        (_text(tax, "Наименование").casefold(), _text(tax, "Ставка"))
        for path in ("Налоги/Налог", "СтавкиНалогов/СтавкаНалога")
        for tax in _find_all(line, path)
    ]
    rates = [(name, rate) for name, rate in rates if rate]
    if not rates:
        return None
    rate = next((rate for name, rate in rates if "ндс" in name), rates[0][1])
    return _rate(rate)


def _rate(value: str) -> Decimal | None:
    """A tax or discount rate; None for the words real files use («Без НДС», «Без налога»)."""
    try:
        return _decimal(value.replace("%", ""), "rate")
    except _InvalidDocument:
        return None


def _read_tax(tax: etree._Element) -> dict:
    rate = _text(tax, "Ставка")
    return {
        "name": _text(tax, "Наименование"),
        "amount": _decimal(_text(tax, "Сумма"), "Налог"),
        "included": _is_true(_text(tax, "УчтеноВСумме")),
        "rate": _rate(rate) if rate else None,
    }


def _read_discount(discount: etree._Element) -> dict:
    percent = _text(discount, "Процент")
    return {
        "name": _text(discount, "Наименование"),
        "amount": _decimal(_text(discount, "Сумма"), "Скидка"),
        "percent": _rate(percent) if percent else None,
        "included": _is_true(_text(discount, "УчтеноВСумме")),
    }
