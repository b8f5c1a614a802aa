"""Rows of the seeded clients: companies with requisites, contacts with their phones and
e-mails, who works where (one decision maker per company), and leads.

The generators only build rows (NamedTuples of column values, see bench/bulk_insert.py);
bench/seeding.py reserves their ids and writes them.
"""

import datetime
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from contacts.models import Communication, Company, CompanyRequisite, Contact
from leads.models import LeadStatus

from . import fake_data
from .moments import Moments
from .reference_data import ReferenceData
from .weighted_choice import WeightedChoice

SHARE_OF_CONTACTS_IN_COMPANIES = 0.6
SHARE_OF_COMPANIES_WITH_REQUISITES = 0.6
DECISION_MAKER_POSITIONS = (
    "Генеральный директор", "Коммерческий директор", "Директор по закупкам",
    "Руководитель отдела снабжения", "Владелец",
)  # fmt: skip
STAFF_POSITIONS = (
    "Менеджер по закупкам", "Главный бухгалтер", "Специалист по снабжению", "Инженер",
    "Офис-менеджер", "Юрист", "Руководитель IT-отдела", "Заместитель директора",
)  # fmt: skip
COMPANY_TYPES = {
    Company.Type.CUSTOMER: 80, Company.Type.PARTNER: 8, Company.Type.SUPPLIER: 7,
    Company.Type.COMPETITOR: 2, Company.Type.OTHER: 3,
}  # fmt: skip
# lead status semantics -> share of leads
LEAD_OUTCOMES = {
    LeadStatus.Semantics.IN_PROGRESS: 55,
    LeadStatus.Semantics.CONVERTED: 25,
    LeadStatus.Semantics.JUNK: 20,
}
EMPLOYEES = (5, 12, 30, 50, 120, 250, 800, 3000)
JUNK_REASONS = ("Не отвечает на звонки", "Ошибся номером", "Спам", "Дубль", "Нет потребности")
# source code -> weight; other sources (the demo's, say) get weight 5
SOURCE_WEIGHTS = {"website": 35, "call": 20, "email": 10, "shop": 15, "advertising": 8}
ADVERTISED_SOURCES = ("website", "advertising")  # leads from these carry UTM tags
UTM_CAMPAIGNS = ("brand", "notebooks_spring", "network_b2b", "licenses_q4", "retargeting")


class CompanyValues(NamedTuple):
    id: int
    title: str
    company_type: str
    industry: str
    revenue: Decimal | None
    currency_id: str | None
    employees: int | None
    address: str
    source_id: int | None
    responsible_id: int
    created_by_id: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class RequisiteValues(NamedTuple):
    company_id: int
    kind: str
    full_name: str
    inn: str
    kpp: str
    ogrn: str
    legal_address: str
    postal_address: str
    bank_name: str
    bik: str
    settlement_account: str
    correspondent_account: str
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ContactValues(NamedTuple):
    id: int
    first_name: str
    middle_name: str
    last_name: str
    position: str
    birthdate: datetime.date | None
    contact_type: str
    source_id: int | None
    responsible_id: int
    created_by_id: int
    created_at: datetime.datetime
    updated_at: datetime.datetime


class ContactCompanyValues(NamedTuple):
    contact_id: int
    company_id: int
    position: str
    is_decision_maker: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime


class CommunicationValues(NamedTuple):
    contact_id: int | None
    company_id: int | None
    lead_id: int | None
    kind: str
    label: str
    value: str
    normalized_value: str
    created_at: datetime.datetime
    updated_at: datetime.datetime


class LeadValues(NamedTuple):
    id: int
    title: str
    status_id: int
    status_comment: str
    first_name: str
    middle_name: str
    last_name: str
    company_title: str
    amount: Decimal
    currency_id: str
    source_id: int | None
    campaign_id: int | None
    utm_source: str
    utm_medium: str
    utm_campaign: str
    responsible_id: int
    created_by_id: int
    contact_id: int | None
    company_id: int | None
    status_changed_at: datetime.datetime | None
    converted_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


@dataclass(frozen=True)
class Client:
    """Whom a deal is with: a contact, in a company or buying privately."""

    contact_id: int
    company_id: int | None
    name: str  # the company's title, or the person's name
    person: fake_data.Person
    phone: fake_data.PhoneOrEmail
    email: fake_data.PhoneOrEmail
    responsible_id: int
    created_at: datetime.datetime


@dataclass
class ClientRows:
    companies: list[CompanyValues] = field(default_factory=list)
    requisites: list[RequisiteValues] = field(default_factory=list)
    contacts: list[ContactValues] = field(default_factory=list)
    links: list[ContactCompanyValues] = field(default_factory=list)
    communications: list[CommunicationValues] = field(default_factory=list)
    business_clients: list[Client] = field(default_factory=list)  # one per company link
    private_clients: list[Client] = field(default_factory=list)

    @property
    def all_clients(self) -> list[Client]:
        return self.business_clients + self.private_clients


@dataclass(frozen=True)
class ConvertedLead:
    lead_id: int
    client: Client
    source_id: int | None
    converted_at: datetime.datetime
    campaign_id: int | None = None  # the deal made from it comes from the same campaign


@dataclass
class LeadRows:
    leads: list[LeadValues] = field(default_factory=list)
    communications: list[CommunicationValues] = field(default_factory=list)
    converted: list[ConvertedLead] = field(default_factory=list)


@dataclass(frozen=True)
class _CompanyDraft:
    """What the contacts of a company need to know about it."""

    id: int
    title: str
    domain: str | None
    responsible_id: int
    created_at: datetime.datetime


class ClientGenerator:
    """Builds the client rows of one chunk after another from one random stream."""

    def __init__(self, reference: ReferenceData, rng: random.Random, moments: Moments):
        self.rng = rng
        self.moments = moments
        self.base_currency_id = reference.base_currency.code
        self.manager_ids = [manager.pk for manager in reference.managers]
        self.sources = WeightedChoice(
            (source, SOURCE_WEIGHTS.get(source.code, 5)) for source in reference.sources
        )
        self.company_types = WeightedChoice(COMPANY_TYPES.items())
        self.industries = Company.Industry.values
        self.statuses = WeightedChoice(_lead_status_weights(reference.lead_statuses))
        self.first_status = reference.lead_statuses[0]
        self.campaign_ids = {campaign.utm_campaign: campaign.pk for campaign in reference.campaigns}

    def clients(self, company_ids: list[int], contact_ids: list[int]) -> ClientRows:
        """Companies, then contacts: the first contact of each company is its decision maker,
        then the share in companies is filled up with staff, and the rest buy privately.
        Needs at least as many contacts as companies."""
        rows = ClientRows()
        companies = [self._company(company_id, rows) for company_id in company_ids]
        contacts_in_companies = max(
            len(companies), round(len(contact_ids) * SHARE_OF_CONTACTS_IN_COMPANIES)
        )
        for index, contact_id in enumerate(contact_ids):
            if index < len(companies):
                self._contact(contact_id, rows, companies[index], is_decision_maker=True)
            elif index < contacts_in_companies:
                company = self.rng.choice(companies)
                self._contact(contact_id, rows, company, is_decision_maker=False)
            else:
                self._contact(contact_id, rows, None, is_decision_maker=False)
        return rows

    def leads(self, lead_ids: list[int], clients: list[Client]) -> LeadRows:
        """Leads across the statuses; each converted lead became one of `clients` (each
        client at most once) at the moment that contact was created."""
        rows = LeadRows()
        statuses = [self.statuses.pick(self.rng) for _ in lead_ids]
        converted_count = sum(s.semantics == LeadStatus.Semantics.CONVERTED for s in statuses)
        converted_clients = iter(self.rng.sample(clients, min(converted_count, len(clients))))
        for lead_id, status in zip(lead_ids, statuses, strict=True):
            if status.semantics == LeadStatus.Semantics.CONVERTED:
                client = next(converted_clients, None)
                if client is not None:
                    self._converted_lead(lead_id, status, client, rows)
                    continue
                status = self.first_status
            self._open_lead(lead_id, status, rows)
        return rows

    def _responsible(self) -> int:
        return self.rng.choice(self.manager_ids)

    def _source_id(self) -> int | None:
        """Most clients know where they came from; one in ten does not."""
        return None if self.rng.random() < 0.1 else self.sources.pick(self.rng).pk

    def _company(self, company_id: int, rows: ClientRows) -> _CompanyDraft:
        rng = self.rng
        name = fake_data.company_name(rng)
        place = fake_data.city(rng)
        created_at = self.moments.in_history()
        responsible_id = self._responsible()
        has_revenue = rng.random() < 0.5
        rows.companies.append(
            CompanyValues(
                id=company_id,
                title=name.title,
                company_type=self.company_types.pick(rng),
                industry=rng.choice(self.industries),
                revenue=Decimal(rng.randrange(1, 5000) * 1_000_000) if has_revenue else None,
                currency_id=self.base_currency_id if has_revenue else None,
                employees=rng.choice(EMPLOYEES),
                address=fake_data.address(rng, place),
                source_id=self._source_id(),
                responsible_id=responsible_id,
                created_by_id=responsible_id,
                created_at=created_at,
                updated_at=created_at,
            )
        )
        office_phone = fake_data.office_phone(rng, place.area_code)
        rows.communications.extend(
            _communications(None, company_id, None, office_phone, None, created_at)
        )
        if rng.random() < SHARE_OF_COMPANIES_WITH_REQUISITES:
            rows.requisites.append(_requisite(rng, company_id, name, place, created_at))
        return _CompanyDraft(company_id, name.title, name.domain, responsible_id, created_at)

    def _contact(
        self,
        contact_id: int,
        rows: ClientRows,
        company: _CompanyDraft | None,
        *,
        is_decision_maker: bool,
    ) -> None:
        rng = self.rng
        someone = fake_data.person(rng)
        if company is None:
            created_at = self.moments.in_history()
            position, responsible_id, domain = "", self._responsible(), None
        else:
            # a company is entered with its decision maker; the others join later
            if is_decision_maker:
                created_at, positions = company.created_at, DECISION_MAKER_POSITIONS
            else:
                created_at = self.moments.between(company.created_at, self.moments.now)
                positions = STAFF_POSITIONS
            position, responsible_id = rng.choice(positions), company.responsible_id
            domain = company.domain
        rows.contacts.append(
            ContactValues(
                id=contact_id,
                first_name=someone.first_name,
                middle_name=someone.middle_name,
                last_name=someone.last_name,
                position=position,
                birthdate=self._birthdate() if rng.random() < 0.3 else None,
                contact_type=Contact.Type.CLIENT,
                source_id=self._source_id(),
                responsible_id=responsible_id,
                created_by_id=responsible_id,
                created_at=created_at,
                updated_at=created_at,
            )
        )
        phone, mail = fake_data.mobile_phone(rng), fake_data.email(rng, someone, domain)
        rows.communications.extend(
            _communications(
                contact_id, None, None, phone, mail, created_at, label=Communication.Label.MOBILE
            )
        )
        client = Client(
            contact_id=contact_id,
            company_id=company.id if company else None,
            name=company.title if company else f"{someone.last_name} {someone.first_name}",
            person=someone,
            phone=phone,
            email=mail,
            responsible_id=responsible_id,
            created_at=created_at,
        )
        if company is None:
            rows.private_clients.append(client)
            return
        rows.business_clients.append(client)
        rows.links.append(
            ContactCompanyValues(
                contact_id, company.id, position, is_decision_maker, created_at, created_at
            )
        )

    def _birthdate(self) -> datetime.date:
        rng = self.rng
        return datetime.date(rng.randrange(1960, 2003), rng.randrange(1, 13), rng.randrange(1, 29))

    def _open_lead(self, lead_id: int, status: LeadStatus, rows: LeadRows) -> None:
        """A lead not converted (yet): somebody new, maybe naming their company."""
        rng = self.rng
        someone = fake_data.person(rng)
        created_at = self.moments.in_history()
        phone, mail = fake_data.mobile_phone(rng), fake_data.email(rng, someone)
        company_title = fake_data.company_name(rng).title if rng.random() < 0.4 else ""
        status_changed_at = None
        if status.pk != self.first_status.pk:
            status_changed_at = self.moments.after(created_at, datetime.timedelta(days=30))
        is_junk = status.semantics == LeadStatus.Semantics.JUNK
        lead = self._lead_values(lead_id, status, someone, self._responsible(), created_at)
        rows.leads.append(
            lead._replace(
                status_comment=rng.choice(JUNK_REASONS) if is_junk else "",
                company_title=company_title,
                status_changed_at=status_changed_at,
                updated_at=status_changed_at or created_at,
            )
        )
        self._lead_communications(lead_id, phone, mail, created_at, rows)

    def _converted_lead(
        self, lead_id: int, status: LeadStatus, client: Client, rows: LeadRows
    ) -> None:
        """A lead whose data became `client` when it was converted, up to 20 days after it
        came in."""
        converted_at = client.created_at
        created_at = converted_at - datetime.timedelta(days=20) * self.rng.random()
        lead = self._lead_values(lead_id, status, client.person, client.responsible_id, created_at)
        rows.leads.append(
            lead._replace(
                company_title=client.name if client.company_id else "",
                contact_id=client.contact_id,
                company_id=client.company_id,
                status_changed_at=converted_at,
                converted_at=converted_at,
                updated_at=converted_at,
            )
        )
        rows.converted.append(
            ConvertedLead(lead_id, client, lead.source_id, converted_at, lead.campaign_id)
        )
        self._lead_communications(lead_id, client.phone, client.email, created_at, rows)

    def _lead_values(
        self,
        lead_id: int,
        status: LeadStatus,
        someone: fake_data.Person,
        responsible_id: int,
        created_at: datetime.datetime,
    ) -> LeadValues:
        """A new lead's row: who asked, where from, for how much. An advertised lead belongs to
        the campaign its utm_campaign names (no random draw: the rest of the data stays as it
        was before leads had campaigns)."""
        rng = self.rng
        source = self.sources.pick(rng)
        is_advertised = source.code in ADVERTISED_SOURCES
        lead = LeadValues(
            id=lead_id,
            title=f"{source.name}: {someone.last_name} {someone.first_name}",
            status_id=status.pk,
            status_comment="",
            first_name=someone.first_name,
            middle_name=someone.middle_name,
            last_name=someone.last_name,
            company_title="",
            amount=Decimal(rng.randrange(1, 500) * 1000) if rng.random() < 0.5 else Decimal(0),
            currency_id=self.base_currency_id,
            source_id=source.pk,
            campaign_id=None,
            utm_source=rng.choice(("yandex", "google")) if is_advertised else "",
            utm_medium="cpc" if is_advertised else "",
            utm_campaign=rng.choice(UTM_CAMPAIGNS) if is_advertised else "",
            responsible_id=responsible_id,
            created_by_id=responsible_id,
            contact_id=None,
            company_id=None,
            status_changed_at=None,
            converted_at=None,
            created_at=created_at,
            updated_at=created_at,
        )
        return lead._replace(campaign_id=self.campaign_ids.get(lead.utm_campaign))

    def _lead_communications(
        self,
        lead_id: int,
        phone: fake_data.PhoneOrEmail,
        mail: fake_data.PhoneOrEmail,
        at: datetime.datetime,
        rows: LeadRows,
    ) -> None:
        """Most leads leave a phone, many an e-mail, every lead one or the other."""
        has_phone = self.rng.random() < 0.85
        has_email = not has_phone or self.rng.random() < 0.6
        rows.communications.extend(
            _communications(
                None, None, lead_id, phone if has_phone else None, mail if has_email else None, at
            )
        )


def _lead_status_weights(
    statuses: tuple[LeadStatus, ...],
) -> list[tuple[LeadStatus, float]]:
    """Each status's share: its semantics' share of LEAD_OUTCOMES, split evenly among the
    statuses that have those semantics."""
    weights = []
    for status in statuses:
        alike = sum(other.semantics == status.semantics for other in statuses)
        weights.append((status, LEAD_OUTCOMES.get(status.semantics, 0) / alike))
    return weights


def _communications(
    contact_id: int | None,
    company_id: int | None,
    lead_id: int | None,
    phone: fake_data.PhoneOrEmail | None,
    mail: fake_data.PhoneOrEmail | None,
    at: datetime.datetime,
    *,
    label: str = Communication.Label.WORK,
) -> Iterator[CommunicationValues]:
    """The phone (with `label`) and the e-mail of one owner: a contact, a company or a lead."""
    for kind, item, item_label in (
        (Communication.Kind.PHONE, phone, label),
        (Communication.Kind.EMAIL, mail, Communication.Label.WORK),
    ):
        if item is not None:
            yield CommunicationValues(
                contact_id=contact_id,
                company_id=company_id,
                lead_id=lead_id,
                kind=kind,
                label=item_label,
                value=item.value,
                normalized_value=item.normalized_value,
                created_at=at,
                updated_at=at,
            )


def _requisite(
    rng: random.Random,
    company_id: int,
    name: fake_data.CompanyName,
    place: fake_data.City,
    at: datetime.datetime,
) -> RequisiteValues:
    registered = rng.randrange(2000, 2024)
    account = fake_data.bank_account(rng)
    legal_address = fake_data.address(rng, place)
    if name.legal_form == "ИП":
        kind = CompanyRequisite.Kind.SOLE_PROPRIETOR
        inn = fake_data.inn_of_person(rng, place.tax_region)
        kpp, ogrn = "", fake_data.ogrnip(rng, place.tax_region, registered)
    else:
        kind = CompanyRequisite.Kind.LEGAL_ENTITY
        inn = fake_data.inn_of_organisation(rng, place.tax_region)
        kpp, ogrn = fake_data.kpp(inn), fake_data.ogrn(rng, place.tax_region, registered)
    return RequisiteValues(
        company_id=company_id,
        kind=kind,
        full_name=name.legal_name,
        inn=inn,
        kpp=kpp,
        ogrn=ogrn,
        legal_address=legal_address,
        postal_address=legal_address,
        bank_name=account.bank_name,
        bik=account.bik,
        settlement_account=account.settlement_account,
        correspondent_account=account.correspondent_account,
        created_at=at,
        updated_at=at,
    )
