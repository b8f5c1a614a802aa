"""Builds the demo CRM from demo/data.py through the services, in one transaction.

The history is spread over the past year rather than stamped with one second: services stamp
what they write with `django.utils.timezone.now()`, so every step runs under `Clock.at(moment)`,
which answers that moment instead. Deals are created, moved through their stages, re-priced and
closed by the same services the application uses, so the timeline, stage history and
notifications are what real work would have left behind.
"""

import datetime
import itertools
import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from unittest import mock

from django.db import transaction
from django.utils import timezone

from accounts.models import Department, Role, RolePermission, User
from activities.models import Activity, Notification, TimelineEvent
from activities.services import activity_complete, activity_create
from automation.models import Robot
from catalog.models import Currency, Product, ProductRow, Section
from catalog.services import ProductRowInput, currency_set_rate, product_create, section_create
from contacts.models import Communication, Company, CompanyRequisite, Contact
from contacts.services import (
    CommunicationInput,
    company_create,
    company_requisite_create,
    contact_create,
    contact_link_company,
)
from deals.models import Deal, DealStageChange, Pipeline, Stage
from deals.services import (
    StageSpec,
    deal_create,
    deal_move_to_stage,
    deal_set_product_rows,
    deal_update,
    pipeline_create,
)
from leads.models import Campaign, Lead, LeadStatus, Source
from leads.services import Conversion, lead_convert, lead_create, lead_set_status

from . import data, identifiers
from .automation import build_automation
from .shop import build_shop

DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)


class Clock:
    """The time the services see while the demo is built; never later than the real now."""

    def __init__(self, now: datetime.datetime):
        self.now = now

    @contextmanager
    def at(self, moment: datetime.datetime) -> Iterator[datetime.datetime]:
        moment = min(moment, self.now - datetime.timedelta(minutes=1))
        # Services and auto_now fields stamp rows with timezone.now(); the demo needs a past.
        with mock.patch.object(timezone, "now", lambda: moment):
            yield moment


@dataclass
class Client:
    """Somebody who buys: a company with its people, or a private buyer (company None)."""

    name: str
    contacts: list[Contact]
    responsible: User
    segment: str
    status: str
    orders: int
    since: datetime.datetime
    company: Company | None = None
    first_order_at: datetime.datetime | None = None

    @property
    def decision_maker(self) -> Contact:
        return self.contacts[0]


@dataclass
class Demo:
    """What is built so far, and the random source and clock every step shares."""

    rng: random.Random
    clock: Clock
    currencies: dict[str, Currency] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    managers: dict[str, list[User]] = field(default_factory=dict)
    heads: dict[str, User] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    statuses: dict[str, LeadStatus] = field(default_factory=dict)
    campaigns: dict[str, Campaign] = field(default_factory=dict)
    stages: dict[str, dict[str, Stage]] = field(default_factory=dict)
    pipelines: dict[str, Pipeline] = field(default_factory=dict)
    products: list[Product] = field(default_factory=list)
    clients: list[Client] = field(default_factory=list)
    used_phones: set[str] = field(default_factory=set)
    used_emails: set[str] = field(default_factory=set)
    used_inns: set[str] = field(default_factory=set)
    emails: dict[int, str] = field(default_factory=dict)
    order_numbers: Iterator[int] = field(default_factory=lambda: itertools.count(10241))

    @property
    def now(self) -> datetime.datetime:
        return self.clock.now

    def days_ago(self, days: float) -> datetime.datetime:
        return self.now - datetime.timedelta(days=days)


# --- the entry points ---------------------------------------------------------------------


def demo_conflicts() -> list[str]:
    """Why the demo cannot be added to this database: demo users or pipelines that exist."""
    usernames = [spec["username"] for spec in data.USERS]
    taken = sorted(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    pipelines = sorted(
        Pipeline.objects.filter(name__in=list(data.PIPELINES)).values_list("name", flat=True)
    )
    problems = []
    if taken:
        problems.append(f"users already exist: {', '.join(taken)}")
    if pipelines:
        problems.append(f"pipelines already exist: {', '.join(pipelines)}")
    return problems


@transaction.atomic
def build_demo(*, seed: int = 2026) -> Demo:
    """Build the whole demo in one transaction; the same seed gives the same data."""
    rng = random.Random(seed)  # noqa: S311 - repeatable made-up data, not a secret
    demo = Demo(rng=rng, clock=Clock(timezone.now()))
    with demo.clock.at(demo.days_ago(400)):
        build_currencies(demo)
        build_staff(demo)
        build_lead_reference(demo)
        build_pipelines(demo)
        build_catalog(demo)
    build_companies(demo)
    build_private_buyers(demo)
    prospects = itertools.cycle(["ready", "requisites", "ready", "new", "requisites"])
    for client in demo.clients:
        if client.company is not None and client.status != "partner":
            target = {"client": "won", "refused": "lost"}.get(client.status) or next(prospects)
            build_intake_deal(demo, client, target)
    build_intake_requests(demo)
    for client in demo.clients:
        build_orders(demo, client)
    build_leads(demo)
    build_company_comments(demo)
    build_repeated_calls(demo)
    build_automation(demo)  # last: the history above runs no robots
    build_shop(demo)  # its orders arrive from now on
    return demo


def summary_counts() -> list[tuple[str, int]]:
    """What the database holds now, for the command's report."""
    deals = Deal.objects.all()
    return [
        ("users", User.objects.count()),
        ("departments", Department.objects.count()),
        ("pipelines", Pipeline.objects.count()),
        ("stages", Stage.objects.count()),
        ("catalog sections", Section.objects.count()),
        ("products", Product.objects.count()),
        ("companies", Company.objects.count()),
        ("company requisites", CompanyRequisite.objects.count()),
        ("contacts", Contact.objects.count()),
        ("phones and e-mails", Communication.objects.count()),
        ("leads", Lead.objects.count()),
        ("  converted", Lead.objects.filter(status__semantics="converted").count()),
        ("  junk", Lead.objects.filter(status__semantics="junk").count()),
        ("deals", deals.count()),
        *(
            (f"  in {pipeline.name}", deals.filter(pipeline=pipeline).count())
            for pipeline in Pipeline.objects.all()
        ),
        ("  open", deals.filter(stage__semantics="in_progress").count()),
        ("  won", deals.filter(stage__semantics="won").count()),
        ("  lost", deals.filter(stage__semantics="lost").count()),
        ("product rows", ProductRow.objects.count()),
        ("stage changes", DealStageChange.objects.count()),
        ("activities", Activity.objects.count()),
        ("  planned", Activity.objects.filter(status="planned").count()),
        ("  done", Activity.objects.filter(status="done").count()),
        ("timeline events", TimelineEvent.objects.count()),
        ("notifications", Notification.objects.count()),
        ("robots", Robot.objects.count()),
    ]


# --- reference data -----------------------------------------------------------------------


def build_currencies(demo: Demo) -> None:
    """RUB as the base currency (unless one is configured), USD and EUR with a rate history."""
    has_base = Currency.objects.filter(is_base=True).exists()
    for code, name, symbol, sort, _rates in data.CURRENCIES:
        currency = Currency.objects.filter(code=code).first()
        if currency is None:
            currency = Currency.objects.create(
                code=code,
                name=name,
                symbol=symbol,
                sort=sort,
                is_base=code == "RUB" and not has_base,
            )
        demo.currencies[code] = currency
    if not demo.currencies["RUB"].is_base:
        return  # the rates below are to the rouble
    for code, *_names, rates in data.CURRENCIES:
        for index, rate in enumerate(rates):
            moment = demo.days_ago((len(rates) - 1 - index) * data.RATE_HISTORY_STEP_DAYS + 1)
            with demo.clock.at(moment):
                currency_set_rate(currency=demo.currencies[code], rate=Decimal(rate), at=moment)


def build_roles() -> dict[str, Role]:
    """Manager (own), head of department (department and below), director (all), administrator."""
    roles = {}
    for key, (name, description, scopes) in data.ROLES.items():
        roles[key], created = Role.objects.get_or_create(
            name=name, defaults={"description": description}
        )
        if not created:
            continue  # the installation's own role of that name stays as it is
        RolePermission.objects.bulk_create(
            RolePermission(role=roles[key], entity=entity, action=action, scope=scope)
            for entity, actions in scopes.items()
            for action, scope in actions.items()
        )
    return roles


def build_staff(demo: Demo) -> None:
    """The sales department with its two teams, their heads and managers, and the admin, each
    with the role of that name."""
    roles = build_roles()
    departments: dict[str, Department] = {}
    for key, name, parent in data.DEPARTMENTS:
        if parent is None:
            departments[key] = Department.objects.add_root({"name": name})
        else:
            departments[key] = Department.objects.add_child(departments[parent], {"name": name})
    for spec in data.USERS:
        is_admin = spec["role"] == "admin"
        user = User(
            username=spec["username"],
            first_name=spec["first_name"],
            middle_name=spec["middle_name"],
            last_name=spec["last_name"],
            position=spec["position"],
            phone=spec["phone"],
            email=f"{spec['username']}@{data.OWN_DOMAIN}",
            department=departments.get(spec["department"]),
            is_staff=is_admin,
            is_superuser=is_admin,
        )
        user.set_password(data.DEMO_PASSWORD)
        user.save()
        user.roles.add(roles[spec["role"]])
        demo.users[user.username] = user
        if spec["role"] in ("director", "head"):
            department = departments[spec["department"]]
            department.head = user
            department.save(update_fields=["head", "updated_at"])
            demo.heads[spec["department"]] = user
        if spec["role"] == "manager":
            demo.managers.setdefault(spec["department"], []).append(user)


def build_lead_reference(demo: Demo) -> None:
    """Lead statuses (kept if the installation has its own), sources and two campaigns."""
    existing = {status.code: status for status in LeadStatus.objects.all()}
    if not existing:
        for code, name, sort, color, semantics in data.LEAD_STATUSES:
            demo.statuses[code] = LeadStatus.objects.create(
                code=code, name=name, sort=sort, color=color, semantics=semantics
            )
    else:
        demo.statuses = _statuses_by_meaning(existing)
    for code, name, sort in data.SOURCES:
        demo.sources[code] = Source.objects.get_or_create(
            code=code, defaults={"name": name, "sort": sort}
        )[0]
    today = timezone.localdate(demo.now)
    for spec in data.CAMPAIGNS:
        demo.campaigns[spec["key"]] = Campaign.objects.create(
            name=spec["name"],
            utm_source=spec["utm_source"],
            utm_medium=spec["utm_medium"],
            utm_campaign=spec["utm_campaign"],
            cost=spec["cost"],
            currency=demo.currencies["RUB"],
            starts_on=today + datetime.timedelta(days=spec["starts"]),
            ends_on=today + datetime.timedelta(days=spec["ends"]),
            is_active=spec["ends"] >= 0,
        )


def _statuses_by_meaning(existing: dict[str, LeadStatus]) -> dict[str, LeadStatus]:
    """The demo's five statuses found among an installation's own, by code or meaning."""
    ordered = sorted(existing.values(), key=lambda status: status.sort)
    in_progress = [s for s in ordered if s.semantics == LeadStatus.Semantics.IN_PROGRESS]
    by_meaning = {
        "new": in_progress[0],
        "in_process": in_progress[min(1, len(in_progress) - 1)],
        "processed": in_progress[-1],
        "converted": next(s for s in ordered if s.semantics == LeadStatus.Semantics.CONVERTED),
    }
    junk = [s for s in ordered if s.semantics == LeadStatus.Semantics.JUNK]
    if not junk:
        code, name, _sort, color, semantics = data.LEAD_STATUSES[-1]
        junk = [
            LeadStatus.objects.create(
                code=code, name=name, sort=ordered[-1].sort + 10, color=color, semantics=semantics
            )
        ]
    return {code: existing.get(code, status) for code, status in by_meaning.items()} | {
        "junk": existing.get("junk", junk[0])
    }


def build_pipelines(demo: Demo) -> None:
    """The lead-intake pipeline (the default) and the orders pipeline."""
    for sort, (name, stages) in enumerate(data.PIPELINES.items(), start=1):
        pipeline = pipeline_create(
            name=name,
            stages=[
                StageSpec(name=stage_name, sort=index * 10, semantics=semantics, color=color)
                for index, (_key, stage_name, semantics, color, _p) in enumerate(stages, start=1)
            ],
            is_default=name == data.INTAKE_PIPELINE,
            sort=sort * 10,
        )
        by_name = {stage.name: stage for stage in pipeline.stages.all()}
        demo.pipelines[name] = pipeline
        demo.stages[name] = {key: by_name[stage_name] for key, stage_name, *_ in stages}


def build_catalog(demo: Demo) -> None:
    sections: dict[str, Section] = {}
    for key, name, parent in data.SECTIONS:
        sections[key] = section_create(name=name, parent=sections.get(parent))
    for sort, (section, sku, name, price, currency, description) in enumerate(data.PRODUCTS):
        demo.products.append(
            product_create(
                name=name,
                price=Decimal(price),
                currency=demo.currencies[currency],
                section=sections[section],
                sku=sku,
                description=description,
                vat_rate=Decimal(20),
                is_vat_included=True,
                sort=(sort + 1) * 10,
            )
        )


# --- people and companies -----------------------------------------------------------------


def _person(demo: Demo) -> dict[str, str]:
    rng = demo.rng
    if rng.random() < 0.55:
        first, middle, last = (
            rng.choice(data.FEMALE_FIRST_NAMES),
            rng.choice(data.MIDDLE_NAMES)[1],
            rng.choice(data.LAST_NAMES) + "а",
        )
    else:
        first, middle, last = (
            rng.choice(data.MALE_FIRST_NAMES),
            rng.choice(data.MIDDLE_NAMES)[0],
            rng.choice(data.LAST_NAMES),
        )
    return {"first_name": first, "middle_name": middle, "last_name": last}


def _unique_phone(demo: Demo, make=identifiers.mobile_phone) -> str:
    while True:
        phone = make(demo.rng)
        if phone not in demo.used_phones:
            demo.used_phones.add(phone)
            return phone


def _unique_email(demo: Demo, local_part: str, domain: str) -> str:
    for suffix in ["", *range(2, 100)]:
        email = f"{local_part}{suffix}@{domain}"
        if email not in demo.used_emails:
            demo.used_emails.add(email)
            return email
    raise AssertionError("ran out of e-mail addresses")


def _person_communications(demo: Demo, person: dict, domain: str) -> list[CommunicationInput]:
    local_part = identifiers.email_local_part(person["first_name"], person["last_name"])
    return [
        CommunicationInput(
            kind=Communication.Kind.PHONE,
            value=_unique_phone(demo),
            label=Communication.Label.MOBILE,
        ),
        CommunicationInput(
            kind=Communication.Kind.EMAIL,
            value=_unique_email(demo, local_part, domain),
            label=Communication.Label.WORK,
        ),
    ]


def _manager_for(demo: Demo, segment: str, index: int) -> User:
    managers = demo.managers[segment]
    return managers[index % len(managers)]


def build_companies(demo: Demo) -> None:
    """The clients, prospects and partners, each with requisites and 1–4 people, exactly one
    of whom decides on purchases."""
    rng = demo.rng
    ages = {"client": (200, 380), "prospect": (12, 45), "refused": (60, 150), "partner": (390, 399)}
    for index, spec in enumerate(data.COMPANIES):
        responsible = _manager_for(demo, spec["segment"], index)
        since = demo.days_ago(rng.uniform(*ages[spec["status"]]))
        client = Client(
            name=spec["title"],
            contacts=[],
            responsible=responsible,
            segment=spec["segment"],
            status=spec["status"],
            orders=spec["orders"],
            since=since,
        )
        with demo.clock.at(since):
            client.company = _company_with_requisites(demo, spec, responsible)
        people = rng.randint(1, 2) if spec["employees"] < 10 else rng.randint(2, 4)
        for position_index in range(people):
            with demo.clock.at(since + datetime.timedelta(minutes=5 + position_index)):
                client.contacts.append(
                    _company_person(demo, client, spec, is_decision_maker=position_index == 0)
                )
        demo.clients.append(client)


def _company_with_requisites(demo: Demo, spec: dict, responsible: User) -> Company:
    rng = demo.rng
    domain = f"{spec['domain']}.example"
    address = f"г. {spec['city']}, {spec['street']}"
    source_code = rng.choice(["website", "call", "exhibition", "recommendation", "email"])
    company = company_create(
        title=spec["title"],
        actor=responsible,
        responsible=responsible,
        company_type=spec.get("company_type", Company.Type.CUSTOMER),
        industry=spec["industry"],
        employees=spec["employees"],
        revenue=Decimal(spec["employees"] * rng.randint(25, 60) * 100_000),
        currency=demo.currencies["RUB"],
        address=address,
        source=demo.sources[source_code],
        communications=[
            CommunicationInput(
                kind=Communication.Kind.PHONE, value=_unique_phone(demo, identifiers.office_phone)
            ),
            CommunicationInput(
                kind=Communication.Kind.EMAIL, value=_unique_email(demo, "info", domain)
            ),
            CommunicationInput(kind=Communication.Kind.WEB, value=f"https://{domain}"),
        ],
    )
    inn = identifiers.inn_of_organisation(rng, spec["region"])
    while inn in demo.used_inns:
        inn = identifiers.inn_of_organisation(rng, spec["region"])
    demo.used_inns.add(inn)
    bank_name, bik, correspondent_account = rng.choice(data.BANKS)
    company_requisite_create(
        company=company,
        actor=responsible,
        kind="legal_entity",
        full_name=f"Общество с ограниченной ответственностью «{spec.get('legal', spec['title'])}»",
        inn=inn,
        kpp=identifiers.kpp_of(inn),
        ogrn=identifiers.ogrn_of_organisation(rng, spec["region"], rng.randint(2008, 2022)),
        legal_address=address,
        postal_address=address,
        bank_name=bank_name,
        bik=bik,
        settlement_account=identifiers.settlement_account(rng, bik),
        correspondent_account=correspondent_account,
    )
    return company


def _company_person(demo: Demo, client: Client, spec: dict, *, is_decision_maker: bool) -> Contact:
    rng = demo.rng
    person = _person(demo)
    if is_decision_maker:
        position = rng.choice(data.DECISION_MAKER_POSITIONS)
    elif spec["status"] == "partner":
        position = rng.choice(data.PARTNER_POSITIONS)
    else:
        position = rng.choice(data.STAFF_POSITIONS)
    contact_type = {
        Company.Type.SUPPLIER: Contact.Type.SUPPLIER,
        Company.Type.PARTNER: Contact.Type.PARTNER,
    }.get(spec.get("company_type", ""), Contact.Type.CLIENT)
    contact = contact_create(
        actor=client.responsible,
        responsible=client.responsible,
        position=position,
        contact_type=contact_type,
        source=client.company.source,
        communications=_person_communications(demo, person, f"{spec['domain']}.example"),
        **person,
    )
    contact_link_company(
        contact=contact,
        company=client.company,
        actor=client.responsible,
        position=position,
        is_decision_maker=is_decision_maker,
    )
    return contact


def build_private_buyers(demo: Demo) -> None:
    """People who order in the online shop without a company card."""
    rng = demo.rng
    for index in range(data.STANDALONE_CONTACTS):
        responsible = _manager_for(demo, "retail", index)
        since = demo.days_ago(rng.uniform(40, 300))
        person = _person(demo)
        with demo.clock.at(since):
            contact = contact_create(
                actor=None,
                responsible=responsible,
                source=demo.sources[rng.choice(["shop", "shop", "website", "advertising"])],
                comments=rng.choice(data.STANDALONE_COMMENTS),
                communications=_person_communications(demo, person, "mail.example"),
                **person,
            )
        demo.clients.append(
            Client(
                name=f"{person['last_name']} {person['first_name'][0]}. {person['middle_name'][0]}.",
                contacts=[contact],
                responsible=responsible,
                segment="retail",
                status="client",
                orders=rng.randint(2, 5),
                since=since,
            )
        )


# --- deals --------------------------------------------------------------------------------


def _product_rows(
    demo: Demo, *, segment: str, is_private: bool, count: int | None = None
) -> list[ProductRowInput]:
    """1–3 products in quantities that suit the buyer, some with a discount."""
    rng = demo.rng
    count = count or rng.choice([1, 1, 2, 2, 3])
    if is_private:
        quantities = [1, 1, 2, 3, 4]
    elif segment == "wholesale":
        quantities = [24, 36, 48, 60, 96, 120, 144]
    else:
        quantities = [6, 12, 12, 18, 24]
    rows = []
    for product in rng.sample(demo.products, count):
        discount = {}
        chance = rng.random()
        if segment == "wholesale" and chance < 0.3:
            discount = {"discount_rate": Decimal(rng.choice([3, 5, 7, 10]))}
        elif chance < 0.1 and product.currency.is_base:
            discount = {
                "discount_type": ProductRow.DiscountType.AMOUNT,
                "discount_amount": (product.price * Decimal("0.05")).quantize(Decimal(1)),
            }
        rows.append(
            ProductRowInput(quantity=Decimal(rng.choice(quantities)), product=product, **discount)
        )
    return rows


def _client_rows(demo: Demo, client: Client, *, count: int | None = None) -> list[ProductRowInput]:
    return _product_rows(
        demo, segment=client.segment, is_private=client.company is None, count=count
    )


def _initial_probability(pipeline_name: str, target: str) -> int:
    """The manager's estimate when the deal is opened: the target stage's, while it is open."""
    stages = data.PIPELINES[pipeline_name]
    by_key = {key: (semantics, probability) for key, _n, semantics, _c, probability in stages}
    semantics, probability = by_key[target]
    return probability if semantics == "in_progress" else stages[0][4]


def _moments(
    demo: Demo, start: datetime.datetime, steps: int, *, days_per_step: tuple[float, float]
) -> list[datetime.datetime]:
    """`steps` increasing moments after `start`, squeezed to end before the real now."""
    gaps = [demo.rng.uniform(*days_per_step) for _ in range(steps)]
    room = (demo.now - start).total_seconds() / 86400 * 0.9
    if sum(gaps) > room:
        gaps = [gap * room / sum(gaps) for gap in gaps]
    moments, moment = [], start
    for gap in gaps:
        moment += datetime.timedelta(days=gap)
        moments.append(moment)
    return moments


INTAKE_PATHS = {
    "new": [],
    "requisites": ["requisites"],
    "ready": ["requisites", "ready"],
    "won": ["requisites", "ready", "won"],
    "lost": ["requisites", "lost"],
}
ORDER_PATHS = {
    "invoiced": [],
    "paid": ["paid"],
    "shipped": ["paid", "shipped"],
    "delivered": ["paid", "shipped", "delivered"],
    "won": ["paid", "shipped", "delivered", "won"],
    "lost": ["lost"],
}


def _deal_contacts(client: Client) -> list[Contact]:
    return client.contacts[:2] if client.company else client.contacts


def _bindings(deal: Deal, client: Client) -> list:
    return [deal, client.decision_maker, *([client.company] if client.company else [])]


def build_intake_deal(demo: Demo, client: Client, target: str) -> Deal:
    """The company's way through "Новые клиенты" up to the `target` stage."""
    rng = demo.rng
    created_at = client.since + datetime.timedelta(hours=rng.uniform(1, 30))
    pipeline = demo.pipelines[data.INTAKE_PIPELINE]
    creator = client.responsible if rng.random() < 0.7 else demo.heads[client.segment]
    with demo.clock.at(created_at):
        deal = deal_create(
            title=f"Первый заказ — {client.name}",
            actor=creator,
            pipeline=pipeline,
            responsible=client.responsible,
            company=client.company,
            contacts=_deal_contacts(client),
            product_rows=_client_rows(demo, client),
            deal_type=Deal.Type.SALE,
            probability=_initial_probability(data.INTAKE_PIPELINE, target),
            source=client.decision_maker.source,
            begins_on=timezone.localdate(created_at),
            closes_on=timezone.localdate(created_at + DAY * rng.randint(10, 21)),
            is_open_to_all=rng.random() < 0.15,
        )
        _log_email_sent(demo, deal, client, subject=data.EMAIL_SUBJECTS[0])
    path = INTAKE_PATHS[target]
    moments = _moments(demo, created_at, len(path), days_per_step=(1, 7))
    deal = _walk(demo, deal, client, data.INTAKE_PIPELINE, path, moments)
    if target == "won":
        client.first_order_at = moments[-1]
    elif target != "lost":
        _plan_next_step(demo, deal, client, moments[-1] if moments else created_at)
    return deal


def build_intake_requests(demo: Demo) -> None:
    """Requests that came in as deals with just a person: fresh ones waiting in the first
    stage, and a few turned down early."""
    rng = demo.rng
    for index, target in enumerate(data.INTAKE_REQUESTS):
        segment = "wholesale" if index % 3 else "retail"
        responsible = _manager_for(demo, segment, index)
        created_at = demo.days_ago(rng.uniform(0.1, 6) if target == "new" else rng.uniform(10, 90))
        person = _person(demo)
        source = demo.sources[rng.choice(["website", "call", "email", "exhibition"])]
        with demo.clock.at(created_at):
            contact = contact_create(
                actor=None,
                responsible=responsible,
                position=rng.choice(data.INTAKE_REQUEST_POSITIONS),
                address=f"г. {rng.choice(data.LEAD_CITIES)}",
                source=source,
                communications=_person_communications(demo, person, "mail.example"),
                **person,
            )
            client = Client(
                name=f"{person['last_name']} {person['first_name']}",
                contacts=[contact],
                responsible=responsible,
                segment=segment,
                status="prospect",
                orders=0,
                since=created_at,
            )
            deal = deal_create(
                title=f"{rng.choice(data.INTAKE_REQUEST_TITLES)} — {client.name}",
                actor=None,
                pipeline=demo.pipelines[data.INTAKE_PIPELINE],
                responsible=responsible,
                contacts=[contact],
                product_rows=_product_rows(demo, segment=segment, is_private=False),
                deal_type=Deal.Type.SALE,
                probability=_initial_probability(data.INTAKE_PIPELINE, target),
                source=source,
                begins_on=timezone.localdate(created_at),
                closes_on=timezone.localdate(created_at + DAY * rng.randint(3, 10)),
                is_open_to_all=rng.random() < 0.3,
            )
        if target == "lost":
            moment = created_at + DAY * rng.uniform(1, 5)
            with demo.clock.at(moment):
                deal = deal_move_to_stage(
                    deal=deal, stage=demo.stages[data.INTAKE_PIPELINE]["lost"], actor=responsible
                )
                deal_update(
                    deal=deal,
                    actor=responsible,
                    data={"comments": rng.choice(data.INTAKE_REQUEST_LOST_REASONS)},
                )
        elif rng.random() < 0.8:
            _plan_next_step(demo, deal, client, created_at)


def _walk(
    demo: Demo,
    deal: Deal,
    client: Client,
    pipeline_name: str,
    path: Sequence[str],
    moments: Sequence[datetime.datetime],
) -> Deal:
    """Move the deal along `path`, one stage at each moment, with what happens on the way."""
    stages = demo.stages[pipeline_name]
    for key, moment in zip(path, moments, strict=True):
        with demo.clock.at(moment):
            deal = deal_move_to_stage(deal=deal, stage=stages[key], actor=client.responsible)
            _on_stage_entered(demo, deal, client, pipeline_name, key, moment)
    return deal


def _on_stage_entered(
    demo: Demo,
    deal: Deal,
    client: Client,
    pipeline_name: str,
    key: str,
    moment: datetime.datetime,
) -> None:
    rng = demo.rng
    manager = client.responsible
    if key == "paid":
        deal_update(deal=deal, actor=manager, data={"payment_percent": Decimal(100)})
    elif key == "lost":
        intake = pipeline_name == data.INTAKE_PIPELINE
        reason = rng.choice(data.INTAKE_LOST_REASONS if intake else data.ORDER_LOST_REASONS)
        deal_update(deal=deal, actor=manager, data={"comments": reason})
        _done_activity(
            demo,
            deal,
            client,
            kind=Activity.Kind.CALL,
            subject=rng.choice(data.CALL_SUBJECTS),
            result=reason,
            planned_at=moment - HOUR * 3,
            done_at=moment,
        )
    elif key == "ready":
        _done_activity(
            demo,
            deal,
            client,
            kind=Activity.Kind.MEETING,
            subject=rng.choice(data.MEETING_SUBJECTS)[0],
            result=rng.choice(data.MEETING_RESULTS),
            planned_at=moment - DAY * 2,
            done_at=moment - HOUR,
        )
    elif key in ("won", "delivered") and rng.random() < 0.25:
        _done_activity(
            demo,
            deal,
            client,
            kind=Activity.Kind.CALL,
            subject=rng.choice(data.CALL_SUBJECTS),
            result=rng.choice(data.CALL_RESULTS),
            planned_at=moment - DAY,
            done_at=moment,
        )
    if rng.random() < 0.05:
        with demo.clock.at(moment + HOUR):
            activity_create(
                kind=Activity.Kind.COMMENT,
                subject=rng.choice(data.COMMENTS),
                actor=manager,
                bound_to=[deal],
                is_done=True,
            )


def _order_target(demo: Demo, age_days: float) -> str:
    """Young orders are still on their way; older ones are closed, most of them won."""
    rng = demo.rng
    if age_days < 2:
        return rng.choice(["invoiced", "invoiced", "paid"])
    if age_days < 5:
        return rng.choice(["invoiced", "paid", "shipped"])
    if age_days < 9:
        return rng.choice(["paid", "shipped", "delivered", "lost"])
    if age_days < 15:
        return rng.choice(["shipped", "delivered", "won", "won"])
    return "lost" if rng.random() < 0.1 else "won"


def build_orders(demo: Demo, client: Client) -> None:
    """Repeat orders in "Заказы", more of them recently, from the first order until today."""
    if not client.orders:
        return
    rng = demo.rng
    start = (client.first_order_at or client.since) + DAY
    window = (demo.now - start).total_seconds() / 86400
    ages = sorted((window * rng.random() ** 1.8 for _ in range(client.orders)), reverse=True)
    for age in ages:
        build_order(demo, client, demo.days_ago(max(age, 0.05)), age)


def build_order(demo: Demo, client: Client, created_at: datetime.datetime, age: float) -> Deal:
    rng = demo.rng
    target = _order_target(demo, age)
    if client.company is None:
        source = rng.choice(["shop", "shop", "shop", "advertising"])
    else:
        source = rng.choice(["shop", "shop", "shop", "call", "email"])
    campaign = demo.campaigns["direct"] if source == "advertising" else None
    rows = _client_rows(demo, client)
    with demo.clock.at(created_at):
        deal = deal_create(
            title=f"Заказ № {next(demo.order_numbers)} — {client.name}",
            actor=client.responsible,
            pipeline=demo.pipelines[data.ORDERS_PIPELINE],
            responsible=client.responsible,
            company=client.company,
            contacts=_deal_contacts(client),
            product_rows=rows,
            deal_type=Deal.Type.GOODS,
            probability=_initial_probability(data.ORDERS_PIPELINE, target),
            source=demo.sources[source],
            campaign=campaign,
            begins_on=timezone.localdate(created_at),
            closes_on=timezone.localdate(created_at + DAY * rng.randint(5, 10)),
            is_open_to_all=rng.random() < 0.12,
        )
        if rng.random() < 0.2:
            _log_email_sent(demo, deal, client, subject=data.EMAIL_SUBJECTS[1])
    if rng.random() < 0.15:
        with demo.clock.at(created_at + HOUR * rng.uniform(1, 5)):
            extra = _client_rows(demo, client, count=1)
            deal = deal_set_product_rows(deal=deal, rows=[*rows, *extra], actor=client.responsible)
    path = ORDER_PATHS[target]
    moments = _moments(demo, created_at + HOUR * 6, len(path), days_per_step=(0.5, 3))
    deal = _walk(demo, deal, client, data.ORDERS_PIPELINE, path, moments)
    if target not in ("won", "lost") and rng.random() < 0.7:
        _plan_next_step(demo, deal, client, moments[-1] if moments else created_at)
    return deal


# --- leads --------------------------------------------------------------------------------


def build_leads(demo: Demo) -> None:
    """Requests from the site, calls, mail, the shop and exhibitions, in every status; some
    converted into a contact, company and deal, some thrown out as junk with a reason."""
    rng = demo.rng
    plan = [outcome for outcome, count in data.LEAD_OUTCOMES.items() for _ in range(count)]
    rng.shuffle(plan)
    company_names = list(data.LEAD_COMPANY_NAMES)
    rng.shuffle(company_names)
    existing_clients = [c for c in demo.clients if c.company and c.status == "client"]
    repeat_requests = 2
    for outcome in plan:
        created_at = demo.days_ago(rng.uniform(*data.LEAD_AGE_DAYS[outcome]))
        if outcome == "converted" and repeat_requests:
            repeat_requests -= 1
            _repeat_request(demo, rng.choice(existing_clients), created_at)
            continue
        template_title, source, has_company, campaign_key = rng.choice(data.LEAD_TEMPLATES)
        company_title = company_names.pop() if has_company and company_names else ""
        lead = _new_lead(demo, template_title, source, company_title, campaign_key, created_at)
        _lead_outcome(demo, lead, outcome, created_at)


def _new_lead(
    demo: Demo,
    title: str,
    source: str,
    company_title: str,
    campaign_key: str | None,
    created_at: datetime.datetime,
) -> Lead:
    rng = demo.rng
    segment = "wholesale" if company_title and rng.random() < 0.6 else "retail"
    responsible = rng.choice(demo.managers[segment])
    person = _person(demo)
    domain = (
        f"{identifiers.transliterate(company_title).replace(' ', '-')}.example"
        if company_title
        else "mail.example"
    )
    campaign = demo.campaigns.get(campaign_key) if campaign_key else None
    utm = (
        {
            "utm_source": campaign.utm_source,
            "utm_medium": campaign.utm_medium,
            "utm_campaign": campaign.utm_campaign,
        }
        if campaign
        else {}
    )
    from_a_form = source in ("website", "shop", "advertising")
    products = (
        _product_rows(demo, segment=segment, is_private=not company_title, count=2)
        if rng.random() < 0.3
        else []
    )
    with demo.clock.at(created_at):
        return lead_create(
            title=f"{title} — {company_title}" if company_title else title,
            actor=None if from_a_form else responsible,
            responsible=responsible,
            company_title=company_title,
            position=rng.choice(data.DECISION_MAKER_POSITIONS) if company_title else "",
            address=f"г. {rng.choice(data.LEAD_CITIES)}",
            comments=rng.choice(data.LEAD_COMMENTS),
            source=demo.sources[source],
            campaign=campaign,
            communications=_person_communications(demo, person, domain),
            product_rows=products,
            is_open_to_all=rng.random() < 0.2,
            **utm,
            **person,
        )


def _lead_outcome(demo: Demo, lead: Lead, outcome: str, created_at: datetime.datetime) -> None:
    rng = demo.rng
    manager = lead.responsible
    moments = _moments(demo, created_at, 3, days_per_step=(0.1, 2))
    worked_on = outcome in ("in_process", "processed", "converted")
    if worked_on or (outcome == "junk" and rng.random() < 0.5):
        with demo.clock.at(moments[0]):
            lead = lead_set_status(lead=lead, status=demo.statuses["in_process"], actor=manager)
            _done_lead_call(demo, lead, moments[0])
    if outcome == "processed":
        with demo.clock.at(moments[1]):
            lead_set_status(lead=lead, status=demo.statuses["processed"], actor=manager)
    elif outcome == "junk":
        with demo.clock.at(moments[1]):
            lead_set_status(
                lead=lead,
                status=demo.statuses["junk"],
                actor=manager,
                comment=rng.choice(data.JUNK_REASONS),
            )
    elif outcome == "converted":
        _convert(demo, lead, moments[1])
    if outcome in ("new", "in_process") and rng.random() < 0.7:
        _plan_activity(demo, [lead], manager, since=moments[0] if outcome != "new" else created_at)


def _done_lead_call(demo: Demo, lead: Lead, moment: datetime.datetime) -> None:
    activity = activity_create(
        kind=Activity.Kind.CALL,
        subject="Первичный звонок по заявке",
        actor=lead.responsible,
        bound_to=[lead],
        direction=Activity.Direction.OUTGOING,
        deadline=moment + HOUR,
    )
    activity_complete(
        activity=activity, actor=lead.responsible, result=demo.rng.choice(data.CALL_RESULTS)
    )


def _convert(demo: Demo, lead: Lead, moment: datetime.datetime) -> None:
    """A company lead becomes contact + company + a deal in "Новые клиенты"; a private buyer's
    lead becomes contact + an order."""
    rng = demo.rng
    has_company = bool(lead.company_title)
    if has_company:
        pipeline_name, paths = data.INTAKE_PIPELINE, INTAKE_PATHS
        target = rng.choice(["new", "requisites", "ready", "ready", "won", "lost"])
        title = f"Первый заказ — {lead.company_title}"
    else:
        pipeline_name, paths = data.ORDERS_PIPELINE, ORDER_PATHS
        target = rng.choice(["invoiced", "paid", "shipped", "won"])
        title = f"Заказ № {next(demo.order_numbers)} — {lead.last_name} {lead.first_name}"
    with demo.clock.at(moment):
        result = lead_convert(
            lead=lead,
            conversion=Conversion(
                contact=True,
                company=True if has_company else None,
                deal=True,
                pipeline=demo.pipelines[pipeline_name],
                deal_fields={
                    "title": title,
                    "deal_type": Deal.Type.SALE if has_company else Deal.Type.GOODS,
                    "probability": _initial_probability(pipeline_name, target),
                    "closes_on": timezone.localdate(moment + DAY * rng.randint(7, 21)),
                    "is_open_to_all": lead.is_open_to_all,
                },
            ),
            actor=lead.responsible,
        )
        if result.company is not None:
            # the person who sent the request decides for their company
            contact_link_company(
                contact=result.contact,
                company=result.company,
                actor=lead.responsible,
                is_decision_maker=True,
            )
    client = Client(
        name=lead.company_title or str(result.contact),
        contacts=[result.contact],
        responsible=lead.responsible,
        segment="wholesale" if has_company else "retail",
        status="prospect",
        orders=0,
        since=moment,
        company=result.company,
    )
    deal = result.deal
    if not deal.product_rows.exists():
        with demo.clock.at(moment + HOUR):
            deal = deal_set_product_rows(
                deal=deal, rows=_client_rows(demo, client), actor=lead.responsible
            )
    path = paths[target]
    moments = _moments(demo, moment + HOUR * 2, len(path), days_per_step=(1, 6))
    deal = _walk(demo, deal, client, pipeline_name, path, moments)
    if client.company is not None and "ready" in path:
        # the client filled in the requisites form before being marked ready to order
        with demo.clock.at(moments[path.index("ready")] - HOUR):
            _requisites_for_converted(demo, client.company, lead)
    if target not in ("won", "lost"):
        _plan_next_step(demo, deal, client, moments[-1] if moments else moment)


def _requisites_for_converted(demo: Demo, company: Company, lead: Lead) -> None:
    rng = demo.rng
    region = rng.choice(["40", "71", "77", "50", "62", "67"])
    inn = identifiers.inn_of_organisation(rng, region)
    while inn in demo.used_inns:
        inn = identifiers.inn_of_organisation(rng, region)
    demo.used_inns.add(inn)
    bank_name, bik, correspondent_account = rng.choice(data.BANKS)
    company_requisite_create(
        company=company,
        actor=lead.responsible,
        kind="legal_entity",
        full_name=f"Общество с ограниченной ответственностью «{company.title}»",
        inn=inn,
        kpp=identifiers.kpp_of(inn),
        ogrn=identifiers.ogrn_of_organisation(rng, region, rng.randint(2012, 2024)),
        legal_address=lead.address,
        bank_name=bank_name,
        bik=bik,
        settlement_account=identifiers.settlement_account(rng, bik),
        correspondent_account=correspondent_account,
    )


def _repeat_request(demo: Demo, client: Client, created_at: datetime.datetime) -> None:
    """An existing client writes in again: the lead is converted into an order of theirs."""
    rng = demo.rng
    contact = client.decision_maker
    with demo.clock.at(created_at):
        lead = lead_create(
            title=f"Повторный заказ по почте — {client.name}",
            actor=client.responsible,
            responsible=client.responsible,
            source=demo.sources["email"],
            company_title=client.company.title,
            first_name=contact.first_name,
            middle_name=contact.middle_name,
            last_name=contact.last_name,
            contact=contact,
            company=client.company,
            product_rows=_client_rows(demo, client),
        )
    moment = created_at + HOUR * rng.uniform(1, 6)
    with demo.clock.at(moment):
        result = lead_convert(
            lead=lead,
            conversion=Conversion(
                contact=contact,
                company=client.company,
                deal=True,
                pipeline=demo.pipelines[data.ORDERS_PIPELINE],
                deal_fields={
                    "title": f"Заказ № {next(demo.order_numbers)} — {client.name}",
                    "deal_type": Deal.Type.GOODS,
                    "probability": _initial_probability(data.ORDERS_PIPELINE, "paid"),
                },
            ),
            actor=client.responsible,
        )
    path = ORDER_PATHS["paid"]
    moments = _moments(demo, moment + HOUR, len(path), days_per_step=(0.5, 2))
    _walk(demo, result.deal, client, data.ORDERS_PIPELINE, path, moments)


# --- activities ---------------------------------------------------------------------------


def _done_activity(
    demo: Demo,
    deal: Deal,
    client: Client,
    *,
    kind: str,
    subject: str,
    result: str,
    planned_at: datetime.datetime,
    done_at: datetime.datetime,
) -> Activity:
    """An activity planned at one moment and done at a later one, with its result."""
    with demo.clock.at(planned_at):
        activity = activity_create(
            kind=kind,
            subject=subject,
            actor=client.responsible,
            bound_to=_bindings(deal, client),
            direction=Activity.Direction.OUTGOING if kind == Activity.Kind.CALL else "",
            deadline=done_at,
        )
    with demo.clock.at(done_at):
        return activity_complete(activity=activity, actor=client.responsible, result=result)


def _log_email_sent(demo: Demo, deal: Deal, client: Client, *, subject: str) -> None:
    """An e-mail the responsible sent the client's decision maker, in the journal."""
    activity_create(
        kind=Activity.Kind.EMAIL,
        subject=subject,
        actor=client.responsible,
        bound_to=_bindings(deal, client),
        is_done=True,
        direction=Activity.Direction.OUTGOING,
        email_from=client.responsible.email,
        email_to=_email_of(demo, client.decision_maker),
    )


def _email_of(demo: Demo, contact: Contact) -> str:
    if contact.pk not in demo.emails:
        email = contact.communications.filter(kind=Communication.Kind.EMAIL).first()
        demo.emails[contact.pk] = email.value if email else ""
    return demo.emails[contact.pk]


def _deadline(demo: Demo, since: datetime.datetime) -> datetime.datetime:
    """Overdue, today or later: what a manager's plan looks like on an ordinary morning."""
    rng = demo.rng
    roll = rng.random()
    today = timezone.localtime(demo.now).replace(minute=0, second=0, microsecond=0)
    if roll < 0.3:
        deadline = demo.now - DAY * rng.uniform(0.5, 6)
    elif roll < 0.55:
        deadline = today.replace(hour=rng.choice([10, 12, 15, 17]))
    else:
        deadline = today.replace(hour=rng.choice([10, 11, 14, 16])) + DAY * rng.randint(1, 12)
    return max(deadline, since + HOUR)


def _plan_activity(
    demo: Demo, items: list, responsible: User, *, since: datetime.datetime
) -> Activity:
    """A planned call, meeting or task on `items`, created at `since`."""
    rng = demo.rng
    deadline = _deadline(demo, since)
    kind = rng.choice(
        [Activity.Kind.CALL, Activity.Kind.CALL, Activity.Kind.TASK, Activity.Kind.MEETING]
    )
    extra: dict = {}
    if kind == Activity.Kind.CALL:
        subject = rng.choice(data.CALL_SUBJECTS)
        extra["direction"] = Activity.Direction.OUTGOING
    elif kind == Activity.Kind.TASK:
        subject = rng.choice(data.TASK_SUBJECTS)
    else:
        subject, location = rng.choice(data.MEETING_SUBJECTS)
        extra |= {"location": location, "starts_at": deadline - HOUR}
    # draw before testing the deadline, so the time of day does not shift the random sequence
    wants_reminder = rng.random() < 0.5
    if wants_reminder and deadline > demo.now + HOUR:
        extra["remind_at"] = deadline - datetime.timedelta(minutes=rng.choice([15, 30, 60]))
    if rng.random() < 0.15:
        extra["priority"] = Activity.Priority.HIGH
    with demo.clock.at(max(since, deadline - DAY * 14)):
        return activity_create(
            kind=kind,
            subject=subject,
            actor=responsible,
            bound_to=items,
            deadline=deadline,
            **extra,
        )


def _plan_next_step(demo: Demo, deal: Deal, client: Client, since: datetime.datetime) -> None:
    _plan_activity(demo, _bindings(deal, client), client.responsible, since=since + HOUR)


def build_company_comments(demo: Demo) -> None:
    rng = demo.rng
    for client in demo.clients:
        if client.company is not None and rng.random() < 0.4:
            moment = client.since + DAY * rng.uniform(1, 30)
            with demo.clock.at(moment):
                activity_create(
                    kind=Activity.Kind.COMMENT,
                    subject=rng.choice(data.COMMENTS),
                    actor=client.responsible,
                    bound_to=[client.company],
                    is_done=True,
                )


def build_repeated_calls(demo: Demo) -> None:
    """Two prospects get a call repeated every 2 days until the decision maker is reached; one
    has been tried once already, so completing it planned the next occurrence."""
    prospects = [c for c in demo.clients if c.status == "prospect" and c.company][:2]
    until = timezone.localdate(demo.now) + datetime.timedelta(days=10)
    for index, client in enumerate(prospects):
        deal = client.company.deals.first()
        bindings = [deal, client.decision_maker, client.company]
        created_at = demo.days_ago(3 if index == 0 else 1)
        deadline = created_at + DAY
        with demo.clock.at(created_at):
            call = activity_create(
                kind=Activity.Kind.CALL,
                subject=data.REPEATED_CALL_SUBJECT,
                actor=client.responsible,
                bound_to=bindings,
                direction=Activity.Direction.OUTGOING,
                deadline=deadline,
                repeat_every=2,
                repeat_unit=Activity.RepeatUnit.DAY,
                repeat_until=until,
            )
        if index == 0:
            with demo.clock.at(deadline + HOUR):
                activity_complete(
                    activity=call,
                    actor=client.responsible,
                    result="Не дозвонился: секретарь просила перезвонить послезавтра.",
                )
