"""A hand-built sales world whose report figures are written out by hand in the tests.

Three people (tests.factories.sales_staff): "responsible" (a manager in the Wholesale team,
scope own), "other" (a manager in Retail, own) and "head" (head of Wholesale, department
and below: sees the responsible's items and own). A director sees everything.

Deals (pipeline Sales: New → Negotiation → Won / Lost; RUB base, USD at 90):
| title | responsible | stage       | amount     | created    | closed     | company  |
| R1    | responsible | Won         | 1000 RUB   | 2026-01-10 | 2026-02-01 | Alpha    |
| R2    | responsible | Won         | 10 USD=900 | 2026-01-15 | 2026-02-10 | Alpha    |
| R3    | responsible | Lost        | 500 RUB    | 2026-01-20 | 2026-02-05 | Beta     |
| R4    | responsible | Negotiation | 2000 RUB   | 2026-02-01 |            | Beta     |
| O1    | other       | Won         | 3000 RUB   | 2026-01-05 | 2026-01-25 | Gamma    |
| O2    | other       | New         | 700 RUB    | 2026-03-01 |            | (none)   |
| H1    | head        | Lost        | 400 RUB    | 2026-02-20 | 2026-03-01 | Alpha    |
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from accounts.models import PermissionEntity, Role, RolePermission
from deals.models import Deal
from tests.factories import CompanyFactory, DealFactory, UserFactory, sales_staff


def moment(day: str) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.fromisoformat(f"{day}T12:00"))


DEALS = [
    ("R1", "responsible", "Won", "1000", "RUB", "2026-01-10", "2026-02-01", "Alpha"),
    ("R2", "responsible", "Won", "10", "USD", "2026-01-15", "2026-02-10", "Alpha"),
    ("R3", "responsible", "Lost", "500", "RUB", "2026-01-20", "2026-02-05", "Beta"),
    ("R4", "responsible", "Negotiation", "2000", "RUB", "2026-02-01", None, "Beta"),
    ("O1", "other", "Won", "3000", "RUB", "2026-01-05", "2026-01-25", "Gamma"),
    ("O2", "other", "New", "700", "RUB", "2026-03-01", None, None),
    ("H1", "head", "Lost", "400", "RUB", "2026-02-20", "2026-03-01", "Alpha"),
]


@pytest.fixture
def world(pipeline, money):
    users = sales_staff()
    for user, (first, last) in zip(
        users.values(), [("Roman", "Rostov"), ("Olga", "Orlova"), ("Hugo", "Hedin")], strict=True
    ):
        user.first_name, user.last_name = first, last
        user.save()
    report_role = Role.objects.create(name="Reports")
    RolePermission.objects.create(role=report_role, entity=PermissionEntity.REPORT, action="view",
                                  scope="own")  # fmt: skip
    director = UserFactory(username="director", first_name="Dina", last_name="Director",
                           is_superuser=True)  # fmt: skip
    for user in users.values():
        user.roles.add(report_role)
    stages = {stage.name: stage for stage in pipeline.stages.all()}
    companies = {name: CompanyFactory(title=name) for name in ("Alpha", "Beta", "Gamma")}
    deals = {}
    for title, owner, stage, amount, currency, created, closed, company in DEALS:
        deal = DealFactory(
            title=title, responsible=users[owner], pipeline=pipeline, stage=stages[stage],
            amount=Decimal(amount), currency=money[currency],
            company=companies[company] if company else None,
        )  # fmt: skip
        Deal.objects.filter(pk=deal.pk).update(
            created_at=moment(created), closed_at=moment(closed) if closed else None
        )
        deals[title] = deal
    return SimpleNamespace(users=users | {"director": director}, stages=stages,
                           companies=companies, deals=deals, pipeline=pipeline)  # fmt: skip
