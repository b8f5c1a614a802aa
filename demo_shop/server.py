"""The demo shop's HTTP server: the 1C exchange endpoint and a small JSON control API.

Control API (no authentication, so answered to loopback clients only):

    GET  /demo/orders               {"orders": [...]}
    GET  /demo/orders/<id>          one order
    POST /demo/orders               create an order: {} generates one; or give any of
                                    buyer {last_name, first_name, middle_name, email, phone,
                                    address, company, inn, kpp}, items [{product_id,
                                    quantity[, name, price]}], delivery_price, status,
                                    is_paid, is_cancelled, comment
    POST /demo/orders/<id>          change it on the site: status, is_paid, is_cancelled,
                                    items, delivery_price, comment
    POST /demo/tick                 one "changes over time" step now: {"event": "..."}
    GET  /demo/received             {"documents": [...]}: uploaded by the CRM, newest last
    POST /demo/reset                start over: {} or {"orders": <how many to generate>}
"""

import ipaddress
import json
import logging
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from demo_shop.exchange import ENDPOINT, MAX_FILE_BYTES, Exchange, ExchangeSettings
from demo_shop.shop import Shop, UnknownOrder

logger = logging.getLogger("demo_shop")

MAX_JSON_BYTES = 1024 * 1024
MAX_RESET_ORDERS = 1000


class RunningShop:
    """A demo shop serving in background threads until `stop()`."""

    def __init__(
        self, server: "_Server", threads: list[threading.Thread], ticker: "_Ticker | None"
    ):
        self._server = server
        self._threads = threads
        self._ticker = ticker
        host, port = server.server_address[:2]
        self.url = f"http://{host}:{port}"
        self.exchange_url = self.url + ENDPOINT

    def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.stop()
        self._server.shutdown()
        self._server.server_close()
        for thread in self._threads:
            thread.join()


def start(
    shop: Shop,
    settings: ExchangeSettings,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    tick: float = 0,
) -> RunningShop:
    """Serve `shop` on host:port (port 0: a free one) and, every `tick` seconds (0: never),
    let something happen to its orders."""
    server = _Server((host, port), shop, Exchange(shop, settings))
    serving = threading.Thread(
        # a short poll: stop() returns within it
        target=server.serve_forever,
        args=(0.05,),
        name="demo-shop-http",
        daemon=True,
    )
    serving.start()
    ticker = None
    if tick > 0:
        ticker = _Ticker(shop, tick)
        ticker.start()
    return RunningShop(server, [serving], ticker)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64  # the default 5 drops a burst of connections for a second

    def __init__(self, address: tuple[str, int], shop: Shop, exchange: Exchange):
        super().__init__(address, _Handler)
        self.shop = shop
        self.exchange = exchange


class _Ticker(threading.Thread):
    def __init__(self, shop: Shop, interval: float):
        super().__init__(name="demo-shop-ticks", daemon=True)
        self._shop = shop
        self._interval = interval
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.wait(self._interval):
            logger.info("tick: %s", self._shop.tick())

    def stop(self) -> None:
        self._stopping.set()
        self.join()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "DemoShop/1.0"

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        logger.info("%s %s", self.address_string(), format % args)

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        if url.path == ENDPOINT:
            self._exchange(method, url.query)
        elif url.path.startswith("/demo/"):
            self._control(method, url.path)
        elif url.path == "/" and method == "GET":
            self._send(HTTPStatus.OK, _INDEX.encode(), "text/plain; charset=utf-8")
        else:
            self._send_json(HTTPStatus.NOT_FOUND, {"error": f"No page {url.path}."})

    def _exchange(self, method: str, query: str) -> None:
        parameters = dict(parse_qsl(query, keep_blank_values=True))
        body = None
        if method == "POST":
            body = self._body(MAX_FILE_BYTES)
            if body is None:
                return
            content_type = self.headers.get_content_type()
            if content_type == "application/x-www-form-urlencoded":
                # Bitrix also takes mode=query and sessid from a form body
                parameters.update(parse_qsl(body.decode("latin-1"), keep_blank_values=True))
        answer = self.server.exchange.handle(
            parameters,
            authorization=self.headers.get("Authorization", ""),
            cookie=self.headers.get("Cookie", ""),
            body=body,
        )
        self._send(HTTPStatus.OK, answer.body, answer.content_type, answer.headers)

    def _control(self, method: str, path: str) -> None:
        if not ipaddress.ip_address(self.client_address[0]).is_loopback:
            self._send_json(HTTPStatus.FORBIDDEN, {"error": "The control API is for loopback."})
            return
        shop = self.server.shop
        route = path.strip("/").split("/")[1:]
        try:
            match method, route:
                case "GET", ["orders"]:
                    self._send_json(HTTPStatus.OK, {"orders": shop.orders()})
                case "GET", ["orders", order_id] if order_id.isdigit():
                    self._send_json(HTTPStatus.OK, shop.order(int(order_id)))
                case "POST", ["orders"]:
                    self._send_json(HTTPStatus.CREATED, shop.create_order(self._json()))
                case "POST", ["orders", order_id] if order_id.isdigit():
                    self._send_json(HTTPStatus.OK, shop.change_order(int(order_id), self._json()))
                case "POST", ["tick"]:
                    self._send_json(HTTPStatus.OK, {"event": shop.tick()})
                case "GET", ["received"]:
                    self._send_json(HTTPStatus.OK, {"documents": shop.received()})
                case "POST", ["reset"]:
                    shop.reset(_order_count(self._json()))
                    self._send_json(HTTPStatus.OK, {"orders": len(shop.orders())})
                case _:
                    self._send_json(HTTPStatus.NOT_FOUND, {"error": f"No {method} {path}."})
        except _BodyRefused:
            return
        except UnknownOrder as error:
            self._send_json(HTTPStatus.NOT_FOUND, {"error": str(error)})
        except ValueError as error:
            self._send_json(HTTPStatus.BAD_REQUEST, {"error": str(error)})

    def _json(self) -> dict:
        body = self._body(MAX_JSON_BYTES)
        if body is None:
            raise _BodyRefused
        if not body.strip():
            return {}
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValueError(f"The body is not JSON: {error}") from None
        if not isinstance(data, dict):
            raise ValueError("The body must be a JSON object.")
        return data

    def _body(self, limit: int) -> bytes | None:
        """The request body, or None once a refusal was sent."""
        length = self.headers.get("Content-Length", "0")
        if not length.isdigit():
            self._send_json(HTTPStatus.LENGTH_REQUIRED, {"error": "Content-Length is needed."})
            return None
        if int(length) > limit:
            self._send_json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": f"Over {limit} bytes."})
            return None
        return self.rfile.read(int(length))

    def _send_json(self, status: HTTPStatus, data: dict) -> None:
        body = json.dumps(data, ensure_ascii=False, indent=1).encode()
        self._send(status, body, "application/json; charset=utf-8")

    def _send(
        self,
        status: HTTPStatus,
        body: bytes,
        content_type: str,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class _BodyRefused(Exception):
    """The body was refused and the answer sent already."""


def _order_count(data: dict) -> int | None:
    count = data.get("orders")
    if count is None:
        return None
    if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= MAX_RESET_ORDERS:
        raise ValueError(f"orders: a number from 0 to {MAX_RESET_ORDERS}.")
    return count


_INDEX = (
    "Demo shop: the 1C-Bitrix side of the CommerceML exchange\n\n"
    f"Exchange endpoint: {ENDPOINT}?type=sale&mode=checkauth|init|query|success|file|import\n\n"
    "Control API" + __doc__.split("Control API", 1)[1]
)
