"""Rows of the seeded deals: the deal, its primary contact, 1–3 product rows, the stage change
that put it where it is, and about two activities bound to it.

Amounts are what the pricing service would compute: each row's price is the product's price
converted into the deal's currency, totals come from catalog.pricing.row_totals (no discount,
the product's VAT inside the price), and the deal's amount and tax are the sums of its rows.
"""

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from activities.models import Activity
from catalog import pricing
from catalog.models import Currency, Product, ProductRow
from core.models import EntityType
from deals.models import Deal, Stage

from .client_rows import Client, ClientRows, ConvertedLead
from .moments import Moments
from .reference_data import PipelineStages, ReferenceData
from .weighted_choice import WeightedChoice

SHARE_OF_BUSINESS_DEALS = 0.65
SHARE_OF_DEALS_OF_CLIENTS_MANAGER = 0.8
PIPELINE_SHARES = (75, 25)  # the first pipeline is the busier one
OUTCOME_SHARES = {
    Stage.Semantics.IN_PROGRESS: 70,
    Stage.Semantics.WON: 18,
    Stage.Semantics.LOST: 12,
}
FOREIGN_CURRENCY_SHARE = 0.1
DEAL_TYPES = {
    Deal.Type.SALE: 50, Deal.Type.COMPLEX_SALE: 10, Deal.Type.GOODS: 20,
    Deal.Type.SERVICES: 15, Deal.Type.AFTER_SALES: 5,
}  # fmt: skip
PRODUCT_ROWS_PER_DEAL = (1, 1, 2, 2, 2, 3)
ACTIVITIES_PER_DEAL = (1, 2, 2, 3)  # two on average
QUANTITIES = {
    Product.Measure.PIECE: (1, 1, 1, 2, 2, 3, 4, 5, 10, 20),
    Product.Measure.SERVICE: (1, 4, 8, 8, 16, 24, 40),
    Product.Measure.PACKAGE: (5, 10, 10, 20, 50, 100),
}
ACTIVITY_KINDS = {
    Activity.Kind.CALL: 35, Activity.Kind.TASK: 25, Activity.Kind.MEETING: 15,
    Activity.Kind.EMAIL: 15, Activity.Kind.COMMENT: 10,
}  # fmt: skip
SUBJECTS = {
    Activity.Kind.CALL: (
        "Позвонить клиенту", "Уточнить потребность", "Обсудить условия оплаты",
        "Напомнить о счёте", "Согласовать сроки поставки",
    ),
    Activity.Kind.TASK: (
        "Подготовить коммерческое предложение", "Выставить счёт", "Отправить договор на подпись",
        "Проверить реквизиты", "Подготовить отгрузку",
    ),
    Activity.Kind.MEETING: (
        "Встреча в офисе клиента", "Презентация решения", "Подписание договора",
        "Демонстрация оборудования",
    ),
    Activity.Kind.EMAIL: (
        "Коммерческое предложение", "Счёт на оплату", "Договор поставки", "Ответ на запрос",
    ),
    Activity.Kind.COMMENT: (
        "Клиент просит скидку", "Решение примут на следующей неделе", "Нужен счёт с НДС",
        "Сравнивают с конкурентами",
    ),
}  # fmt: skip
SHARE_PLANNED = 0.8  # of the open deals' last activities
PLANNED_DUE_FROM, PLANNED_DUE_TO = datetime.timedelta(days=-3), datetime.timedelta(days=14)
CLOSED_WITHIN = datetime.timedelta(days=120)  # of the deal's creation
MOVED_WITHIN = datetime.timedelta(days=60)  # from the first stage to a later one
REMINDER_BEFORE = datetime.timedelta(minutes=15)
HOUR = datetime.timedelta(hours=1)


class DealValues(NamedTuple):
    id: int
    title: str
    pipeline_id: int
    stage_id: int
    amount: Decimal
    tax_amount: Decimal
    currency_id: str
    probability: int
    deal_type: str
    begins_on: datetime.date
    closes_on: datetime.date
    responsible_id: int
    created_by_id: int
    company_id: int | None
    source_id: int | None
    campaign_id: int | None
    lead_id: int | None
    is_open_to_all: bool
    payment_percent: Decimal
    stage_changed_at: datetime.datetime
    closed_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class DealContactValues(NamedTuple):
    deal_id: int
    contact_id: int
    is_primary: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ProductRowValues(NamedTuple):
    deal_id: int
    product_id: int
    product_name: str
    price: Decimal
    quantity: Decimal
    measure: str
    tax_rate: Decimal | None
    is_tax_included: bool
    tax_total: Decimal
    line_total: Decimal
    sort: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class StageChangeValues(NamedTuple):
    deal_id: int
    from_stage_id: int | None
    to_stage_id: int
    actor_id: int
    at: datetime.datetime


class ActivityValues(NamedTuple):
    id: int
    kind: str
    status: str
    subject: str
    direction: str
    priority: str
    starts_at: datetime.datetime | None
    deadline: datetime.datetime | None
    remind_at: datetime.datetime | None
    reminded_at: datetime.datetime | None
    email_from: str
    email_to: str
    responsible_id: int
    created_by_id: int
    completed_at: datetime.datetime | None
    completed_by_id: int | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ActivityBindingValues(NamedTuple):
    activity_id: int
    entity_type: str
    entity_id: int


@dataclass(frozen=True)
class StageOption:
    pipeline_id: int
    stage: Stage
    first_stage_id: int
    probability: int


@dataclass
class DealRows:
    deals: list[DealValues] = field(default_factory=list)
    clients: list[Client] = field(default_factory=list)  # the client of each deal, in order
    contacts: list[DealContactValues] = field(default_factory=list)
    product_rows: list[ProductRowValues] = field(default_factory=list)
    stage_changes: list[StageChangeValues] = field(default_factory=list)


@dataclass
class ActivityRows:
    activities: list[ActivityValues] = field(default_factory=list)
    bindings: list[ActivityBindingValues] = field(default_factory=list)


class PriceList:
    """Product-row figures in a deal's currency, worked out once per product, currency and
    quantity (a few thousand combinations for millions of rows)."""

    def __init__(self, currencies: tuple[Currency, ...]):
        self.rates = {currency.code: currency.rate for currency in currencies}
        self._rows: dict[tuple[int, str, int], tuple[Decimal, Decimal, pricing.RowTotals]] = {}

    def row(
        self, product: Product, currency_code: str, quantity: int
    ) -> tuple[Decimal, Decimal, pricing.RowTotals]:
        """(price, quantity, totals) of `quantity` units of `product` sold in `currency_code`."""
        key = (product.pk, currency_code, quantity)
        if key not in self._rows:
            price = pricing.convert(
                product.price,
                rate_from=self.rates.get(product.currency_id, product.currency.rate),
                rate_to=self.rates[currency_code],
            )
            totals = pricing.row_totals(
                price=price,
                quantity=Decimal(quantity),
                discount_type=ProductRow.DiscountType.PERCENT,
                tax_rate=product.vat_rate,
                is_tax_included=product.is_vat_included,
            )
            self._rows[key] = (price, Decimal(quantity), totals)
        return self._rows[key]


class DealGenerator:
    """Builds the deal and activity rows of one chunk after another from one random stream."""

    def __init__(self, reference: ReferenceData, rng: random.Random, moments: Moments):
        self.rng = rng
        self.moments = moments
        self.products = list(reference.products)
        self.price_list = PriceList(reference.currencies)
        self.base_currency = reference.base_currency.code
        self.foreign_currencies = [currency.code for currency in reference.currencies[1:]]
        self.manager_ids = [manager.pk for manager in reference.managers]
        self.manager_emails = {manager.pk: manager.email for manager in reference.managers}
        self.source_ids = [source.pk for source in reference.sources]
        self.stages = WeightedChoice(_stage_options(reference.pipelines))
        self.deal_types = WeightedChoice(DEAL_TYPES.items())
        self.activity_kinds = WeightedChoice(ACTIVITY_KINDS.items())

    def deals(
        self, deal_ids: list[int], clients: ClientRows, converted: list[ConvertedLead]
    ) -> DealRows:
        """One deal per id: the first ones are the deals of the converted leads, the rest are
        with a random client of the chunk, in a company or private."""
        rows = DealRows()
        for index, deal_id in enumerate(deal_ids):
            if index < len(converted):
                lead = converted[index]
                self._deal(deal_id, lead.client, rows, lead=lead)
            else:
                self._deal(deal_id, self._client(clients), rows, lead=None)
        return rows

    def activity_counts(self, deal_count: int) -> list[int]:
        """How many activities each of `deal_count` deals gets (their ids are reserved next)."""
        return [self.rng.choice(ACTIVITIES_PER_DEAL) for _ in range(deal_count)]

    def activities(
        self, deals: DealRows, counts: list[int], activity_ids: list[int]
    ) -> ActivityRows:
        """`counts[i]` activities for the i-th deal, bound to it. A closed deal's activities are
        all done; an open deal's last one is usually still planned."""
        rows = ActivityRows()
        ids = iter(activity_ids)
        for deal, client, count in zip(deals.deals, deals.clients, counts, strict=True):
            for number in range(count):
                is_last_of_open_deal = deal.closed_at is None and number == count - 1
                is_planned = is_last_of_open_deal and self.rng.random() < SHARE_PLANNED
                activity_id = next(ids)
                rows.activities.append(
                    self._activity(activity_id, deal, client, is_planned=is_planned)
                )
                rows.bindings.append(ActivityBindingValues(activity_id, EntityType.DEAL, deal.id))
        return rows

    def _client(self, clients: ClientRows) -> Client:
        if clients.business_clients and (
            not clients.private_clients or self.rng.random() < SHARE_OF_BUSINESS_DEALS
        ):
            return self.rng.choice(clients.business_clients)
        return self.rng.choice(clients.private_clients)

    def _currency(self) -> str:
        if self.foreign_currencies and self.rng.random() < FOREIGN_CURRENCY_SHARE:
            return self.rng.choice(self.foreign_currencies)
        return self.base_currency

    def _deal(
        self, deal_id: int, client: Client, rows: DealRows, *, lead: ConvertedLead | None
    ) -> None:
        """A deal with `client` (made from `lead`, when given) and the rows that hang on it."""
        rng = self.rng
        option = self.stages.pick(rng)
        if lead is not None:
            created_at, source_id = lead.converted_at, lead.source_id
        else:
            created_at = self.moments.between(client.created_at, self.moments.now)
            source_id = rng.choice(self.source_ids) if rng.random() < 0.8 else None
        stage_changed_at, closed_at = self._stage_times(option, created_at)
        if rng.random() < SHARE_OF_DEALS_OF_CLIENTS_MANAGER:
            responsible_id = client.responsible_id
        else:
            responsible_id = rng.choice(self.manager_ids)
        currency = self._currency()
        product_rows = self._product_rows(deal_id, currency, created_at)
        expected_close = created_at + datetime.timedelta(days=rng.randrange(14, 90))
        rows.deals.append(
            DealValues(
                id=deal_id,
                title=f"{product_rows[0].product_name} — {client.name}"[:255],
                pipeline_id=option.pipeline_id,
                stage_id=option.stage.pk,
                amount=sum((row.line_total for row in product_rows), Decimal(0)),
                tax_amount=sum((row.tax_total for row in product_rows), Decimal(0)),
                currency_id=currency,
                probability=option.probability,
                deal_type=self.deal_types.pick(rng),
                begins_on=created_at.date(),
                closes_on=(closed_at or expected_close).date(),
                responsible_id=responsible_id,
                created_by_id=responsible_id,
                company_id=client.company_id,
                source_id=source_id,
                campaign_id=lead.campaign_id if lead else None,
                lead_id=lead.lead_id if lead else None,
                is_open_to_all=rng.random() < 0.1,
                payment_percent=Decimal(
                    100 if option.stage.semantics == Stage.Semantics.WON else 0
                ),
                stage_changed_at=stage_changed_at,
                closed_at=closed_at,
                created_at=created_at,
                updated_at=stage_changed_at,
            )
        )
        rows.clients.append(client)
        rows.product_rows.extend(product_rows)
        rows.contacts.append(
            DealContactValues(deal_id, client.contact_id, True, created_at, created_at)
        )
        is_in_first_stage = option.stage.pk == option.first_stage_id
        rows.stage_changes.append(
            StageChangeValues(
                deal_id=deal_id,
                from_stage_id=None if is_in_first_stage else option.first_stage_id,
                to_stage_id=option.stage.pk,
                actor_id=responsible_id,
                at=stage_changed_at,
            )
        )

    def _stage_times(
        self, option: StageOption, created_at: datetime.datetime
    ) -> tuple[datetime.datetime, datetime.datetime | None]:
        """When the deal entered its stage, and when it was closed (None while in progress)."""
        if option.stage.semantics != Stage.Semantics.IN_PROGRESS:
            closed_at = self.moments.after(created_at, CLOSED_WITHIN)
            return closed_at, closed_at
        if option.stage.pk == option.first_stage_id:
            return created_at, None
        return self.moments.after(created_at, MOVED_WITHIN), None

    def _product_rows(
        self, deal_id: int, currency: str, at: datetime.datetime
    ) -> list[ProductRowValues]:
        count = self.rng.choice(PRODUCT_ROWS_PER_DEAL)
        rows = []
        for number, product in enumerate(self.rng.sample(self.products, count), start=1):
            quantity = self.rng.choice(QUANTITIES.get(product.measure, (1,)))
            price, quantity, totals = self.price_list.row(product, currency, quantity)
            rows.append(
                ProductRowValues(
                    deal_id=deal_id,
                    product_id=product.pk,
                    product_name=product.name,
                    price=price,
                    quantity=quantity,
                    measure=product.measure,
                    tax_rate=product.vat_rate,
                    is_tax_included=product.is_vat_included,
                    tax_total=totals.tax_total,
                    line_total=totals.line_total,
                    sort=number * 10,
                    created_at=at,
                    updated_at=at,
                )
            )
        return rows

    def _activity(
        self, activity_id: int, deal: DealValues, client: Client, *, is_planned: bool
    ) -> ActivityValues:
        """A call, task, meeting, e-mail or comment of the deal's responsible manager: planned
        around now (some overdue, most with a reminder), or done between the deal's creation
        and its close. Comments are always done."""
        rng, now = self.rng, self.moments.now
        kind = self.activity_kinds.pick(rng)
        is_planned = is_planned and kind != Activity.Kind.COMMENT
        remind_at = reminded_at = completed_at = None
        if is_planned:
            created_at = updated_at = self.moments.between(deal.created_at, now)
            due = self.moments.between(now + PLANNED_DUE_FROM, now + PLANNED_DUE_TO)
            deadline = max(due, created_at + HOUR)
            if kind != Activity.Kind.EMAIL and rng.random() < 0.7:
                remind_at = deadline - REMINDER_BEFORE
                reminded_at = remind_at if remind_at <= now else None  # already sent
        else:
            end = deal.closed_at or now
            created_at = self.moments.between(deal.created_at, end)
            completed_at = updated_at = self.moments.between(created_at, end)
            deadline = None if kind == Activity.Kind.COMMENT else completed_at
        is_email = kind == Activity.Kind.EMAIL
        if kind == Activity.Kind.CALL:
            direction = rng.choice((Activity.Direction.INCOMING, Activity.Direction.OUTGOING))
        else:
            direction = Activity.Direction.OUTGOING if is_email else ""
        return ActivityValues(
            id=activity_id,
            kind=kind,
            status=Activity.Status.PLANNED if is_planned else Activity.Status.DONE,
            subject=rng.choice(SUBJECTS[kind]),
            direction=direction,
            priority=Activity.Priority.HIGH if rng.random() < 0.1 else Activity.Priority.NORMAL,
            starts_at=deadline - HOUR if kind == Activity.Kind.MEETING else None,
            deadline=deadline,
            remind_at=remind_at,
            reminded_at=reminded_at,
            email_from=self.manager_emails[deal.responsible_id] if is_email else "",
            email_to=client.email.value if is_email else "",
            responsible_id=deal.responsible_id,
            created_by_id=deal.responsible_id,
            completed_at=completed_at,
            completed_by_id=None if is_planned else deal.responsible_id,
            created_at=created_at,
            updated_at=updated_at,
        )


def _stage_options(pipelines: tuple[PipelineStages, ...]) -> list[tuple[StageOption, float]]:
    """Every stage a deal can be in, with its share of deals: the pipeline's share times the
    outcome's share; in-progress deals thin out stage by stage like a funnel. Probability
    rises from 10 % at the first stage to 90 % at the last in-progress one."""
    options = []
    for pipeline, pipeline_share in zip(pipelines, PIPELINE_SHARES, strict=False):
        first_stage_id = pipeline.first.pk
        count = len(pipeline.in_progress)
        funnel = [count - index for index in range(count)]
        for index, stage in enumerate(pipeline.in_progress):
            probability = 10 + 80 * index // max(count - 1, 1)
            share = OUTCOME_SHARES[Stage.Semantics.IN_PROGRESS] * funnel[index] / sum(funnel)
            option = StageOption(pipeline.pipeline.pk, stage, first_stage_id, probability)
            options.append((option, pipeline_share * share))
        for stages, probability in ((pipeline.won, 100), (pipeline.lost, 0)):
            for stage in stages:
                option = StageOption(pipeline.pipeline.pk, stage, first_stage_id, probability)
                share = OUTCOME_SHARES[stage.semantics] / len(stages)
                options.append((option, pipeline_share * share))
    return options
