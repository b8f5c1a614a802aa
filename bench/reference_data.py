"""The reference data seeded deals point at: currencies, two pipelines, lead statuses, sources,
advertising campaigns, a catalog of ~200 products in nested sections, departments and managers.

Each piece is created when missing and reused when present, so the seeder runs on an empty
database, on top of the demo data, or again on its own output. Pipelines are created through
deals.services.pipeline_create and sections through catalog.services.section_create; the rest
is written directly, as factories do. The reference data does not depend on the seeder's random
seed: the same products and managers come back whatever the seed.
"""

import random
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.models import Department, User
from catalog.models import Currency, Product, Section
from catalog.services import section_create
from deals.models import Pipeline, Stage
from deals.services import StageSpec, pipeline_create
from leads.models import Campaign, LeadStatus, Source

from . import fake_data

WON_COLOR, LOST_COLOR = "#7BD500", "#FF5752"
PIPELINES = {
    "Продажи": [
        StageSpec("Новая", 10, color="#39A8EF"),
        StageSpec("Квалификация", 20, color="#2FC6F6"),
        StageSpec("Коммерческое предложение", 30, color="#55D0E0"),
        StageSpec("Переговоры", 40, color="#FFA900"),
        StageSpec("Счёт выставлен", 50, color="#9DCF00"),
        StageSpec("Сделка успешна", 60, Stage.Semantics.WON, WON_COLOR),
        StageSpec("Сделка провалена", 70, Stage.Semantics.LOST, LOST_COLOR),
    ],
    "Опт": [
        StageSpec("Заявка", 10, color="#39A8EF"),
        StageSpec("Согласование условий", 20, color="#2FC6F6"),
        StageSpec("Договор", 30, color="#FFA900"),
        StageSpec("Отгрузка", 40, color="#9DCF00"),
        StageSpec("Успешно", 50, Stage.Semantics.WON, WON_COLOR),
        StageSpec("Отказ", 60, Stage.Semantics.LOST, LOST_COLOR),
    ],
}

# code, name, rate to the rouble; RUB becomes the base currency unless there already is one
CURRENCIES = [("RUB", "Российский рубль", Decimal(1)), ("USD", "Доллар США", Decimal(90)),
              ("EUR", "Евро", Decimal(100))]  # fmt: skip

# Used only when the database has no lead statuses at all; an existing set is kept as it is.
LEAD_STATUSES = [
    ("new", "Не обработан", 10, "#39A8EF", LeadStatus.Semantics.IN_PROGRESS),
    ("in_process", "В работе", 20, "#FFA900", LeadStatus.Semantics.IN_PROGRESS),
    ("processed", "Обработан", 30, "#2FC6F6", LeadStatus.Semantics.IN_PROGRESS),
    ("converted", "Сконвертирован", 40, "#7BD500", LeadStatus.Semantics.CONVERTED),
    ("junk", "Некачественный лид", 50, "#FF5752", LeadStatus.Semantics.JUNK),
]

SOURCES = [
    ("website", "Сайт", 10), ("call", "Звонок", 20), ("email", "E-mail", 30),
    ("shop", "Интернет-магазин", 40), ("exhibition", "Выставка", 50),
    ("recommendation", "Рекомендация", 60), ("advertising", "Реклама", 70),
]  # fmt: skip

# utm_campaign, name, cost, currency: the campaigns the UTM tags of advertised leads name
# (bench.client_rows.UTM_CAMPAIGNS), running without dates so they never end
CAMPAIGNS = [
    ("brand", "Брендовая реклама", Decimal(1_200_000), "RUB"),
    ("notebooks_spring", "Ноутбуки весной", Decimal(800_000), "RUB"),
    ("network_b2b", "Сетевое оборудование для бизнеса", Decimal(950_000), "RUB"),
    ("licenses_q4", "Лицензии в четвёртом квартале", Decimal(5_000), "USD"),
    ("retargeting", "Ретаргетинг", Decimal(300_000), "RUB"),
]

# The department tree, (name, parent name): 50 departments, three levels deep. Managers work
# in every department but the root.
DIVISIONS = ["Оптовые продажи", "Розничные продажи", "Ключевые клиенты", "Региональные продажи"]
GROUPS_PER_DIVISION = 11
DEPARTMENTS = [
    ("Отдел продаж", None),
    *((division, "Отдел продаж") for division in DIVISIONS),
    *(
        (f"{division}: группа {number}", division)
        for division in DIVISIONS
        for number in range(1, GROUPS_PER_DIVISION + 1)
    ),
    ("Сибирь и Урал", "Региональные продажи"),
]
MANAGER_USERNAME = "bench.manager{number:04d}"


class CatalogSection(NamedTuple):
    """A leaf section of the seeder's catalog and the products in it."""

    path: tuple[str, ...]  # section names from the root down
    noun: str  # what its products are called
    product_count: int
    prices: tuple[int, int]  # the lowest and the highest, in `currency`
    currency: str
    measure: str
    vat_rate: int | None  # None: no VAT (software licences)


COMPUTERS = ("Оборудование", "Компьютеры")
NETWORK = ("Оборудование", "Сетевое оборудование")
SOFTWARE, SERVICES, SUPPLIES = "Программное обеспечение", "Услуги", "Расходные материалы"
CATALOG = [
    CatalogSection((*COMPUTERS, "Ноутбуки"), "Ноутбук", 24, (45_000, 250_000), "RUB", "pcs", 20),
    CatalogSection((*COMPUTERS, "Мониторы"), "Монитор", 20, (12_000, 90_000), "RUB", "pcs", 20),
    CatalogSection(
        (*COMPUTERS, "Системные блоки"), "Системный блок", 16, (35_000, 180_000), "RUB", "pcs", 20
    ),
    CatalogSection(
        (*NETWORK, "Маршрутизаторы"), "Маршрутизатор", 16, (3_000, 60_000), "RUB", "pcs", 20
    ),
    CatalogSection((*NETWORK, "Коммутаторы"), "Коммутатор", 16, (5_000, 300_000), "RUB", "pcs", 20),
    CatalogSection((SOFTWARE, "Лицензии"), "Лицензия", 24, (50, 5_000), "USD", "pcs", None),
    CatalogSection(
        (SOFTWARE, "Подписки"), "Подписка на 12 месяцев", 16, (100, 3_000), "EUR", "pcs", None
    ),
    CatalogSection(
        (SERVICES, "Внедрение"), "Внедрение, час работы", 12, (2_500, 6_000), "RUB", "service", 20
    ),
    CatalogSection(
        (SERVICES, "Техническая поддержка"),
        "Техподдержка, тариф",
        12,
        (10_000, 150_000),
        "RUB",
        "service",
        20,
    ),
    CatalogSection(
        (SERVICES, "Обучение"), "Курс обучения", 12, (15_000, 90_000), "RUB", "service", 20
    ),
    CatalogSection((SUPPLIES, "Картриджи"), "Картридж", 20, (1_500, 15_000), "RUB", "pcs", 20),
    CatalogSection(
        (SUPPLIES, "Бумага"), "Бумага офисная А4, 500 листов", 12, (300, 900), "RUB", "pack", 20
    ),
]
MODEL_NAMES = (
    "Альфа",
    "Бета",
    "Вега",
    "Гамма",
    "Дельта",
    "Про",
    "Стандарт",
    "Оптима",
    "Макс",
    "Лайт",
)
PRODUCT_SKU = "BENCH-{number:04d}"


@dataclass(frozen=True)
class PipelineStages:
    """A pipeline and its stages by meaning, each list in stage order."""

    pipeline: Pipeline
    in_progress: tuple[Stage, ...]
    won: tuple[Stage, ...]
    lost: tuple[Stage, ...]

    @property
    def first(self) -> Stage:
        return self.in_progress[0]


@dataclass(frozen=True)
class ReferenceData:
    base_currency: Currency
    currencies: tuple[Currency, ...]  # the base currency first
    pipelines: tuple[PipelineStages, ...]  # the seeder's two, the busier one first
    lead_statuses: tuple[LeadStatus, ...]  # in sort order
    sources: tuple[Source, ...]
    products: tuple[Product, ...]  # the seeder's catalog, in SKU order
    departments: tuple[Department, ...]  # in tree order
    managers: tuple[User, ...]  # in username order
    campaigns: tuple[Campaign, ...] = ()  # the seeder's, in CAMPAIGNS order


@transaction.atomic
def reference_data_ensure(*, manager_count: int) -> ReferenceData:
    """Create what is missing and return all of it; at least `manager_count` managers."""
    currencies = _currencies_ensure()
    departments = _departments_ensure()
    return ReferenceData(
        base_currency=currencies[0],
        currencies=currencies,
        pipelines=tuple(_pipeline_ensure(name, stages) for name, stages in PIPELINES.items()),
        lead_statuses=_lead_statuses_ensure(),
        sources=_sources_ensure(),
        products=_catalog_ensure(currencies),
        departments=departments,
        managers=_managers_ensure(manager_count, departments),
        campaigns=_campaigns_ensure(currencies),
    )


def _currencies_ensure() -> tuple[Currency, ...]:
    has_base = Currency.objects.filter(is_base=True).exists()
    for code, name, rate in CURRENCIES:
        is_base = not has_base and rate == 1
        Currency.objects.get_or_create(
            code=code, defaults={"name": name, "rate": rate, "is_base": is_base}
        )
    base = Currency.objects.get(is_base=True)
    others = Currency.objects.filter(code__in=[code for code, *_ in CURRENCIES], is_base=False)
    return (base, *others.order_by("code"))


def _pipeline_ensure(name: str, stages: list[StageSpec]) -> PipelineStages:
    pipeline = Pipeline.objects.filter(name=name).first() or pipeline_create(
        name=name, stages=stages
    )
    by_meaning = {meaning: [] for meaning in Stage.Semantics.values}
    for stage in pipeline.stages.order_by("sort"):
        by_meaning[stage.semantics].append(stage)
    return PipelineStages(
        pipeline=pipeline,
        in_progress=tuple(by_meaning[Stage.Semantics.IN_PROGRESS]),
        won=tuple(by_meaning[Stage.Semantics.WON]),
        lost=tuple(by_meaning[Stage.Semantics.LOST]),
    )


def _lead_statuses_ensure() -> tuple[LeadStatus, ...]:
    if not LeadStatus.objects.exists():
        LeadStatus.objects.bulk_create(
            LeadStatus(code=code, name=name, sort=sort, color=color, semantics=semantics)
            for code, name, sort, color, semantics in LEAD_STATUSES
        )
    return tuple(LeadStatus.objects.order_by("sort"))


def _sources_ensure() -> tuple[Source, ...]:
    for code, name, sort in SOURCES:
        Source.objects.get_or_create(code=code, defaults={"name": name, "sort": sort})
    return tuple(Source.objects.filter(is_active=True).order_by("sort", "code"))


def _campaigns_ensure(currencies: tuple[Currency, ...]) -> tuple[Campaign, ...]:
    by_code = {currency.code: currency for currency in currencies}
    campaigns = []
    for utm_campaign, name, cost, currency in CAMPAIGNS:
        campaign = Campaign.objects.filter(utm_campaign=utm_campaign).order_by("pk").first()
        if campaign is None:
            campaign = Campaign.objects.create(
                name=name,
                utm_campaign=utm_campaign,
                cost=cost,
                currency=by_code.get(currency, currencies[0]),
            )
        campaigns.append(campaign)
    return tuple(campaigns)


def _section_ensure(path: tuple[str, ...]) -> Section:
    """The section at `path` (names from the root down), created with its parents if missing."""
    section = None
    for name in path:
        siblings = (
            Section.objects.get_children(section) if section else Section.objects.get_root_nodes()
        )
        section = siblings.filter(name=name).first() or section_create(name=name, parent=section)
    return section


def _catalog_ensure(currencies: tuple[Currency, ...]) -> tuple[Product, ...]:
    existing = set(Product.objects.filter(sku__startswith="BENCH-").values_list("sku", flat=True))
    by_code = {currency.code: currency for currency in currencies}
    rng = random.Random("catalog")  # the same catalog whatever the seeder's seed
    missing, number = [], 0
    for leaf in CATALOG:
        section = _section_ensure(leaf.path)
        low, high = leaf.prices
        for index in range(leaf.product_count):
            number += 1
            price = Decimal(rng.randrange(low, high + 1))
            sku = PRODUCT_SKU.format(number=number)
            if sku in existing:
                continue
            missing.append(
                Product(
                    name=f"{leaf.noun} {MODEL_NAMES[index % len(MODEL_NAMES)]} {100 + number}",
                    section=section,
                    sku=sku,
                    price=price,
                    currency=by_code.get(leaf.currency, currencies[0]),
                    measure=leaf.measure,
                    vat_rate=None if leaf.vat_rate is None else Decimal(leaf.vat_rate),
                    sort=index * 10,
                )
            )
    Product.objects.bulk_create(missing)
    return tuple(
        Product.objects.filter(sku__startswith="BENCH-").select_related("currency").order_by("sku")
    )


def _departments_ensure() -> tuple[Department, ...]:
    by_name: dict[str, Department] = {}
    for name, parent_name in DEPARTMENTS:
        parent = by_name.get(parent_name)
        tree = Department.objects
        siblings = tree.get_children(parent) if parent else tree.get_root_nodes()
        department = siblings.filter(name=name).first()
        if department is None:
            department = (
                tree.add_child(parent, {"name": name}) if parent else tree.add_root({"name": name})
            )
        by_name[name] = department
    return tuple(by_name[name] for name, _ in DEPARTMENTS)


def _managers_ensure(count: int, departments: tuple[Department, ...]) -> tuple[User, ...]:
    """Managers bench.manager0001… spread over the departments below the root; a department
    without a head gets its first manager as the head (the root gets the first manager)."""
    usernames = [MANAGER_USERNAME.format(number=number) for number in range(1, count + 1)]
    existing = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    teams = departments[1:]
    no_password = make_password(None)  # benchmarks log managers in with force_login
    User.objects.bulk_create(
        _manager(username, number, teams[(number - 1) % len(teams)], no_password)
        for number, username in enumerate(usernames, start=1)
        if username not in existing
    )
    managers = tuple(User.objects.filter(username__in=usernames).order_by("username"))
    for department in departments:
        head = next((m for m in managers if m.department_id == department.pk), managers[0])
        Department.objects.filter(pk=department.pk, head__isnull=True).update(head=head)
    return managers


def _manager(username: str, number: int, department: Department, password: str) -> User:
    someone = fake_data.person(random.Random(username))
    return User(
        username=username,
        password=password,
        first_name=someone.first_name,
        middle_name=someone.middle_name,
        last_name=someone.last_name,
        email=f"{someone.first_name_latin[0]}.{someone.last_name_latin}{number}@bench.example",
        position="Менеджер по продажам",
        department=department,
    )
