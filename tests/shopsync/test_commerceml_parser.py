"""The CommerceML order parser: the real sample files, the normalisation rules of §3.6, and a
hostile corpus (XXE, billion laughs, truncation, wrong encodings, huge files) generated into
tmp_path at test time."""

import datetime
import io
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from shopsync.commerceml.parser import (
    Address,
    CommerceMLError,
    ParseStats,
    parse_orders,
)
from tests.shopsync import hostile
from tests.shopsync.hostile import buyer, commerceml, line, order, requisite

SAMPLES = Path("/work/shared/reference/commerceml-samples")
ROOT = Path(__file__).resolve().parents[2]
D = Decimal


def shop_local(*parts: int) -> datetime.datetime:
    """CommerceML carries no time zone, so the parser gives naive, shop-local datetimes."""
    return datetime.datetime(*parts)  # noqa: DTZ001


def read(source, **options):
    stats = ParseStats()
    orders = list(parse_orders(source, stats=stats, **options))
    return orders, stats


def one_order(*documents: str, **options):
    orders, _ = read(commerceml(*documents, **options).encode())
    assert len(orders) == 1
    return orders[0]


# --- the real sample files -------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.xml")), ids=lambda path: path.name[:40])
def test_every_sample_file_parses(path):
    orders, stats = read(path)

    assert stats.errors == []
    assert stats.orders == len(orders)
    assert stats.schema_version.startswith("2.")


def test_official_1c_sample_2_03():
    # given the official 1C sample: UTF-8, ORDER_DELIVERY, the old nested representative
    # when
    [order_36], stats = read(
        SAMPLES / "irpsv__commerceml__tests__assets__off-doc-1c__orders.at-41056aa.xml"
    )

    # then
    assert (stats.schema_version, stats.encoding, stats.documents) == ("2.03", "UTF-8", 1)
    assert (order_36.external_id, order_36.number) == ("36", "36")
    assert (order_36.date, order_36.time) == (
        datetime.date(2007, 10, 30),
        datetime.time(15, 19, 27),
    )
    assert (order_36.currency, order_36.rate, order_36.amount) == ("RUB", D(1), D("6734.47"))
    delivery, television = order_36.lines
    assert (delivery.is_delivery, delivery.is_service, delivery.amount) == (True, True, D("340.00"))
    assert television.name == 'Телевизор "JVC"'  # double-escaped in the file
    assert (television.quantity, television.price, television.amount) == (
        D(1),
        D("6394.47"),
        D("6394.47"),
    )
    assert (television.unit_code, television.unit_name, television.is_delivery) == (
        "796",
        "шт",
        False,
    )
    assert sum(each.amount for each in order_36.lines) == order_36.amount
    party = order_36.buyer
    assert (party.external_id, party.customer_id) == ("1#admin# admin", "1")
    assert (party.name, party.last_name, party.first_name) == ("admin", "Иванов", "admin")
    assert party.address == Address("ггг", {"Почтовый индекс": "1111", "Улица": "ггг"})
    assert (party.is_company, party.emails, party.phones) == (False, (), ())
    assert (order_36.status_code, order_36.status_name) == ("N", "Принят")  # from «[N] Принят»
    assert (order_36.is_paid, order_36.is_cancelled, order_36.is_final) == (False, False, False)
    assert order_36.payment_method == "Наличный расчет"
    assert order_36.requisite("Дата изменения статуса") == "2007-10-30 15:19:27"
    assert len(order_36.requisites) == 7


def test_bitrix_query_answer_2_05_in_windows_1251():
    orders, stats = read(
        SAMPLES / "dobromyslov__commerceml-parser__data__bitrix-query-response-full.xml"
    )

    assert (stats.schema_version, stats.encoding, stats.generated_at) == (
        "2.05",
        "windows-1251",
        "2021-02-12T17:03:19",
    )
    first, second = orders
    assert (first.external_id, first.number, first.amount) == ("132", "132", D("231.74"))
    assert (first.date, first.time) == (datetime.date(2021, 2, 11), datetime.time(18, 45, 21))
    assert (first.buyer.external_id, first.buyer.customer_id, first.buyer.name) == (
        "38#catalog_exchange#",
        "38",
        "",
    )
    [toothbrush] = first.lines
    assert (toothbrush.external_id, toothbrush.catalog_id) == (
        "910e89e5-205e-4d95-872a-0a0255c42f02",
        "42475bb5-958f-40dc-a99f-9ad996a27af1",
    )
    assert (toothbrush.quantity, toothbrush.price, toothbrush.basket_position) == (
        D(1),
        D("231.74"),
        "437",
    )
    assert (first.status_code, first.status_name) == ("N", "Принят, ожидается оплата")
    assert (first.is_paid, first.is_cancelled, first.is_final, first.is_delivery_allowed) == (
        False,
        False,
        False,
        False,
    )
    assert (first.payment_method, first.delivery_method) == (
        "При получении наличными или картой",
        "Самовывоз",
    )
    assert first.buyer_comment == "Я повелитель порошочков"
    assert first.site == "[s1] Сайт по умолчанию"
    assert first.requisite("Метод оплаты ИД") == "2"
    assert first.requisite("Дата изменения статуса") == "11.02.2021 18:45:21"

    assert (second.external_id, second.amount, len(second.lines)) == ("133", D("14380.58"), 7)
    assert sum(each.amount for each in second.lines) == second.amount
    assert second.buyer.customer_id == "5"
    assert second.buyer_comment == ""
    kaneyon = second.lines[1]
    assert (kaneyon.quantity, kaneyon.price, kaneyon.amount, kaneyon.article) == (
        D(2),
        D("1788.96"),
        D("3577.92"),
        "k",
    )
    # a name wrapped over two lines by the pretty printer reads as one line
    assert second.lines[3].name == (
        "Концентрированное средство для мытья овощей и фруктов, посуды и кухонных "
        "принадлежностей (с апельсиновым маслом) 4 л"
    )
    assert ("СвойствоКорзины#DETAIL_PAGE_URL",
            "/catalog/bytovaya_khimiya/mytye_posudy/sredstva_dlya_mytya_posudy/"
            "herbment_dishwashing_liquid_detergent_with_disinfecting_effect_orange_scent_refill_800ml/") in second.lines[0].requisites  # fmt: skip


def test_old_bitrix_template_paid_and_final():
    [order_20], stats = read(SAMPLES / "carono__yii2-1c-exchange__files__xml__to.xml")

    assert stats.encoding == "windows-1251"
    assert (order_20.external_id, order_20.currency, order_20.amount) == ("20", "RUB", D("9683.42"))
    assert [(each.external_id, each.amount) for each in order_20.lines] == [
        ("ORDER_DELIVERY", D("348.00")),
        ("cbcf498f-55bc-11d9-848a-00112f43529a", D("9335.42")),
    ]
    assert (order_20.buyer.customer_id, order_20.buyer.last_name, order_20.buyer.first_name) == (
        "1",
        "Петров",
        "Петр",
    )
    assert (order_20.is_paid, order_20.is_delivery_allowed, order_20.is_final) == (True, True, True)
    assert (order_20.is_cancelled, order_20.is_shipped) == (False, False)
    assert (order_20.status_code, order_20.status_name) == ("F", "Доставлен")
    assert order_20.paid_at == shop_local(2007, 10, 16, 15, 44, 47)
    assert order_20.requisite("Номер платежного документа") == "ТК000000026"


def test_1c_documents_2_09_with_namespace():
    orders, stats = read(
        SAMPLES / "ArgentCrusade__commerceml__tests__fixtures__documents-example.xml"
    )

    assert stats.schema_version == "2.09"
    first, second = orders
    assert (first.external_id, first.version, first.is_deleted) == ("142", "AAAAEAAAAAA=", False)
    assert first.comment == "[Номер документа на сайте: 142]"
    assert (first.amount, first.rate) == (D("8186.84"), D(1))
    assert first.taxes == (
        {"name": "НДС", "amount": D("1248.84"), "included": False, "rate": None},
    )
    fan, boots = first.lines
    assert (fan.price, fan.unit_code, fan.unit_name, fan.vat_rate) == (D(3338), "796", "шт", D(18))
    assert (fan.tax_amount, fan.tax_included) == (D("600.84"), False)
    assert (boots.unit_code, boots.unit_name, boots.amount) == ("715", "пар", D(3600))
    assert (first.is_paid, first.is_shipped, first.status_code) == (True, True, "P")
    assert first.paid_at == shop_local(2015, 6, 29, 15, 39, 10)
    party = first.buyer
    assert (party.customer_id, party.is_company, party.official_name) == (
        None,
        True,
        "Kikinda (Сербия)",
    )
    assert party.bank_accounts[0] == {
        "account": "89000", "bank": "ИНГ БАНК (ЕВРАЗИЯ) АО", "bik": "044525222",
        "correspondent_account": "30101810500000000222",
    }  # fmt: skip
    assert len(party.bank_accounts) == 2

    assert (second.external_id, second.amount, second.is_shipped) == ("235", D(4100), False)
    delivery = second.lines[-1]
    assert (delivery.is_delivery, delivery.is_service, delivery.price) == (True, True, D(500))
    assert (delivery.vat_rate, delivery.tax_amount, delivery.tax_included) == (
        D(18),
        D("76.27"),
        True,
    )
    # the kept XML is the document itself, namespace included
    kept = etree.fromstring(second.xml)
    assert (etree.QName(kept).localname, etree.QName(kept).namespace) == (
        "Документ",
        "urn:1C.ru:commerceml_2",
    )
    assert kept.findtext("{*}Ид") == "235"


@pytest.mark.parametrize(
    ("name", "skipped"),
    [
        ("dobromyslov__commerceml-parser__data__import0_1.xml", {"Классификатор": 1, "Каталог": 1}),
        (
            "dobromyslov__commerceml-parser__data__offers0_1.xml",
            {"Классификатор": 1, "ПакетПредложений": 1},
        ),
        ("dobromyslov__commerceml-parser__data__bitrix-query-response-empty.xml", {}),
    ],
)
def test_files_without_orders(name, skipped):
    orders, stats = read(SAMPLES / name)

    assert orders == []
    assert (stats.documents, stats.skipped) == (0, skipped)


# --- shapes and normalisation ----------------------------------------------------------------


def test_numbers_accept_spaces_nbsp_and_comma_and_empty_means_zero():
    the_order = one_order(
        order(
            "1",
            total="12\u00a0345,60",
            lines=line(price="12 345,60", quantity=" 1,000 ", amount=""),
            extra="<Налоги><Налог><Наименование>НДС</Наименование><УчтеноВСумме>true"
            "</УчтеноВСумме><Сумма/></Налог></Налоги>",
        )
    )

    assert the_order.amount == D("12345.60")
    [the_line] = the_order.lines
    assert (the_line.price, the_line.quantity) == (D("12345.60"), D(1))
    assert the_line.amount == D("12345.60")  # an empty line Сумма: price × quantity
    assert the_order.taxes == ({"name": "НДС", "amount": D(0), "included": True, "rate": None},)


@pytest.mark.parametrize(
    ("written", "currency"),
    [
        ("руб", "RUB"),
        ("руб.", "RUB"),
        ("RUB", "RUB"),
        ("RUR", "RUB"),
        ("грн", "UAH"),
        ("usd", "USD"),
    ],
)
def test_currency_is_normalised(written, currency):
    the_order = one_order(order("1").replace("<Валюта>руб</Валюта>", f"<Валюта>{written}</Валюта>"))

    assert the_order.currency == currency


@pytest.mark.parametrize(
    ("written", "paid_at"),
    [
        ("2007-10-30 15:19:27", shop_local(2007, 10, 30, 15, 19, 27)),
        ("11.02.2021 18:45:21", shop_local(2021, 2, 11, 18, 45, 21)),
        ("2017-08-02T18:36:44", shop_local(2017, 8, 2, 18, 36, 44)),
        ("2021-02-18T9:49:02", shop_local(2021, 2, 18, 9, 49, 2)),
        ("2015-08-12", shop_local(2015, 8, 12)),
        ("2016-11-03+03:00", shop_local(2016, 11, 3)),
        ("0001-01-01T00:00:00", None),
        ("вчера", None),
    ],
)
def test_payment_dates_are_parsed_leniently(written, paid_at):
    the_order = one_order(order("1", requisites=requisite("Дата оплаты", written)))

    assert the_order.paid_at == paid_at


def test_a_garbage_generation_date_or_no_schema_version_does_not_fail_the_file():
    text = commerceml(order("1"), version=None).replace(
        "2024-05-01T12:00:00", "2016-11-03TMSK:33:34"
    )

    orders, stats = read(text.encode())

    assert len(orders) == 1
    assert (stats.schema_version, stats.generated_at) == ("", "2016-11-03TMSK:33:34")


def test_buyer_is_the_contragent_whose_role_is_buyer_with_contacts_from_both_places():
    parties = buyer("seller-1", name="Магазин", role="Продавец") + buyer(
        "42#anna#Иванова Анна",
        name="Анна",
        extra="<Фамилия>Иванова</Фамилия><Отчество>Петровна</Отчество><Контакты>"
        "<Контакт><Тип>Почта</Тип><Значение>anna@example.com</Значение></Контакт>"
        "<Контакт><Тип>Телефон рабочий</Тип><Значение>+7 495 000-00-01</Значение></Контакт>"
        "<Контакт><Тип>Факс</Тип><Значение></Значение></Контакт></Контакты>"
        "<Адрес><Представление>Москва, Тверская, 1</Представление></Адрес>",
    )
    requisites = (
        requisite("Телефон", "+7 916 000-00-02")
        + requisite("E-mail", "anna@example.com")
        + requisite("Почтовый индекс", "101000")
    )

    the_order = one_order(order("1", buyers=parties, requisites=requisites))

    party = the_order.buyer
    assert (party.external_id, party.customer_id) == ("42#anna#Иванова Анна", "42")
    assert (party.last_name, party.middle_name) == ("Иванова", "Петровна")
    assert party.emails == ("anna@example.com",)
    assert party.phones == ("+7 495 000-00-01", "+7 916 000-00-02")
    assert the_order.delivery_address == "Москва, Тверская, 1"


def test_a_legal_entity_buyer():
    legal = (
        "<ОфициальноеНаименование>ООО «Ромашка»</ОфициальноеНаименование><ИНН>7701000000</ИНН>"
        "<КПП>770101001</КПП><ЮридическийАдрес><Представление>Москва</Представление>"
        "<АдресноеПоле><Тип>Город</Тип><Значение>Москва</Значение></АдресноеПоле></ЮридическийАдрес>"
    )

    party = one_order(order("1", buyers=buyer("wc1c#user#3", extra=legal))).buyer

    assert (party.is_company, party.inn, party.kpp, party.customer_id) == (
        True,
        "7701000000",
        "770101001",
        None,
    )
    assert party.legal_address == Address("Москва", {"Город": "Москва"})


@pytest.mark.parametrize(
    ("unit", "expected"),
    [
        ("<Единица><Код>796</Код><НаименованиеПолное>Штука</НаименованиеПолное></Единица>"
         "<Коэффициент>1</Коэффициент>", ("796", "Штука")),
        ('<БазоваяЕдиница Код="796"><Пересчет><Единица>796</Единица><Коэффициент>1</Коэффициент>'
         "</Пересчет>шт</БазоваяЕдиница>", ("796", "шт")),
        ("<Единица>шт</Единица>", ("", "шт")),
    ],
)  # fmt: skip
def test_unit_shapes_of_2_08_and_1c(unit, expected):
    goods = (
        f"<Товар><Ид>p-1</Ид><Наименование>Чайник</Наименование>{unit}"
        "<ЦенаЗаЕдиницу>10</ЦенаЗаЕдиницу><Количество>1</Количество><Сумма>10</Сумма></Товар>"
    )

    [the_line] = one_order(order("1", total="10", lines=goods)).lines

    assert (the_line.unit_code, the_line.unit_name) == expected


@pytest.mark.parametrize(("rate", "vat_rate"), [("20", D(20)), ("18%", D(18)), ("Без НДС", None)])
def test_vat_rate(rate, vat_rate):
    rates = f"<СтавкиНалогов><СтавкаНалога><Наименование>НДС</Наименование><Ставка>{rate}</Ставка></СтавкаНалога></СтавкиНалогов>"

    [the_line] = one_order(order("1", lines=line(extra=rates))).lines

    assert the_line.vat_rate == vat_rate


def test_line_discount_service_type_and_requisites():
    extra = (
        "<Скидки><Скидка><Наименование>Скидка на товар</Наименование><Сумма>10</Сумма>"
        "<УчтеноВСумме>true</УчтеноВСумме></Скидка></Скидки><ЗначенияРеквизитов>"
        + requisite("ТипНоменклатуры", "Услуга")
        + requisite("НомерПозицииКорзины", "437")
        + requisite("СвойствоКорзины#ARTICLE", "KT-1")
        + "</ЗначенияРеквизитов>"
    )

    [the_line] = one_order(order("1", lines=line(price="90", amount="90", extra=extra))).lines

    assert (the_line.discount, the_line.price, the_line.is_service) == (D(10), D(90), True)
    assert (the_line.basket_position, the_line.article) == ("437", "KT-1")


def test_requisites_are_an_ordered_multimap():
    the_order = one_order(
        order("1", requisites=requisite(" Реквизит ", "первое", "второе") + requisite("Пустой"))
    )

    assert the_order.requisites == (("Реквизит", "первое"), ("Реквизит", "второе"), ("Пустой", ""))
    assert the_order.requisite("реквизит") == "первое"
    assert the_order.requisite("нет такого") == ""


def test_state_from_1c_requisites_and_deletion_mark():
    requisites = (
        requisite("Оплачен", "true")
        + requisite("Отгружен", "true")
        + requisite("Статуса заказа ИД", "F")
        + requisite("Статус заказа", "Отправлен")
    )

    the_order = one_order(
        order("1", requisites=requisites, extra="<ПометкаУдаления>true</ПометкаУдаления>")
    )

    assert (the_order.is_deleted, the_order.is_cancelled) == (True, True)
    assert (the_order.is_paid, the_order.is_shipped, the_order.is_delivery_allowed) == (
        True,
        True,
        True,
    )
    assert (the_order.status_code, the_order.status_name, the_order.is_final) == (
        "F",
        "Отправлен",
        True,
    )


def test_a_document_without_id_is_recorded_and_the_others_still_read():
    text = commerceml(order("1"), order("2").replace("<Ид>2</Ид>", ""), order("3"))

    orders, stats = read(text.encode())

    assert [each.external_id for each in orders] == ["1", "3"]
    assert stats.errors == [("", "the document has no <Ид>")]


class OneWayStream(io.RawIOBase):
    """A network-like stream: readable once, not seekable."""

    def __init__(self, data: bytes):
        self._data = io.BytesIO(data)

    def readable(self):
        return True

    def readinto(self, buffer):
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_sources_bytes_paths_and_streams(tmp_path):
    data = commerceml(order("1"), order("2", buyers=buyer(name="Рога & Копыта"))).encode()
    path = tmp_path / "orders.xml"
    path.write_bytes(data)
    positioned = io.BytesIO(b"ignored prefix" + data)
    positioned.read(len(b"ignored prefix"))

    for source in (data, str(path), path, positioned, OneWayStream(data)):
        orders, stats = read(source)
        # the recover-mode retry reads the same bytes again, even from a one-way stream
        assert ([each.external_id for each in orders], stats.recovered) == (["1", "2"], True)


def test_a_one_way_stream_over_the_limit_is_refused():
    data = commerceml(order("1")).encode()

    with pytest.raises(CommerceMLError, match="larger than the limit of 100 bytes"):
        read(OneWayStream(data), max_bytes=100)


# --- the hostile corpus ----------------------------------------------------------------------


@pytest.mark.parametrize("build", [hostile.write_xxe, hostile.write_billion_laughs])
def test_a_dtd_is_refused_before_any_entity_is_read(tmp_path, build):
    with pytest.raises(CommerceMLError, match="declares a DTD"):
        read(build(tmp_path))


def test_a_dtd_behind_a_long_prolog_is_still_refused(tmp_path):
    path = hostile.write_xxe(tmp_path)
    text = path.read_text()
    long_comment = "<!-- " + "padding " * 10_000 + "-->\n"
    path.write_text(text.replace("<!DOCTYPE", long_comment + "<!DOCTYPE", 1))

    with pytest.raises(CommerceMLError, match="declares a DTD"):
        read(path)


def test_a_truncated_file_yields_the_orders_before_the_break_then_fails(tmp_path):
    stats = ParseStats()
    read_ids = []

    with pytest.raises(CommerceMLError, match="truncated") as failure:
        for each in parse_orders(hostile.write_truncated(tmp_path), stats=stats):
            read_ids.append(each.external_id)

    assert read_ids == ["1", "2"]
    assert "2 order(s) before the break" in str(failure.value)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            hostile.write_declared_utf8_but_cp1251,
            "declares the encoding UTF-8 but its bytes are not UTF-8",
        ),
        (
            hostile.write_declared_cp1251_but_utf8,
            "declares the encoding windows-1251 but its bytes are UTF-8",
        ),
    ],
)
def test_a_wrong_declared_encoding_is_refused(tmp_path, build, message):
    with pytest.raises(CommerceMLError, match=message):
        read(build(tmp_path))


def test_an_unknown_declared_encoding_is_refused():
    data = b'<?xml version="1.0" encoding="win-1251"?>\n' + commerceml(order("1")).encode()

    with pytest.raises(CommerceMLError, match="'win-1251', which is not known"):
        read(data)


@pytest.mark.parametrize(
    ("build", "evidence"),
    [
        (hostile.write_commerceml_1, "ВерсияСхемы 1.02"),
        (hostile.write_commerceml_1_unversioned, "<Каталог> carries its data in attributes"),
        (hostile.write_commerceml_1_biztalk, "root element is <BizTalk>"),
    ],
)
def test_commerceml_1_is_not_supported(tmp_path, build, evidence):
    with pytest.raises(CommerceMLError, match="CommerceML 1.x is not supported") as failure:
        read(build(tmp_path))

    assert evidence in str(failure.value)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (b"", "The document is empty."),
        (
            "failure\nОшибка авторизации.".encode("cp1251"),
            "The document is not well-formed XML: line 1: Start tag expected",
        ),
    ],
)
def test_an_answer_that_is_not_xml_is_refused_not_called_truncated(answer, message):
    with pytest.raises(CommerceMLError, match=message):
        read(answer)


def test_a_file_that_is_not_commerceml_is_refused():
    with pytest.raises(CommerceMLError, match="root element is <Справочник>"):
        read("<Справочник><Cтатусы/></Справочник>".encode())


def test_a_50_mb_file_is_refused_quickly_and_a_giant_value_even_under_a_bigger_limit(tmp_path):
    path = hostile.write_giant(tmp_path, megabytes=50)

    started = time.monotonic()
    with pytest.raises(CommerceMLError, match="larger than the limit of 20 MB"):
        read(path)
    assert time.monotonic() - started < 1

    with pytest.raises(CommerceMLError, match="safety limits"):
        read(path, max_bytes=100 * 1024 * 1024)


@pytest.mark.parametrize("intact_before", [1, 300])
def test_a_bare_ampersand_is_recovered_and_flagged(tmp_path, intact_before):
    path = hostile.write_bare_ampersand(tmp_path, intact_before=intact_before)

    orders, stats = read(path)

    # the orders the strict pass read come once, the rest from the recover-mode pass
    expected = [str(number) for number in range(1, intact_before + 1)] + ["broken", "last"]
    assert [each.external_id for each in orders] == expected
    assert (stats.recovered, stats.orders, stats.documents, stats.errors) == (
        True,
        len(expected),
        len(expected),
        [],
    )
    broken = orders[-2]
    assert broken.buyer.name.split() == ["ООО", "Рога", "Копыта"]  # the bare & is dropped
    assert broken.comment == "Позвонить до\u00a0обеда"
    assert b"&nbsp;" not in broken.xml  # the kept XML stays well-formed
    assert etree.fromstring(broken.xml).findtext("Комментарий") == "Позвонить до\u00a0обеда"


def test_recover_mode_does_not_hide_a_broken_structure():
    text = commerceml(
        order("1", buyers=buyer(name="A & B")),
        order("2").replace("<Номер>2</Номер>", "<Номер>2</Номерр>"),
    )

    with pytest.raises(
        CommerceMLError, match="not well-formed XML: line 3: Opening and ending tag mismatch"
    ):
        read(text.encode())


def test_one_unreadable_order_does_not_stop_the_others(tmp_path):
    orders, stats = read(hostile.write_bad_quantity(tmp_path))

    assert [each.external_id for each in orders] == ["1", "3"]
    assert stats.errors == [("2", "line 1 (p-1): Количество 'много' is not a number")]
    assert (stats.documents, stats.orders) == (3, 2)


@pytest.mark.parametrize("declared", [True, False])
def test_windows_1251_with_and_without_declaration(tmp_path, declared):
    [the_order], stats = read(hostile.write_cp1251(tmp_path, declared=declared))

    assert (stats.encoding, the_order.buyer.name) == ("windows-1251", "Пётр Сидоров")


def test_a_utf8_file_with_bom_declaring_windows_1251_is_read_as_utf8(tmp_path):
    [the_order], stats = read(hostile.write_utf8_bom_declaring_cp1251(tmp_path))

    assert (stats.encoding, the_order.buyer.name) == ("UTF-8", "Пётр Сидоров")


def test_a_namespaced_3_1_container_file(tmp_path):
    orders, stats = read(hostile.write_container_31(tmp_path))

    assert [each.external_id for each in orders] == ["c-1", "c-2"]
    assert stats.skipped == {"Выплата безналичных денег": 2, "Отпуск товара": 2}
    assert (stats.schema_version, stats.documents) == ("3.1", 6)
    [grinder] = orders[0].lines
    assert (grinder.price, grinder.quantity, grinder.amount) == (D("1250.50"), D(2), D("2501.00"))
    assert (grinder.unit_code, grinder.unit_name, grinder.vat_rate) == ("796", "шт", None)
    assert (orders[0].status_code, orders[0].is_cancelled) == ("P", False)


def test_a_2_10_file_mixing_an_order_with_payments_and_shipments(tmp_path):
    [the_order], stats = read(hostile.write_mixed_210(tmp_path))

    assert the_order.external_id == "501"
    assert stats.skipped == {"Выплата безналичных денег": 1, "Отпуск товара": 2}
    assert (stats.documents, stats.orders) == (4, 1)
    assert [(each.external_id, each.is_delivery, each.is_service) for each in the_order.lines] == [
        ("p-1", False, False),
        ("ORDER_DELIVERY", True, True),
    ]
    assert (the_order.is_paid, the_order.paid_at) == (True, shop_local(2024, 5, 2, 9, 15))


def test_memory_stays_flat_over_20000_orders(tmp_path):
    # given a 28 MB file written order by order
    path = hostile.write_many_orders(tmp_path, 20_000)
    # when a fresh interpreter parses it: its peak RSS covers libxml2's own allocations,
    # which tracemalloc cannot see (without freeing each document it grows by ~145 MB)
    script = (
        "import resource, sys\n"
        "from shopsync.commerceml.parser import parse_orders\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "count = sum(1 for _ in parse_orders(sys.argv[1], max_bytes=200 * 2**20))\n"
        "after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(count, after - before)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    count, growth = map(int, result.stdout.split())
    # then (ru_maxrss is in kB on Linux, bytes on macOS)
    growth_mb = growth / (1024 * 1024 if sys.platform == "darwin" else 1024)
    assert count == 20_000
    assert growth_mb < 30
