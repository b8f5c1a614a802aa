"""The CommerceML exchange client and writer against the demo shop over real HTTP on
127.0.0.1, plus a scripted stub server for the answers a well-behaved shop never gives."""

import contextlib
import datetime
import io
import shutil
import socket
import ssl
import subprocess
import threading
import zipfile
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from lxml import etree

from demo_shop.exchange import ENDPOINT
from shopsync.commerceml.client import ExchangeClient, ExchangeError
from shopsync.commerceml.parser import ParseStats, parse_orders
from shopsync.commerceml.writer import (
    NewOrder,
    NewOrderBuyer,
    NewOrderLine,
    StatusUpdate,
    new_order_document,
    status_document,
)
from tests.shopsync.conftest import LOGIN, PASSWORD

SAMPLES = Path("/work/shared/reference/commerceml-samples")
D = Decimal


def shop_local(*parts: int) -> datetime.datetime:
    """CommerceML carries no time zone: the writer takes naive, shop-local datetimes."""
    return datetime.datetime(*parts)  # noqa: DTZ001


def pull(client: ExchangeClient) -> tuple[list, ParseStats]:
    stats = ParseStats()
    return list(parse_orders(client.query(), stats=stats)), stats


def status_update(order=None, **changes) -> StatusUpdate:
    values = {
        "order_xml": order.xml if order else b"",
        "crm_id": "3f0c9a52-8d5e-4c53-9b7e-0a1d2c3b4a59",
        "version": "crm-1",
        "status_code": "P",
        "is_cancelled": False,
        "paid_at": shop_local(2024, 5, 1, 11, 59),
        "payment_number": "ПП-17",
        "shipped_at": None,
        "shipment_number": "",
    }
    return StatusUpdate(**{**values, **changes})


def basket(order) -> list[tuple]:
    return [
        (line.external_id, line.quantity, line.price, line.amount, line.vat_rate, line.is_delivery)
        for line in order.lines
    ]


# --- pull: checkauth, init, query, success ----------------------------------------------------


def test_open_query_success_then_the_next_query_holds_no_document(demo_shop):
    # given a shop with four orders nobody has pulled yet
    shop = demo_shop(orders=4)
    client = shop.client()

    # when
    session = client.open()
    orders, stats = pull(client)
    client.success()
    after_success, stats_after = pull(client)

    # then
    assert session.cookie_name == "PHPSESSID"
    assert session.cookie_value and session.sessid
    assert (session.zip, session.file_limit) == (False, 200 * 1024)
    assert stats.encoding == "windows-1251" and stats.schema_version == "2.08"
    shop_orders = shop.control("GET", "/demo/orders")["orders"]
    assert sorted(order.external_id for order in orders) == [str(o["id"]) for o in shop_orders]
    first = next(order for order in orders if order.external_id == str(shop_orders[0]["id"]))
    assert first.amount == D(shop_orders[0]["total"])
    assert first.buyer.emails == (shop_orders[0]["buyer"]["email"],)
    assert first.status_code == shop_orders[0]["status"]
    assert (stats_after.documents, after_success) == (0, [])


def test_an_order_changed_on_the_site_comes_again_alone(demo_shop):
    # given everything pulled and confirmed
    shop = demo_shop(orders=4)
    client = shop.client()
    client.open()
    orders, _ = pull(client)
    client.success()
    target = min(orders, key=lambda order: int(order.external_id))

    # when the shop marks one order paid
    shop.control("POST", f"/demo/orders/{target.external_id}", {"status": "P", "is_paid": True})
    changed, _ = pull(client)

    # then just that order comes again, paid, with a higher version
    assert [order.external_id for order in changed] == [target.external_id]
    assert (changed[0].status_code, changed[0].is_paid) == ("P", True)
    assert int(changed[0].version) > int(target.version)


def test_a_wrong_password_is_refused_for_good_without_the_password_in_the_message(demo_shop):
    shop = demo_shop()
    client = ExchangeClient(url=shop.url, login=LOGIN, password="wrong-Pa55word")

    with pytest.raises(ExchangeError) as raised:
        client.open()

    assert raised.value.retryable is False
    assert "Неверное имя пользователя или пароль" in str(raised.value)
    assert "wrong-Pa55word" not in str(raised.value)


def test_a_stopped_shop_is_worth_retrying(demo_shop):
    shop = demo_shop()
    shop.running.stop()

    with pytest.raises(ExchangeError) as raised:
        shop.client(timeout=2).open()

    assert raised.value.retryable is True
    assert PASSWORD not in str(raised.value)


def test_a_shop_that_never_answers_times_out_and_is_worth_retrying():
    # a socket that accepts connections (the backlog) but never answers
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}{ENDPOINT}"
        client = ExchangeClient(url=url, login=LOGIN, password=PASSWORD, timeout=0.3)

        with pytest.raises(ExchangeError) as raised:
            client.open()

    assert raised.value.retryable is True
    assert "no answer within 0.3 s" in str(raised.value)


def test_an_untrusted_certificate_is_not_worth_retrying(tmp_path):
    # given an HTTPS server with a self-signed certificate
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    key, certificate = tmp_path / "key.pem", tmp_path / "certificate.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(certificate)],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate, key)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]

        def handshake():
            connection, _ = listener.accept()
            with contextlib.suppress(ssl.SSLError, OSError):
                context.wrap_socket(connection, server_side=True).close()
            connection.close()

        server = threading.Thread(target=handshake, daemon=True)
        server.start()
        client = ExchangeClient(
            url=f"https://127.0.0.1:{port}{ENDPOINT}", login=LOGIN, password=PASSWORD
        )

        # when
        with pytest.raises(ExchangeError) as raised:
            client.open()
        server.join(timeout=5)

    # then
    assert raised.value.retryable is False
    assert "certificate at 127.0.0.1 is not trusted (checkauth)" in str(raised.value)


def test_a_query_over_max_bytes_is_refused(demo_shop):
    shop = demo_shop(orders=4)
    client = shop.client(max_bytes=2000)
    client.open()

    with pytest.raises(ExchangeError) as raised:
        client.query()

    assert raised.value.retryable is False
    assert "larger than the limit of 2000 bytes" in str(raised.value)


def test_calls_before_open_are_a_programming_error(demo_shop):
    with pytest.raises(RuntimeError):
        demo_shop().client().upload("status.xml", b"<x/>")


# --- push: file + import -----------------------------------------------------------------------


def test_a_status_push_is_applied_and_the_kept_document_has_the_full_basket(demo_shop):
    # given an order pulled from the shop
    shop = demo_shop(orders=3)
    client = shop.client()
    client.open()
    orders, _ = pull(client)
    client.success()
    order = next(order for order in orders if order.status_code != "P")
    document = status_document([status_update(order, status_code="P")])

    # when the CRM pushes its status
    answer = client.upload("crm-status.xml", document)

    # then the shop applied it, kept the document, and does not send the order back
    assert answer == "success"
    changed = shop.control("GET", f"/demo/orders/{order.external_id}")
    assert (changed["status"], changed["is_paid"], changed["payment_number"]) == (
        "P",
        True,
        "ПП-17",
    )
    assert changed["id_1c"] == "3f0c9a52-8d5e-4c53-9b7e-0a1d2c3b4a59"
    kept = shop.control("GET", "/demo/received")["documents"][-1]
    assert kept["filename"] == "crm-status.xml"
    assert kept["orders"] == [int(order.external_id)]
    [echoed] = parse_orders(kept["text"].encode())
    assert basket(echoed) == basket(order)
    assert echoed.number == order.external_id
    assert pull(client)[0] == []


def test_a_zipped_chunked_push_with_progress_answers_is_applied(demo_shop):
    # given a shop that wants ZIPs in chunks of 256 bytes and answers 'progress' twice
    shop = demo_shop(orders=3, zip=True, file_limit=256, import_progress_rounds=2)
    client = shop.client()
    session = client.open()
    orders, _ = pull(client)
    order = orders[0]
    document = status_document(
        [status_update(order, status_code="F", shipped_at=shop_local(2024, 5, 2, 9, 0))],
        encoding="windows-1251",
    )
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("crm-status.xml", document)
    assert len(zipped.getvalue()) > 2 * session.file_limit  # so it goes in several chunks

    # when
    answer = client.upload("crm-status.xml", document)

    # then (the shop refuses a chunk over file_limit and a plain XML in zip mode)
    assert session.zip is True
    assert answer == "success"
    changed = shop.control("GET", f"/demo/orders/{order.external_id}")
    assert (changed["status"], changed["is_delivery_allowed"]) == ("F", True)
    kept = shop.control("GET", "/demo/received")["documents"][-1]
    assert kept["filename"] == "crm-status.xml"
    [echoed] = parse_orders(kept["text"].encode("cp1251"))
    assert basket(echoed) == basket(order)


def test_a_push_that_cannot_change_the_basket_returns_the_shops_warning(demo_shop):
    # given a paid order, and a push that drops one of its lines
    shop = demo_shop(orders=1)
    client = shop.client()
    client.open()
    [order], _ = pull(client)
    shop.control("POST", f"/demo/orders/{order.external_id}", {"is_paid": True, "status": "P"})
    received = etree.fromstring(order.xml)
    lines = received.find("{*}Товары")
    lines.remove(lines[0])

    # when
    answer = client.upload(
        "crm-status.xml",
        status_document(
            [status_update(order, order_xml=etree.tostring(received, encoding="UTF-8"))]
        ),
    )

    # then: success, with the shop's line about the order it could not change
    status, warning = answer.split("\n")
    assert status == "success"
    assert warning == (
        f"Документ с Ид - 3f0c9a52-8d5e-4c53-9b7e-0a1d2c3b4a59. Заказ №{order.external_id} не "
        "может быть изменен (находится в финальном статусе, оплачен или разрешена доставка)."
    )


def test_a_refused_document_is_not_retryable_and_says_what_the_shop_answered(demo_shop):
    client = demo_shop().client()
    client.open()

    with pytest.raises(ExchangeError) as raised:
        client.upload("broken.xml", b"<\xca\xee\xec\xec\xe5\xf0")

    assert raised.value.retryable is False
    assert "Файл не является корректным XML" in str(raised.value)


def test_a_new_order_is_created_in_the_shop_and_exported_on_the_next_query(demo_shop):
    # given a shop whose orders were all pulled
    shop = demo_shop(orders=2)
    client = shop.client()
    client.open()
    pull(client)
    client.success()
    crm_order = new_order(number="CRM-1024")

    # when the CRM uploads an order created in the CRM
    answer = client.upload("crm-new-order.xml", new_order_document(crm_order))
    exported, _ = pull(client)

    # then the shop created it under its own ID and sends it with the CRM's GUID in Номер1С
    assert answer == "success"
    [created] = [o for o in shop.control("GET", "/demo/orders")["orders"] if o["is_external"]]
    assert created["id_1c"] == crm_order.crm_id
    [order] = exported
    assert order.external_id == str(created["id"])
    assert etree.fromstring(order.xml).findtext("{*}Номер1С") == crm_order.crm_id
    assert order.amount == D("1327.00")
    assert order.buyer.emails == ("a.sokolova@mail.example",)
    assert order.buyer.phones == ("+7 915 123-45-67",)
    assert basket(order) == [
        ("a5f395d6-f38f-5884-ad8d-08146d5160b9", D(2), D("489.00"), D("978.00"), None, False),
        ("ORDER_DELIVERY", D(1), D("349.00"), D("349.00"), None, True),
    ]


# --- answers a well-behaved shop never gives: a scripted stub server -------------------------


class ScriptedShop:
    """Answers each mode with a fixed (HTTP status, body); records the requests."""

    def __init__(self, answers: dict[str, tuple[int, bytes]]):
        self.answers = answers
        self.requests: list[dict] = []
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                self._answer()

            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self._answer()

            def _answer(self):
                parameters = {
                    key: values[0] for key, values in parse_qs(urlsplit(self.path).query).items()
                }
                scripted.requests.append({**parameters, "cookie": self.headers.get("Cookie")})
                status, body = scripted.answers[parameters["mode"]]
                self.send_response(status)
                if status in (301, 302):
                    self.send_header("Location", "https://elsewhere.example/exchange")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{ENDPOINT}"

    def client(self, **options) -> ExchangeClient:
        return ExchangeClient(url=self.url, login=LOGIN, password=PASSWORD, **options)


@pytest.fixture
def scripted_shop():
    started = []

    def make(**answers: tuple[int, bytes]) -> ScriptedShop:
        answers = {
            "checkauth": (200, b"success\nPHPSESSID\nabc123\nsessid=tok\n"),
            "init": (200, b"zip=no\nfile_limit=0\nsessid=tok\nversion=2.09"),
            **answers,
        }
        scripted = ScriptedShop(answers)
        started.append(scripted)
        return scripted

    yield make
    for scripted in started:
        scripted.server.shutdown()
        scripted.server.server_close()


def test_an_old_three_line_checkauth_with_bom_and_blank_lines_is_understood(scripted_shop):
    shop = scripted_shop(
        checkauth=(200, b"\xef\xbb\xbf\n\nsuccess\r\nwc1c-auth\r\nxyz\r\n"),
        init=(200, b"zip=no\nfile_limit=1000\n"),
        success=(200, b"success\n"),
    )
    client = shop.client()

    session = client.open()
    client.success()

    assert session == type(session)("wc1c-auth", "xyz", "", zip=False, file_limit=1000)
    assert [request.get("sessid") for request in shop.requests] == [None, None, None]
    assert shop.requests[-1]["cookie"] == "wc1c-auth=xyz"
    assert shop.requests[-1]["version"] == "2.08"


def test_a_query_document_is_handed_on_as_raw_bytes(scripted_shop):
    document = b'\xef\xbb\xbf\n<?xml version="1.0"?><root/>'
    client = scripted_shop(query=(200, document)).client()
    client.open()

    assert client.query() == document


@pytest.mark.parametrize(
    ("answer", "retryable", "says"),
    [
        ((503, b"Service Unavailable"), True, "HTTP 503"),
        ((500, b"Internal Server Error"), True, "HTTP 500"),
        ((404, b"Not Found"), False, "HTTP 404"),
        ((302, b""), False, "redirected query (HTTP 302) to https://elsewhere.example/exchange"),
        (
            (200, b"\n<!DOCTYPE html><html><body>502 Bad Gateway</body></html>"),
            False,
            "not understood",
        ),
        ((200, b"Fatal error: Allowed memory size exhausted"), False, "not understood"),
        (
            (200, b"failure\n\xce\xf8\xe8\xe1\xea\xe0 \xe4\xee\xf1\xf2\xf3\xef\xe0"),
            False,
            "Ошибка доступа",
        ),
    ],
    ids=["503", "500", "404", "redirect", "html-page", "php-error", "failure"],
)
def test_query_answers_are_classified(scripted_shop, answer, retryable, says):
    client = scripted_shop(query=answer).client()
    client.open()

    with pytest.raises(ExchangeError) as raised:
        client.query()

    assert raised.value.retryable is retryable
    assert says in str(raised.value)


def test_a_shop_answering_progress_forever_is_worth_retrying(scripted_shop):
    shop = scripted_shop(file=(200, b"success\n"), **{"import": (200, b"progress\n")})
    client = shop.client(max_import_rounds=5)
    client.open()

    with pytest.raises(ExchangeError) as raised:
        client.upload("status.xml", b"<x/>")

    assert raised.value.retryable is True
    assert sum(request["mode"] == "import" for request in shop.requests) == 5


def test_error_from_success_and_failure_from_file_are_not_retryable(scripted_shop):
    shop = scripted_shop(success=(200, b"error\n"), file=(200, b"failure\nDisk full\n"))
    client = shop.client()
    client.open()

    with pytest.raises(ExchangeError) as success_error:
        client.success()
    with pytest.raises(ExchangeError) as file_error:
        client.upload("status.xml", b"<x/>")

    assert success_error.value.retryable is False
    assert file_error.value.retryable is False
    assert "Disk full" in str(file_error.value)


def test_a_shop_echoing_the_password_does_not_put_it_in_the_message(scripted_shop):
    client = scripted_shop(checkauth=(200, f"failure\nbad login {PASSWORD}".encode())).client()

    with pytest.raises(ExchangeError) as raised:
        client.open()

    assert PASSWORD not in str(raised.value)
    assert "bad login ***" in str(raised.value)


# --- the writer -----------------------------------------------------------------------------


def sample_orders() -> list:
    return [
        pytest.param(order, id=f"{path.name[:30]}-{order.external_id}")
        for path in sorted(SAMPLES.glob("*.xml"))
        for order in parse_orders(path)
    ]


@pytest.mark.parametrize("order", sample_orders())
def test_a_status_document_echoes_the_basket_of_every_sample_order(order):
    # when
    document = status_document(
        [
            status_update(
                order,
                is_cancelled=True,
                shipped_at=shop_local(2024, 5, 2, 9, 30),
                shipment_number="ОТГ-1",
            )
        ]
    )

    # then it parses back: same basket, taxes and buyer; our Ид, the shop's Ид as Номер
    stats = ParseStats()
    [echoed] = parse_orders(document, stats=stats)
    assert stats.schema_version == "2.08"
    assert echoed.external_id == "3f0c9a52-8d5e-4c53-9b7e-0a1d2c3b4a59"
    assert echoed.number == order.external_id
    assert echoed.version == "crm-1"
    assert basket(echoed) == basket(order)
    assert echoed.taxes == order.taxes
    assert echoed.amount == order.amount
    assert echoed.buyer.external_id == order.buyer.external_id
    assert echoed.requisites == (
        ("Статуса заказа ИД", "P"),
        ("Отменен", "true"),
        ("Дата оплаты по 1С", "2024-05-01T11:59:00"),
        ("Номер оплаты по 1С", "ПП-17"),
        ("Дата отгрузки по 1С", "2024-05-02T09:30:00"),
        ("Номер отгрузки по 1С", "ОТГ-1"),
    )
    assert echoed.comment == ""
    assert "<Комментарий".encode() not in document
    assert b"urn:1C.ru" not in document
    # every line says what it is, the delivery line a service
    for line in echoed.lines:
        assert dict(line.requisites)["ТипНоменклатуры"] == (
            "Услуга" if line.is_delivery else line_type(line)
        )


def line_type(line) -> str:
    return "Услуга" if line.is_service else "Товар"


def test_a_status_document_has_no_payment_or_shipment_requisites_until_they_are_set():
    [order] = parse_orders(
        SAMPLES / "irpsv__commerceml__tests__assets__off-doc-1c__orders.at-41056aa.xml"
    )

    document = status_document([status_update(order, paid_at=None, status_code="N")])

    [echoed] = parse_orders(document)
    assert echoed.requisites == (("Статуса заказа ИД", "N"), ("Отменен", "false"))
    assert (echoed.is_paid, echoed.is_cancelled, echoed.is_shipped) == (False, False, False)


def test_a_windows_1251_document_writes_other_characters_as_references():
    [order] = parse_orders(SAMPLES / "carono__yii2-1c-exchange__files__xml__to.xml")

    document = status_document(
        [status_update(order, payment_number="Оплата 100 ₽ 😀")], encoding="windows-1251"
    )

    assert document.startswith(b'<?xml version="1.0" encoding="windows-1251"?>')
    assert b"&#8381;" in document and b"&#128512;" in document
    assert "Оплата 100".encode("cp1251") in document
    [echoed] = parse_orders(document)
    assert echoed.requisite("Номер оплаты по 1С") == "Оплата 100 ₽ 😀"


def test_several_orders_go_in_one_document():
    orders = list(
        parse_orders(SAMPLES / "ArgentCrusade__commerceml__tests__fixtures__documents-example.xml")
    )

    document = status_document(
        [status_update(order, crm_id=f"crm-{order.external_id}") for order in orders]
    )

    assert [(o.external_id, o.number) for o in parse_orders(document)] == [
        ("crm-142", "142"),
        ("crm-235", "235"),
    ]


def test_status_document_refuses_what_is_not_an_order():
    with pytest.raises(ValueError, match="at least one order"):
        status_document([])
    with pytest.raises(ValueError, match="not a <Документ>"):
        status_document([status_update(None, order_xml="<Товар><Ид>1</Ид></Товар>".encode())])
    with pytest.raises(ValueError, match="not well-formed"):
        status_document([status_update(None, order_xml="<Документ>".encode())])


def new_order(**changes) -> NewOrder:
    values = {
        "crm_id": "9b2e4a61-2f5c-4d8e-a1b3-7c6d5e4f3a21",
        "number": "",
        "created_at": shop_local(2024, 5, 3, 14, 5, 0),
        "currency": "руб",
        "buyer": NewOrderBuyer(
            crm_id="c0ffee00-0000-4000-8000-000000000001",
            name="Соколова Анна Игоревна",
            email="a.sokolova@mail.example",
            phone="+7 915 123-45-67",
            address="249030, Обнинск, ул. Ленина, д. 1",
        ),
        "lines": (
            NewOrderLine(
                product_id="a5f395d6-f38f-5884-ad8d-08146d5160b9",
                name="Гель для стирки «ЭкоЧист», 1,5 л",
                price=D("489.00"),
                quantity=D(2),
            ),
        ),
        "delivery_price": D("349.00"),
    }
    return NewOrder(**{**values, **changes})


def test_a_new_order_document_parses_back():
    order = new_order(
        number="CRM-1024",
        status_code="N",
        paid_at=shop_local(2024, 5, 3, 14, 30),
        payment_number="СБП-77",
        buyer=NewOrderBuyer(crm_id="c-2", name="ООО «Ромашка»", inn="7707083893", kpp="770701001"),
    )

    [parsed] = parse_orders(new_order_document(order, encoding="windows-1251"))

    assert (parsed.external_id, parsed.number) == (order.crm_id, "CRM-1024")
    assert (parsed.date, parsed.time) == (datetime.date(2024, 5, 3), datetime.time(14, 5))
    assert (parsed.currency, parsed.amount) == ("RUB", D("1327.00"))
    assert (parsed.buyer.official_name, parsed.buyer.inn, parsed.buyer.kpp) == (
        "ООО «Ромашка»",
        "7707083893",
        "770701001",
    )
    assert basket(parsed) == [
        ("a5f395d6-f38f-5884-ad8d-08146d5160b9", D(2), D("489.00"), D("978.00"), None, False),
        ("ORDER_DELIVERY", D(1), D("349.00"), D("349.00"), None, True),
    ]
    assert [line.is_service for line in parsed.lines] == [False, True]
    assert parsed.requisites == (
        ("Статуса заказа ИД", "N"),
        ("Отменен", "false"),
        ("Дата оплаты по 1С", "2024-05-03T14:30:00"),
        ("Номер оплаты по 1С", "СБП-77"),
    )


def test_a_new_order_without_delivery_has_no_delivery_line():
    [parsed] = parse_orders(new_order_document(new_order(delivery_price=D(0))))

    assert [line.external_id for line in parsed.lines] == ["a5f395d6-f38f-5884-ad8d-08146d5160b9"]
    assert parsed.amount == D("978.00")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"number": "1024"}, "bare number"),
        ({"crm_id": " "}, "CRM GUID"),
        ({"lines": ()}, "at least one line"),
    ],
)
def test_a_new_order_document_refuses_what_the_shop_would_misread(changes, message):
    with pytest.raises(ValueError, match=message):
        new_order_document(new_order(**changes))
