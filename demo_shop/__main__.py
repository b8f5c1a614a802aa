"""`python -m demo_shop`: run the demo shop until Ctrl+C or SIGTERM."""

import argparse
import logging
import signal
import threading
from pathlib import Path

from demo_shop.exchange import DEFAULT_FILE_LIMIT, ExchangeSettings
from demo_shop.server import start
from demo_shop.shop import Shop


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m demo_shop",
        description="A small CommerceML shop (the 1C-Bitrix side of the 1C exchange).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8010)
    parser.add_argument(
        "--data", type=Path, default=Path("var/demo_shop.json"), help="the state file"
    )
    parser.add_argument("--login", default="crm", help="the exchange user")
    parser.add_argument("--password", default="demo", help="the exchange user's password")
    parser.add_argument(
        "--tick", type=float, default=60, help="seconds between order events (0: never)"
    )
    parser.add_argument("--zip", action="store_true", help="init answers zip=yes")
    parser.add_argument("--file-limit", type=int, default=DEFAULT_FILE_LIMIT, help="bytes")
    parser.add_argument(
        "--import-progress",
        type=int,
        default=0,
        help="how often import answers 'progress' before it imports",
    )
    parser.add_argument(
        "--encoding", choices=["windows-1251", "utf-8"], default="windows-1251", help="of query"
    )
    parser.add_argument("--page-size", type=int, default=0, help="orders per query (0: all)")
    parser.add_argument("--orders", type=int, default=36, help="orders generated on first start")
    parser.add_argument("--seed", type=int, default=1, help="of the generated orders")
    arguments = parser.parse_args()

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    shop = Shop(data_path=arguments.data, initial_orders=arguments.orders, seed=arguments.seed)
    settings = ExchangeSettings(
        login=arguments.login,
        password=arguments.password,
        zip=arguments.zip,
        file_limit=arguments.file_limit,
        import_progress_rounds=arguments.import_progress,
        encoding=arguments.encoding,
        page_size=arguments.page_size,
    )
    running = start(shop, settings, host=arguments.host, port=arguments.port, tick=arguments.tick)
    logging.info(
        "demo shop on %s: exchange URL %s (login %s), control API %s/demo/orders",
        running.url,
        running.exchange_url,
        arguments.login,
        running.url,
    )
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        stopping.wait()
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()


if __name__ == "__main__":
    main()
