"""Benchmark "commerceml": one CommerceML 2.08 document of N orders, as a Bitrix shop answers
`query`, ingested by shopsync.documents.document_ingest (kept on a sync run, read order by
order, each order through the intake in its own savepoint).

The document is generated here, streamed to a temporary file (windows-1251, like Bitrix):
each order has its buyer (one customer in three orders again, so contacts are matched, not
only created), two or three product lines from a catalogue of 500 shop products, and a
delivery line; one order in four is paid. The bench makes its own shop ("Бенчмарк: магазин",
pool assignment: no notifications) and deletes what an earlier run of it left (its deals,
their contacts, its runs) first, so every run ingests N new orders.

Figures: orders_per_s (orders / seconds of document_ingest, the kept copy of the document
included), peak_rss_mb (the process's peak resident memory, read from the kernel at the end:
the parser reads in constant memory, so it must stay flat as N grows), and the run's
created / failed counts (every order must be created, none failed).
"""

import random
import resource
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from django.db import connection, transaction
from django.test.utils import override_settings

from contacts.models import Contact
from deals.models import Deal
from shopsync.documents import document_ingest
from shopsync.models import Shop, ShopCustomer, ShopOrder, SyncRun

from . import fake_data
from .reference_data import reference_data_ensure
from .reporting import log, report

BENCH = "commerceml"
SHOP_NAME = "Бенчмарк: магазин"
PRODUCTS = 500


def run(*, size: int, seed: int) -> None:
    reference_data_ensure(manager_count=10)  # currencies, pipelines, users
    shop = _fresh_shop()
    _plan_for_growing_tables()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "orders.xml"
        _write_document(path, size=size, rng=random.Random(seed))
        log(f"generated {size} orders: {path.stat().st_size / 2**20:.1f} MB")
        with override_settings(DEBUG=False), path.open("rb") as document:
            started = time.perf_counter()
            sync_run = document_ingest(shop=shop, document=document, kind=SyncRun.Kind.UPLOAD)
            seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    log(f"{sync_run.created} created, {sync_run.failed} failed in {seconds:.1f} s")
    for error in sync_run.errors[:5]:
        log(f"  {error['order']}: {error['reason']}")
    report(bench=BENCH, metric="orders_per_s", value=round(size / seconds, 1), unit="orders/s",
           size=size)  # fmt: skip
    report(bench=BENCH, metric="peak_rss_mb", value=round(peak_mb, 1), unit="MB", size=size)
    report(bench=BENCH, metric="created", value=sync_run.created, unit="orders", size=size)
    report(bench=BENCH, metric="failed", value=sync_run.failed, unit="orders", size=size)


def _fresh_shop() -> Shop:
    """The bench's shop, emptied of what an earlier run left (in chunks: the deletion
    collector holds what it deletes in memory, and peak_rss_mb is the ingest's)."""
    shop = Shop.objects.filter(name=SHOP_NAME).first()
    if shop is None:
        return Shop.objects.create(name=SHOP_NAME, assignment=Shop.Assignment.POOL)
    for model, ids in (
        (Deal, ShopOrder.objects.filter(shop=shop).values_list("deal_id", flat=True)),
        (Contact, ShopCustomer.objects.filter(shop=shop).values_list("contact_id", flat=True)),
    ):
        ids = list(ids)
        for start in range(0, len(ids), 1000):
            with transaction.atomic():
                model.objects.filter(pk__in=ids[start : start + 1000]).delete()
    for sync_run in SyncRun.objects.filter(shop=shop):
        sync_run.document.delete(save=False)
    SyncRun.objects.filter(shop=shop).delete()
    if connection.vendor == "postgresql":  # the deleted rows' index entries would slow lookups
        with connection.cursor() as cursor:
            for model in (ShopOrder, ShopCustomer, Deal, Contact):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    return shop


def _plan_for_growing_tables() -> None:
    """Have this session plan its foreign key checks for the tables' size at the time.

    The cleanup leaves the statistics saying the deal and contact tables are empty, and
    PostgreSQL keeps a session's plan of each foreign key check once it has run a few times:
    planned for empty tables, every check then reads the whole table, so the ingest slowed
    down with N squared. In a CRM in use (or once autovacuum, off on some servers, analyses
    the growing tables) the checks are index lookups; custom plans give the same here, at
    the price of planning each check."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET plan_cache_mode = force_custom_plan")


def _write_document(path: Path, *, size: int, rng: random.Random) -> None:
    with path.open("w", encoding="windows-1251", errors="xmlcharrefreplace") as out:
        out.write('<?xml version="1.0" encoding="windows-1251"?>\n'
                  '<КоммерческаяИнформация ВерсияСхемы="2.08" '
                  'ДатаФормирования="2026-11-24T10:00:00">\n')  # fmt: skip
        for number in range(1, size + 1):
            out.write(_order(number, rng))
        out.write("</КоммерческаяИнформация>\n")


def _order(number: int, rng: random.Random) -> str:
    customer = rng.randint(1, max(1, number // 3 + 1))  # some buyers come back
    person = fake_data.person(random.Random(customer))
    lines, total = [], Decimal(0)
    for _ in range(rng.randint(2, 3)):
        product = rng.randint(1, PRODUCTS)
        price, quantity = Decimal(100 + product * 7), rng.randint(1, 4)
        total += price * quantity
        lines.append(_line(f"bench-product-{product}", f"Товар {product}", price, quantity))
    total += Decimal(300)
    lines.append(_line("ORDER_DELIVERY", "Доставка заказа", Decimal(300), 1))
    paid = "true" if number % 4 == 0 else "false"
    return f"""<Документ><Ид>{number}</Ид><Номер>B-{number}</Номер><Дата>2026-11-20</Дата>
<ХозОперация>Заказ товара</ХозОперация><Роль>Продавец</Роль><Валюта>руб</Валюта><Курс>1</Курс>
<Сумма>{total}</Сумма><Контрагенты><Контрагент><Ид>{customer}#user{customer}#</Ид>
<Наименование>{escape(person.last_name)} {escape(person.first_name)}</Наименование>
<Роль>Покупатель</Роль><Фамилия>{escape(person.last_name)}</Фамилия>
<Имя>{escape(person.first_name)}</Имя><Контакты><Контакт><Тип>Почта</Тип>
<Значение>buyer{customer}@example.com</Значение></Контакт></Контакты></Контрагент></Контрагенты>
<Время>12:00:00</Время><Товары>{"".join(lines)}</Товары><ЗначенияРеквизитов>
<ЗначениеРеквизита><Наименование>Заказ оплачен</Наименование><Значение>{paid}</Значение>
</ЗначениеРеквизита><ЗначениеРеквизита><Наименование>Статуса заказа ИД</Наименование>
<Значение>N</Значение></ЗначениеРеквизита></ЗначенияРеквизитов></Документ>
"""


def _line(external_id: str, name: str, price: Decimal, quantity: int) -> str:
    return (f"<Товар><Ид>{external_id}</Ид><Наименование>{name}</Наименование>"
            f"<ЦенаЗаЕдиницу>{price}</ЦенаЗаЕдиницу><Количество>{quantity}</Количество>"
            f"<Сумма>{price * quantity}</Сумма></Товар>")  # fmt: skip
