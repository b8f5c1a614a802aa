"""The demo shop on its own: the exchange answers byte for byte as §2.3 of commerceml.md
describes, Bitrix's import rules, the control API, persistence and the command line."""

import base64
import http.client
import io
import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from demo_shop.exchange import ENDPOINT, ExchangeSettings
from demo_shop.server import start
from demo_shop.shop import Shop
from shopsync.commerceml.parser import ParseStats, parse_orders

ROOT = Path(__file__).resolve().parents[2]
LOGIN, PASSWORD = "crm", "demo"
AUTHORISATION_FAILED = "failure\nОшибка авторизации. Неверное имя пользователя или пароль.\n"
WRONG_SESSID = "failure\nОшибка проверки источника запроса. Обновите модуль обмена.\n"


def basic(login: str = LOGIN, password: str = PASSWORD) -> str:
    return "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()


class Reply:
    def __init__(self, response: http.client.HTTPResponse):
        self.status = response.status
        self.headers = response.headers
        self.body = response.read()

    @property
    def text(self) -> str:
        return self.body.decode("cp1251")

    def json(self):
        return json.loads(self.body)


class DemoShop:
    """Raw HTTP to a running demo shop, playing 1C by hand."""

    def __init__(self, url: str):
        address = urlsplit(url)
        self.host, self.port = address.hostname, address.port
        self.cookie = ""
        self.sessid = ""

    def request(self, method: str, path: str, *, body=None, headers=None) -> Reply:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=5)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            return Reply(connection.getresponse())
        finally:
            connection.close()

    def exchange(self, mode: str, *, method="GET", body=None, headers=None, **parameters) -> Reply:
        query = urlencode({"type": "sale", "mode": mode, **parameters})
        cookie = {"Cookie": f"PHPSESSID={self.cookie}"} if self.cookie else {}
        return self.request(
            method, f"{ENDPOINT}?{query}", body=body, headers={**cookie, **(headers or {})}
        )

    def login(self, *, version: str = "2.08") -> Reply:
        """checkauth + init, keeping the cookie and sessid as 1C does; returns init's reply."""
        lines = self.exchange("checkauth", headers={"Authorization": basic()}).text.split("\n")
        self.cookie, self.sessid = lines[2], lines[3].removeprefix("sessid=")
        return self.exchange("init", sessid=self.sessid, version=version)

    def call(self, mode: str, **parameters) -> Reply:
        """A call after login, with the sessid."""
        return self.exchange(mode, sessid=self.sessid, **parameters)

    def upload(self, filename: str, data: bytes) -> Reply:
        return self.call("file", method="POST", body=data, filename=filename)

    def control(self, method: str, path: str, data: dict | None = None) -> Reply:
        body = None if data is None else json.dumps(data, ensure_ascii=False).encode()
        return self.request(method, path, body=body)

    def orders(self) -> dict[int, dict]:
        return {
            order["id"]: order for order in self.control("GET", "/demo/orders").json()["orders"]
        }


@pytest.fixture
def demo_shop():
    """Start a shop on a free port: demo_shop(orders=3, zip=True, data_path=..., ...)."""
    started = []

    def make(*, orders: int = 3, data_path: Path | None = None, **settings) -> DemoShop:
        shop = Shop(data_path=data_path, initial_orders=orders, seed=3)
        running = start(shop, ExchangeSettings(login=LOGIN, password=PASSWORD, **settings))
        started.append(running)
        return DemoShop(running.url)

    yield make
    for running in started:
        running.stop()


def document(*orders: str, encoding: str = "UTF-8") -> bytes:
    """A CommerceML 2.08 file as 1C uploads it."""
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        '<КоммерческаяИнформация ВерсияСхемы="2.08" ДатаФормирования="2024-05-01T12:00:00">'
        + "".join(orders)
        + "</КоммерческаяИнформация>"
    ).encode(encoding)


def order_document(
    external_id: str,
    number: str,
    *,
    version: str = "v1",
    lines: list[tuple[str, str, str]] | None = None,
    requisites: dict[str, str] | None = None,
) -> str:
    """One order; `lines` are (Ид, price, quantity); ORDER_DELIVERY is the delivery."""
    goods = "".join(
        f"<Товар><Ид>{line_id}</Ид><Наименование>Товар {line_id}</Наименование>"
        f"<ЦенаЗаЕдиницу>{price}</ЦенаЗаЕдиницу><Количество>{quantity}</Количество>"
        f"<Сумма>{price}</Сумма></Товар>"
        for line_id, price, quantity in lines or []
    )
    values = "".join(
        f"<ЗначениеРеквизита><Наименование>{name}</Наименование><Значение>{value}</Значение>"
        "</ЗначениеРеквизита>"
        for name, value in (requisites or {}).items()
    )
    return (
        f"<Документ><Ид>{external_id}</Ид><НомерВерсии>{version}</НомерВерсии>"
        f"<Номер>{number}</Номер><Дата>2024-05-01</Дата><ХозОперация>Заказ товара</ХозОперация>"
        "<Роль>Продавец</Роль><Валюта>руб</Валюта><Курс>1</Курс><Сумма>0</Сумма>"
        "<Контрагенты><Контрагент><Ид>c-1</Ид><Наименование>Петров Пётр</Наименование>"
        "<Контакты><Контакт><Тип>Электронная почта</Тип><Значение>p.petrov@mail.example"
        "</Значение></Контакт></Контакты><Роль>Покупатель</Роль></Контрагент></Контрагенты>"
        + (f"<Товары>{goods}</Товары>" if lines is not None else "")
        + f"<ЗначенияРеквизитов>{values}</ЗначенияРеквизитов></Документ>"
    )


def echo_lines(order: dict) -> list[tuple[str, str, str]]:
    """An order's basket as the shop holds it, for a document that leaves it alone."""
    lines = [(item["product_id"], item["price"], item["quantity"]) for item in order["items"]]
    if order["delivery_price"] != "0":
        lines.append(("ORDER_DELIVERY", order["delivery_price"], "1"))
    return lines


def push(shop: DemoShop, *orders: str) -> str:
    assert shop.upload("crm.xml", document(*orders)).text == "success\n"
    return shop.call("import", filename="crm.xml").text


def queried_ids(shop: DemoShop) -> list[str]:
    return [order.external_id for order in parse_orders(shop.call("query").body)]


# --- authentication and sessions ------------------------------------------------------------


def test_checkauth_answers_cookie_and_sessid_as_windows_1251_text(demo_shop):
    shop = demo_shop()

    reply = shop.exchange("checkauth", headers={"Authorization": basic()})

    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/html; charset=windows-1251"
    match = re.fullmatch(r"success\nPHPSESSID\n([0-9a-f]{32})\nsessid=([0-9a-f]{32})\n", reply.text)
    assert match
    assert reply.headers["Set-Cookie"] == f"PHPSESSID={match[1]}; path=/; HttpOnly"


@pytest.mark.parametrize(
    "authorization",
    [basic(password="wrong"), basic(login="admin"), "", "Bearer abc", "Basic !!!"],
    ids=["password", "login", "none", "bearer", "garbage"],
)
def test_a_wrong_login_fails_with_http_200(demo_shop, authorization):
    reply = demo_shop().exchange("checkauth", headers={"Authorization": authorization})

    assert (reply.status, reply.text) == (200, AUTHORISATION_FAILED)


@pytest.mark.parametrize("cookie", ["", "0" * 32, "PHPSESSID"], ids=["none", "foreign", "garbage"])
def test_calls_without_our_session_cookie_fail(demo_shop, cookie):
    shop = demo_shop()
    shop.exchange("checkauth", headers={"Authorization": basic()})
    shop.cookie = cookie

    assert shop.exchange("init", version="2.08").text == AUTHORISATION_FAILED


def test_init_answers_zip_file_limit_and_with_a_version_the_sessid(demo_shop):
    shop = demo_shop(zip=True, file_limit=1024)

    with_version = shop.login(version="2.08")
    shop.cookie = shop.exchange("checkauth", headers={"Authorization": basic()}).text.split()[2]
    without_version = shop.exchange("init")  # a new session, no sessid sent yet

    assert with_version.text == f"zip=yes\nfile_limit=1024\nsessid={shop.sessid}\nversion=2.09"
    assert without_version.text == "zip=yes\nfile_limit=1024\n"


def test_once_a_sessid_was_sent_every_call_needs_it(demo_shop):
    shop = demo_shop()
    shop.login()

    assert shop.exchange("query").text == WRONG_SESSID
    assert shop.exchange("query", sessid="0" * 32).text == WRONG_SESSID
    assert shop.call("query").status == 200


def test_unknown_type_and_mode_fail(demo_shop):
    shop = demo_shop()
    shop.login()

    assert shop.exchange("init", type="catalog").text == "failure\nUnknown command type.\n"
    assert shop.call("deactivate").text == "failure\nНеизвестная команда.\n"


# --- query / success ------------------------------------------------------------------------


def test_query_is_a_bitrix_2_08_document_in_windows_1251(demo_shop):
    shop = demo_shop(orders=6)
    shop.login()

    reply = shop.call("query")

    assert reply.headers["Content-Type"] == "application/xml; charset=windows-1251"
    assert reply.body.startswith(b'<?xml version="1.0" encoding="windows-1251"?>\n')
    stats = ParseStats()
    orders = list(parse_orders(reply.body, stats=stats))
    held = shop.orders()
    assert (stats.schema_version, stats.errors, len(orders)) == ("2.08", [], 6)
    for order in orders:
        expected = held[int(order.external_id)]
        assert order.number == str(expected["id"])
        assert order.amount == sum(line.amount for line in order.lines)
        assert str(order.amount) == f"{float(expected['total']):.4f}"
        assert order.status_code == expected["status"]
        assert (order.is_paid, order.is_cancelled) == (
            expected["is_paid"],
            expected["is_cancelled"],
        )
        assert order.site == "[s1] ЭкоОпт — интернет-магазин"
        delivery = [line for line in order.lines if line.is_delivery]
        assert [line.amount for line in delivery] == (
            [order.lines[-1].amount] if expected["delivery_price"] != "0" else []
        )
        assert all(line.vat_rate == 20 for line in order.lines if not line.is_delivery)


def test_query_in_utf_8_when_asked(demo_shop):
    shop = demo_shop(encoding="utf-8")
    shop.login()

    reply = shop.call("query")

    assert reply.headers["Content-Type"] == "application/xml; charset=utf-8"
    assert len(list(parse_orders(reply.body))) == 3


def test_query_also_takes_mode_and_sessid_from_a_form_body(demo_shop):
    shop = demo_shop(orders=2)
    shop.login()

    reply = shop.exchange(
        "",
        method="POST",
        body=urlencode({"mode": "query", "sessid": shop.sessid}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert len(list(parse_orders(reply.body))) == 2


def test_an_order_changed_between_query_and_success_comes_again(demo_shop):
    shop = demo_shop(orders=3)
    shop.login()
    first = queried_ids(shop)

    shop.control("POST", f"/demo/orders/{first[0]}", {"comment": "Позвоните заранее"})
    assert shop.call("success").text == "success\n"

    assert queried_ids(shop) == [first[0]]


def test_a_paged_query_hands_out_every_order_once_oldest_change_first(demo_shop):
    shop = demo_shop(orders=7, page_size=3)
    shop.login()
    pages = []

    while page := queried_ids(shop):
        pages.append(page)
        shop.call("success")

    assert [len(page) for page in pages] == [3, 3, 1]
    by_change = sorted(shop.orders().values(), key=lambda order: (order["updated_at"], order["id"]))
    assert [int(id_) for page in pages for id_ in page] == [order["id"] for order in by_change]


# --- file / import --------------------------------------------------------------------------


def test_chunks_are_appended_then_imported(demo_shop):
    shop = demo_shop(orders=1)
    shop.login()
    [order] = shop.orders().values()
    data = document(
        order_document(
            "crm-1", str(order["id"]), lines=echo_lines(order), requisites={"Отменен": "true"}
        )
    )

    replies = [shop.upload("crm.xml", data[:100]), shop.upload("crm.xml", data[100:])]
    imported = shop.call("import", filename="crm.xml")

    assert [reply.text for reply in replies] == ["success\n", "success\n"]
    assert imported.text == "success\n"
    assert shop.orders()[order["id"]]["is_cancelled"] is True


@pytest.mark.parametrize(
    ("filename", "method", "body", "answer"),
    [
        (
            "crm.xml",
            "POST",
            b"x" * 101,
            "failure\nОшибка чтения HTTP данных. Часть файла больше file_limit=100 байт.\n",
        ),
        ("crm.xml", "GET", None, "failure\nОшибка чтения HTTP данных.\n"),
        ("crm.php", "POST", b"<?php", "failure\nОшибка записи в файл crm.php.\n"),
        ("../crm.xml", "POST", b"<x/>", "failure\nОшибка записи в файл ../crm.xml.\n"),
    ],
    ids=["over-file-limit", "no-body", "script", "outside"],
)
def test_uploads_the_shop_refuses(demo_shop, filename, method, body, answer):
    shop = demo_shop(file_limit=100)
    shop.login()

    reply = shop.call("file", method=method, body=body, filename=filename)

    assert (reply.status, reply.text) == (200, answer)


def test_zip_mode_unpacks_first_then_imports(demo_shop):
    shop = demo_shop(orders=1, zip=True)
    shop.login()
    [order] = shop.orders().values()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(
            "crm.xml",
            document(
                order_document("crm-1", str(order["id"]), requisites={"Статуса заказа ИД": "F"})
            ),
        )
    shop.upload("crm.zip", archive.getvalue())

    answers = [shop.call("import", filename="crm.xml").text for _ in range(2)]

    assert answers == ["progress\nРаспаковка архива завершена.\n", "success\n"]
    assert shop.orders()[order["id"]]["status"] == "F"


def test_zip_mode_refuses_a_plain_xml_upload(demo_shop):
    shop = demo_shop(zip=True)
    shop.login()
    shop.upload("crm.xml", document())

    assert shop.call("import", filename="crm.xml").text == "failure\nОшибка распаковки архива.\n"


def test_import_answers_progress_as_often_as_configured(demo_shop):
    shop = demo_shop(orders=1, import_progress_rounds=2)
    shop.login()
    shop.upload("crm.xml", document())

    answers = [shop.call("import", filename="crm.xml").text for _ in range(3)]

    assert answers == [
        "progress\nИмпорт заказов: шаг 1.\n",
        "progress\nИмпорт заказов: шаг 2.\n",
        "success\n",
    ]


def test_import_of_a_missing_or_broken_file_fails(demo_shop):
    shop = demo_shop()
    shop.login()
    shop.upload("broken.xml", "<КоммерческаяИнформация>".encode())

    assert shop.call("import", filename="none.xml").text == "failure\nФайл для импорта пуст.\n"
    assert shop.call("import", filename="broken.xml").text.startswith(
        "failure\nФайл не является корректным XML: no element found"
    )


# --- what an import does (Bitrix's rules, §4.3) ---------------------------------------------


def test_a_push_rewrites_an_open_orders_basket_from_the_document(demo_shop):
    # given an open order, and a document that forgot its lines (pitfall P13)
    shop = demo_shop(orders=1)
    shop.login()
    [order] = shop.orders().values()
    shop.control("POST", f"/demo/orders/{order['id']}", {"status": "N", "is_paid": False})

    push(shop, order_document("crm-1", str(order["id"]), lines=[("new-product", "100", "2")]))

    changed = shop.orders()[order["id"]]
    assert [(item["product_id"], item["quantity"]) for item in changed["items"]] == [
        ("new-product", "2")
    ]
    assert changed["delivery_price"] == "0"


def test_a_push_with_the_same_version_leaves_the_basket_alone(demo_shop):
    shop = demo_shop(orders=1)
    shop.login()
    [order] = shop.orders().values()
    shop.control("POST", f"/demo/orders/{order['id']}", {"status": "N", "is_paid": False})
    push(shop, order_document("crm-1", str(order["id"]), version="v1", lines=echo_lines(order)))

    push(shop, order_document("crm-1", str(order["id"]), version="v1", lines=[("other", "1", "1")]))

    assert shop.orders()[order["id"]]["items"] == order["items"]


def test_a_push_without_cancelled_true_uncancels_the_order(demo_shop):
    shop = demo_shop(orders=1)
    shop.login()
    [order] = shop.orders().values()
    shop.control("POST", f"/demo/orders/{order['id']}", {"is_cancelled": True})

    push(shop, order_document("crm-1", str(order["id"]), lines=echo_lines(order)))

    assert shop.orders()[order["id"]]["is_cancelled"] is False


def test_a_push_sets_payment_shipment_and_status_and_finds_the_order_by_its_guid_later(demo_shop):
    shop = demo_shop(orders=1)
    shop.login()
    [order] = shop.orders().values()
    push(shop, order_document("crm-7", str(order["id"]), lines=echo_lines(order)))

    # a later document finds the order by its Ид alone (Bitrix's ID_1C)
    answer = push(
        shop,
        order_document(
            "crm-7",
            "",
            version="v2",
            requisites={
                "Дата оплаты по 1С": "2024-05-01T11:59:00",
                "Номер оплаты по 1С": "ПП-1",
                "Дата отгрузки по 1С": "2024-05-02 09:00:00",
                "Номер отгрузки по 1С": "ОТГ-1",
                "Статуса заказа ИД": "ZZ",
            },
        ),
    )

    changed = shop.orders()[order["id"]]
    assert answer == "success\nДокумент с Ид - crm-7. Статус заказа «ZZ» на сайте не найден.\n"
    assert (changed["is_paid"], changed["paid_at"], changed["payment_number"]) == (
        True,
        "2024-05-01T11:59:00",
        "ПП-1",
    )
    assert (changed["is_delivery_allowed"], changed["shipment_number"], changed["status"]) == (
        True,
        "ОТГ-1",
        "F",
    )
    assert (changed["id_1c"], changed["version_1c"]) == ("crm-7", "v2")


def test_a_pushed_order_is_not_sent_back_but_a_later_site_change_is(demo_shop):
    shop = demo_shop(orders=2)
    shop.login()
    shop.call("query")
    shop.call("success")
    order = shop.orders()[min(shop.orders())]

    push(
        shop,
        order_document(
            "crm-1",
            str(order["id"]),
            lines=echo_lines(order),
            requisites={"Статуса заказа ИД": "P"},
        ),
    )
    after_push = queried_ids(shop)
    shop.control("POST", f"/demo/orders/{order['id']}", {"comment": "Изменён на сайте"})

    assert after_push == []
    assert queried_ids(shop) == [str(order["id"])]


def test_a_new_order_from_the_crm_is_created_unless_it_has_no_lines(demo_shop):
    shop = demo_shop(orders=1)
    shop.login()
    before = set(shop.orders())

    answer = push(
        shop,
        order_document("crm-new", "", lines=[("p-1", "100", "3"), ("ORDER_DELIVERY", "250", "1")]),
        order_document("crm-empty", "", lines=[]),
    )

    assert (
        answer == "success\nДокумент с Ид - crm-empty. Заказ не создан: в документе нет товаров.\n"
    )
    [new_id] = set(shop.orders()) - before
    created = shop.orders()[new_id]
    assert (created["id_1c"], created["is_external"], created["needs_export"]) == (
        "crm-new",
        True,
        True,
    )
    assert (created["total"], created["delivery_price"]) == ("550", "250")
    assert created["buyer"]["email"] == "p.petrov@mail.example"
    received = shop.control("GET", "/demo/received").json()["documents"]
    assert [(document["filename"], document["orders"]) for document in received] == [
        ("crm.xml", [new_id])
    ]
    assert "crm-empty" in received[0]["text"]


# --- the control API --------------------------------------------------------------------------


def test_create_an_order_generated_or_as_given(demo_shop):
    shop = demo_shop(orders=0)
    product_id = "a5f395d6-f38f-5884-ad8d-08146d5160b9"  # HM-606 in the demo catalog

    generated = shop.control("POST", "/demo/orders", {})
    given = shop.control(
        "POST",
        "/demo/orders",
        {
            "buyer": {
                "last_name": "Иванова",
                "first_name": "Ольга",
                "email": "o.ivanova@mail.example",
            },
            "items": [
                {"product_id": product_id, "quantity": 2},
                {"product_id": "x-1", "name": "Подарок", "price": "10"},
            ],
            "delivery_price": "0",
            "status": "P",
            "is_paid": True,
        },
    )

    assert (generated.status, given.status) == (201, 201)
    assert generated.json()["needs_export"] is True
    order = given.json()
    assert order["id"] == generated.json()["id"] + 1
    assert order["buyer"]["login"] == "o.ivanova"
    assert [(item["article"], item["quantity"], item["price"]) for item in order["items"]] == [
        ("HM-606", "2", "650"),
        ("", "1", "10"),
    ]
    assert (order["status"], order["is_paid"], order["total"]) == ("P", True, "1310")


@pytest.mark.parametrize(
    ("path", "data", "status", "error"),
    [
        ("/demo/orders/101", {"colour": "red"}, 400, "Unknown field(s) colour"),
        ("/demo/orders/101", {"status": "X"}, 400, "Unknown status 'X'"),
        ("/demo/orders/101", {"is_paid": "yes"}, 400, "is_paid: true or false"),
        ("/demo/orders/101", {"items": []}, 400, "items: a non-empty list"),
        ("/demo/orders/101", {"items": [{"product_id": "nope"}]}, 400, "not in the catalog"),
        ("/demo/orders/999", {"status": "P"}, 404, "No order 999."),
        ("/demo/nothing", {}, 404, "No POST /demo/nothing."),
    ],
)
def test_the_control_api_refuses_with_a_message(demo_shop, path, data, status, error):
    shop = demo_shop(orders=1)
    before = shop.orders()

    reply = shop.control("POST", path, {"delivery_price": "1", **data})

    assert reply.status == status
    assert error in reply.json()["error"]
    assert shop.orders() == before


@pytest.mark.parametrize(
    ("path", "length", "status"),
    [
        ("/demo/orders", "2000000", 413),
        ("/demo/orders", "many", 411),
        (f"{ENDPOINT}?type=sale&mode=file&filename=crm.xml", str(30 * 1024 * 1024), 413),
    ],
    ids=["json-too-large", "no-length", "upload-too-large"],
)
def test_a_body_is_refused_unread_when_too_large_or_of_unknown_length(
    demo_shop, path, length, status
):
    shop = demo_shop()
    connection = http.client.HTTPConnection(shop.host, shop.port, timeout=5)
    try:
        connection.putrequest("POST", path)
        connection.putheader("Content-Length", length)
        connection.endheaders()
        reply = Reply(connection.getresponse())
    finally:
        connection.close()

    assert reply.status == status


def test_reset_refuses_a_wrong_count(demo_shop):
    shop = demo_shop(orders=1)
    before = shop.orders()

    reply = shop.control("POST", "/demo/reset", {"orders": -1})

    assert (reply.status, reply.json()) == (400, {"error": "orders: a number from 0 to 1000."})
    assert shop.orders() == before


def test_a_body_that_is_not_json_is_refused(demo_shop):
    reply = demo_shop().request("POST", "/demo/orders", body=b"{nope")

    assert reply.status == 400
    assert reply.json()["error"].startswith("The body is not JSON")


def test_tick_changes_something_the_next_query_carries(demo_shop):
    shop = demo_shop(orders=3)
    shop.login()
    shop.call("query")
    shop.call("success")

    event = shop.control("POST", "/demo/tick").json()["event"]

    assert re.fullmatch(r"new order \d+ from .+|order \d+ (paid|shipped and done|cancelled)", event)
    assert len(queried_ids(shop)) == 1


def test_reset_starts_over(demo_shop):
    shop = demo_shop(orders=3)
    shop.control("POST", "/demo/orders", {})

    reply = shop.control("POST", "/demo/reset", {"orders": 0})

    assert reply.json() == {"orders": 0}
    assert shop.orders() == {}
    assert shop.control("GET", "/demo/received").json() == {"documents": []}


def test_the_index_page_lists_the_endpoints(demo_shop):
    reply = demo_shop().request("GET", "/")

    assert reply.status == 200
    assert ENDPOINT in reply.body.decode() and "POST /demo/orders/<id>" in reply.body.decode()


def test_concurrent_requests_each_get_their_own_order(demo_shop):
    shop = demo_shop(orders=0)
    ids = []

    def create():
        ids.append(shop.control("POST", "/demo/orders", {}).json()["id"])

    threads = [threading.Thread(target=create) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(ids) == list(range(101, 113))
    assert sorted(shop.orders()) == sorted(ids)


# --- persistence and the command line -------------------------------------------------------------


def test_the_state_survives_a_restart(demo_shop, tmp_path):
    data_path = tmp_path / "var" / "demo_shop.json"
    shop = demo_shop(orders=2, data_path=data_path)
    shop.login()
    [first, _] = shop.orders().values()
    push(
        shop,
        order_document(
            "crm-1",
            str(first["id"]),
            lines=echo_lines(first),
            requisites={"Статуса заказа ИД": "F"},
        ),
    )
    before = shop.orders()

    restarted = demo_shop(data_path=data_path)

    assert restarted.orders() == before
    assert len(restarted.control("GET", "/demo/received").json()["documents"]) == 1
    assert [path.name for path in data_path.parent.iterdir()] == ["demo_shop.json"]  # no temp files
    assert restarted.control("POST", "/demo/orders", {}).json()["id"] == max(before) + 1


def test_a_data_file_of_something_else_is_refused(tmp_path):
    data_path = tmp_path / "demo_shop.json"
    data_path.write_text('{"orders": []}')

    with pytest.raises(ValueError, match="is not a demo shop data file"):
        Shop(data_path=data_path)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_python_m_demo_shop_serves_ticks_and_stops_on_sigterm(tmp_path):
    port = free_port()
    data_path = tmp_path / "demo_shop.json"
    command = [sys.executable, "-m", "demo_shop", "--port", str(port), "--data", str(data_path)]
    process = subprocess.Popen(
        [*command, "--orders", "2", "--tick", "0.1"], cwd=ROOT, stderr=subprocess.PIPE, text=True
    )
    try:
        shop = DemoShop(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 10
        while True:
            try:
                versions = [order["version"] for order in shop.orders().values()]
            except OSError:
                assert time.monotonic() < deadline, "the demo shop did not start"
                time.sleep(0.05)
                continue
            if len(versions) > 2 or max(versions) > 1:  # a tick happened
                break
            assert time.monotonic() < deadline, "no tick happened"
            time.sleep(0.05)
        assert shop.login().text.startswith("zip=no\nfile_limit=204800\n")
    finally:
        process.send_signal(signal.SIGTERM)
        _, log = process.communicate(timeout=10)

    assert process.returncode == 0
    assert f"exchange URL http://127.0.0.1:{port}{ENDPOINT} (login crm)" in log
    assert "tick: " in log
    assert json.loads(data_path.read_text())["format"] == 1
