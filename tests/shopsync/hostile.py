"""Builders for CommerceML test documents, and the hostile corpus written at test time.

Nothing here is committed as a file: big and malicious documents are generated into a
pytest tmp_path, so the repository carries no 50 MB blobs and no XXE payloads.
"""

from pathlib import Path

ORDER_NAMESPACE_3 = "urn:1C.ru:commerceml_3"


def requisite(name: str, *values: str) -> str:
    content = "".join(f"<Значение>{value}</Значение>" for value in values)
    return f"<ЗначениеРеквизита><Наименование>{name}</Наименование>{content}</ЗначениеРеквизита>"


def buyer(
    external_id: str = "7#ivanov#Иванов Иван",
    *,
    name: str = "Иван Иванов",
    role: str = "Покупатель",
    extra: str = "",
) -> str:
    return (
        f"<Контрагент><Ид>{external_id}</Ид><Наименование>{name}</Наименование>"
        f"<Роль>{role}</Роль>{extra}</Контрагент>"
    )


def line(
    external_id: str = "p-1",
    *,
    name: str = "Чайник",
    price: str = "1500.00",
    quantity: str = "1",
    amount: str = "1500.00",
    extra: str = "",
) -> str:
    return (
        f"<Товар><Ид>{external_id}</Ид><Наименование>{name}</Наименование>"
        '<БазоваяЕдиница Код="796" НаименованиеПолное="Штука">шт</БазоваяЕдиница>'
        f"<ЦенаЗаЕдиницу>{price}</ЦенаЗаЕдиницу><Количество>{quantity}</Количество>"
        f"<Сумма>{amount}</Сумма>{extra}</Товар>"
    )


def order(
    external_id: str,
    *,
    total: str = "1500.00",
    operation: str = "Заказ товара",
    buyers: str | None = None,
    lines: str | None = None,
    requisites: str = "",
    extra: str = "",
) -> str:
    """One <Документ>, by default an order of one 1500.00 line for Иван Иванов."""
    return (
        f"\n  <Документ><Ид>{external_id}</Ид><Номер>{external_id}</Номер>"
        f"<Дата>2024-05-01</Дата><ХозОперация>{operation}</ХозОперация><Роль>Продавец</Роль>"
        f"<Валюта>руб</Валюта><Курс>1</Курс><Сумма>{total}</Сумма>"
        f"<Контрагенты>{buyer() if buyers is None else buyers}</Контрагенты>"
        f"<Время>12:30:00</Время><Товары>{line() if lines is None else lines}</Товары>"
        f"<ЗначенияРеквизитов>{requisites}</ЗначенияРеквизитов>{extra}</Документ>"
    )


def commerceml(*documents: str, version: str | None = "2.08", namespace: str | None = None) -> str:
    attributes = f' xmlns="{namespace}"' if namespace else ""
    if version is not None:
        attributes += f' ВерсияСхемы="{version}"'
    return (
        f'<КоммерческаяИнформация{attributes} ДатаФормирования="2024-05-01T12:00:00">'
        + "".join(documents)
        + "\n</КоммерческаяИнформация>\n"
    )


def write(
    directory: Path,
    name: str,
    text: str,
    *,
    encoding: str = "utf-8",
    declared: str | None = "UTF-8",
    bom: bool = False,
) -> Path:
    """Write `text` in `encoding` under an XML declaration that says `declared`."""
    declaration = f'<?xml version="1.0" encoding="{declared}"?>\n' if declared else ""
    path = directory / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + (declaration + text).encode(encoding))
    return path


# --- the hostile corpus -------------------------------------------------------------------


def write_xxe(directory: Path) -> Path:
    document = commerceml(order("1", extra="<Комментарий>&xxe;</Комментарий>"))
    doctype = '<!DOCTYPE КоммерческаяИнформация [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    return write(directory, "xxe.xml", doctype + document)


def write_billion_laughs(directory: Path) -> Path:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, 10)
    ]
    doctype = f"<!DOCTYPE КоммерческаяИнформация [{''.join(entities)}]>\n"
    document = commerceml(order("1", extra="<Комментарий>&lol9;</Комментарий>"))
    return write(directory, "billion-laughs.xml", doctype + document)


def write_truncated(directory: Path) -> Path:
    """Three orders, cut off in the middle of the third one's line name."""
    text = commerceml(order("1"), order("2"), order("3", lines=line(name="Обрезанный товар")))
    return write(directory, "truncated.xml", text[: text.index("Обрезанный") + 5])


def write_declared_utf8_but_cp1251(directory: Path) -> Path:
    text = commerceml(order("1"))
    return write(directory, "wrong-encoding.xml", text, encoding="cp1251", declared="UTF-8")


def write_declared_cp1251_but_utf8(directory: Path) -> Path:
    text = commerceml(order("1"))
    return write(directory, "wrong-encoding-2.xml", text, declared="windows-1251")


def write_commerceml_1(directory: Path) -> Path:
    catalog = (
        '<Каталог Идентификатор="1" Наименование="Товары"><Товар Идентификатор="2"/></Каталог>'
    )
    return write(directory, "commerceml-1.xml", commerceml(catalog, version="1.02"))


def write_commerceml_1_unversioned(directory: Path) -> Path:
    catalog = (
        '<Каталог Идентификатор="1" Наименование="Товары"><Товар Идентификатор="2"/></Каталог>'
    )
    return write(directory, "commerceml-1-unversioned.xml", commerceml(catalog, version=None))


def write_commerceml_1_biztalk(directory: Path) -> Path:
    text = f"<BizTalk><Body>{commerceml(version=None)}</Body></BizTalk>"
    return write(directory, "commerceml-1-biztalk.xml", text)


def write_giant(directory: Path, megabytes: int = 50) -> Path:
    """A `megabytes` MB file whose one order carries the bulk as a single text node."""
    head, tail = order("1", extra="<Комментарий>@@@</Комментарий>").split("@@@")
    path = directory / "giant.xml"
    chunk = b"x" * (1024 * 1024)
    with path.open("wb") as stream:
        stream.write(
            b'<?xml version="1.0" encoding="UTF-8"?>\n'
            + commerceml(version="2.08").split("\n</")[0].encode()
            + head.encode()
        )
        for _ in range(megabytes):
            stream.write(chunk)
        stream.write((tail + "\n</КоммерческаяИнформация>\n").encode())
    return path


def write_bare_ampersand(directory: Path, *, intact_before: int = 1) -> Path:
    """Bitrix text with a bare `&` and an HTML entity after `intact_before` intact orders.

    With enough orders before it, the strict pass yields those before it fails, and the
    recover-mode pass must not yield them again.
    """
    broken = order(
        "broken",
        buyers=buyer(name="ООО Рога & Копыта"),
        extra="<Комментарий>Позвонить до&nbsp;обеда</Комментарий>",
    )
    intact = [order(str(number)) for number in range(1, intact_before + 1)]
    return write(directory, "bare-ampersand.xml", commerceml(*intact, broken, order("last")))


def write_bad_quantity(directory: Path) -> Path:
    text = commerceml(order("1"), order("2", lines=line(quantity="много")), order("3"))
    return write(directory, "bad-quantity.xml", text)


def write_cp1251(directory: Path, *, declared: bool) -> Path:
    text = commerceml(order("1", buyers=buyer(name="Пётр Сидоров")))
    name = "cp1251-declared.xml" if declared else "cp1251-undeclared.xml"
    return write(
        directory, name, text, encoding="cp1251", declared="windows-1251" if declared else None
    )


def write_utf8_bom_declaring_cp1251(directory: Path) -> Path:
    text = commerceml(order("1", buyers=buyer(name="Пётр Сидоров")))
    return write(directory, "bom-cp1251.xml", text, declared="windows-1251", bom=True)


def _container(number: str) -> str:
    """A 3.1 container as 1C writes it: the order, then its payment and shipment."""
    order_lines = (
        f"<Товар><Ид>goods-{number}</Ид><Наименование>Кофемолка</Наименование>"
        "<Единица><Ид>796 </Ид><НаименованиеКраткое>шт</НаименованиеКраткое>"
        "<Код>796 </Код><НаименованиеПолное>Штука </НаименованиеПолное></Единица>"
        "<Коэффициент>1</Коэффициент><Количество>2</Количество><Цена>1 250,50</Цена>"
        "<Сумма>2 501,00</Сумма>"
        "<СтавкиНалогов><СтавкаНалога><Наименование>НДС</Наименование>"
        "<Ставка>Без НДС</Ставка></СтавкаНалога></СтавкиНалогов></Товар>"
    )
    return (
        "\n  <Контейнер>"
        + order(
            f"c-{number}",
            total="2501.00",
            lines=order_lines,
            requisites=requisite("Статуса заказа ИД", "P") + requisite("Отменен", "false"),
        )
        + order(f"pay-{number}", operation="Выплата безналичных денег", total="2501.00")
        + order(f"ship-{number}", operation="Отпуск товара", total="2501.00")
        + "</Контейнер>"
    )


def write_container_31(directory: Path) -> Path:
    text = commerceml(_container("1"), _container("2"), version="3.1", namespace=ORDER_NAMESPACE_3)
    return write(directory, "container-3.1.xml", text, bom=True)


def write_mixed_210(directory: Path) -> Path:
    """2.10: an order followed by its payment, its shipment and a deleted shipment."""
    delivery = line(
        "ORDER_DELIVERY",
        name="Доставка заказа",
        price="300.00",
        amount="300.00",
        extra="<ЗначенияРеквизитов>"
        + requisite("ТипНоменклатуры", "Услуга")
        + "</ЗначенияРеквизитов>",
    )
    return write(
        directory,
        "mixed-2.10.xml",
        commerceml(
            order(
                "501",
                total="1800.00",
                lines=line() + delivery,
                requisites=requisite("Заказ оплачен", "true")
                + requisite("Дата оплаты", "2024-05-02T9:15:00"),
            ),
            order("501-pay", operation="Выплата безналичных денег", total="1800.00"),
            order("501-ship", operation="Отпуск товара", total="1800.00"),
            order(
                "501-ship-2",
                operation="Отпуск товара",
                extra="<ПометкаУдаления>true</ПометкаУдаления>",
            ),
            version="2.10",
        ),
    )


def write_many_orders(directory: Path, count: int) -> Path:
    """`count` orders written one by one, never held in memory together."""
    head, tail = commerceml().split("\n</")
    path = directory / f"orders-{count}.xml"
    with path.open("w", encoding="utf-8") as stream:
        stream.write('<?xml version="1.0" encoding="UTF-8"?>\n' + head)
        for number in range(1, count + 1):
            stream.write(
                order(
                    str(number),
                    requisites=requisite("Статуса заказа ИД", "N")
                    + requisite("Заказ оплачен", "false"),
                )
            )
        stream.write("\n</" + tail)
    return path
