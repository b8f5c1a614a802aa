"""A hand-built world of leads, campaigns, deals with their stage history, and activities,
whose report figures tests/reports/test_funnel_leads_activity.py writes out by hand.

People (tests.factories.sales_staff): "responsible" Roman Rostov (a manager in the Wholesale
team, scope own), "other" Olga Orlova (a manager in Retail, own), "head" Hugo Hedin (head of
Wholesale: sees the responsible's items and own); "director" Dina Director, a superuser, sees
everything. The three have a role that lets them view reports.

Campaigns (RUB base, USD at 90):
| name   | cost        | runs                     |
| Free   | 0           | (no dates)               |
| Old    | 500 RUB     | 2025-01-01 – 2025-01-31  |
| Spring | 1000 RUB    | 2026-03-01 – 2026-03-31  |
| Summer | 10 USD=900  | 2026-06-01 – 2026-06-30  |

Leads (sources Website sort 10, Phone sort 20; statuses new, in_process, converted, junk):
| title | responsible | source  | campaign | status     | created          | converted        |
| L1    | responsible | Website | Spring   | converted  | 2026-03-02 12:00 | 2026-03-04 12:00 | 2 d
| L2    | responsible | Website | Spring   | new        | 2026-03-05 12:00 |                  |
| L3    | responsible | Phone   |          | junk       | 2026-03-10 12:00 |                  |
| L4    | responsible | Website | Summer   | converted  | 2026-06-02 12:00 | 2026-06-03 00:00 | 12 h
| O1    | other       | Website | Spring   | converted  | 2026-03-03 12:00 | 2026-03-03 18:00 | 6 h
| O2    | other       |         | Free     | in_process | 2026-04-01 12:00 |                  |
| H1    | head        | Phone   | Summer   | in_process | 2026-06-05 12:00 |                  |
| H2    | head        | Phone   | Spring   | converted  | 2026-03-20 12:00 | 2026-03-25 12:00 | 5 d

Deals (pipeline Sales: New 10 → Negotiation 20 → Won 30 / Lost 40; created = the first
entry; closed = the entry into Won / Lost); the history is the deal's DealStageChange rows:
| title | responsible | stage       | amount      | campaign | history                                      |
| D1    | responsible | Won         | 1000 RUB    | Spring   | New 03-05, Negotiation 03-10, Won 03-20      |
| D2    | responsible | Lost        | 500 RUB     | Spring   | New 03-06, Negotiation 03-12, Lost 03-25     |
| D3    | responsible | New         | 300 RUB     | Summer   | New 06-05                                    |
| D4    | responsible | Won         | 20 USD=1800 | Free     | Negotiation 04-01 (created there), Won 04-10 |
| D5    | other       | Won         | 2000 RUB    | Spring   | New 03-07, Won 03-15 (skipped Negotiation)   |
| D6    | other       | New         | 700 RUB     | Summer   | New 06-10, Negotiation 06-15, New 06-20      |
| H1    | head        | Lost        | 400 RUB     | Summer   | New 06-12, Lost 06-30                        |
| H2    | head        | Won         | 600 RUB     | Spring   | New 02-20, Negotiation 03-01, Won 03-28      |
| P1    | responsible | New (Partners pipeline) | 5000 RUB |  | New 03-10                                    |
(all in 2026)

Activities (done ones completed on the day given; "overdue" = planned, deadline 1–3 days ago;
"later" = planned, deadline in 2 days; "no deadline" = planned without one):
| responsible | done                                                                  | planned            |
| responsible | call 03-02, call 03-10, meeting 04-05, task 03-15, e-mail out 03-03,  | task overdue,      |
|             | e-mail in 03-04 (received: not sent), comment 03-05 (not counted)     | call later         |
| other       | call 03-20, e-mail out 05-01                                          | meeting overdue,   |
|             |                                                                       | task overdue       |
| head        | task 03-25                                                            | task no deadline   |
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from accounts.models import PermissionAction, PermissionEntity, Role, RolePermission
from activities.models import Activity
from catalog.models import Currency
from deals.models import Deal, DealStageChange, Pipeline
from leads.models import Campaign, Lead, LeadStatus
from tests.factories import (
    DealFactory,
    LeadFactory,
    SourceFactory,
    UserFactory,
    sales_pipeline,
    sales_staff,
)

YEAR = 2026


def moment(day: str, time: str = "12:00", *, year: int = YEAR) -> datetime.datetime:
    """`day` ("MM-DD", or a full ISO date) at `time`, in the current time zone."""
    date = day if len(day) > 5 else f"{year}-{day}"
    return timezone.make_aware(datetime.datetime.fromisoformat(f"{date}T{time}"))


CAMPAIGNS = [
    ("Free", "0", "RUB", None, None),
    ("Old", "500", "RUB", "2025-01-01", "2025-01-31"),
    ("Spring", "1000", "RUB", "2026-03-01", "2026-03-31"),
    ("Summer", "10", "USD", "2026-06-01", "2026-06-30"),
]
LEADS = [
    ("L1", "responsible", "Website", "Spring", "converted", "03-02 12:00", "03-04 12:00"),
    ("L2", "responsible", "Website", "Spring", "new", "03-05 12:00", None),
    ("L3", "responsible", "Phone", None, "junk", "03-10 12:00", None),
    ("L4", "responsible", "Website", "Summer", "converted", "06-02 12:00", "06-03 00:00"),
    ("O1", "other", "Website", "Spring", "converted", "03-03 12:00", "03-03 18:00"),
    ("O2", "other", None, "Free", "in_process", "04-01 12:00", None),
    ("H1", "head", "Phone", "Summer", "in_process", "06-05 12:00", None),
    ("H2", "head", "Phone", "Spring", "converted", "03-20 12:00", "03-25 12:00"),
]
DEALS = [
    ("D1", "responsible", "1000", "RUB", "Spring",
     [("New", "03-05"), ("Negotiation", "03-10"), ("Won", "03-20")]),
    ("D2", "responsible", "500", "RUB", "Spring",
     [("New", "03-06"), ("Negotiation", "03-12"), ("Lost", "03-25")]),
    ("D3", "responsible", "300", "RUB", "Summer", [("New", "06-05")]),
    ("D4", "responsible", "20", "USD", "Free", [("Negotiation", "04-01"), ("Won", "04-10")]),
    ("D5", "other", "2000", "RUB", "Spring", [("New", "03-07"), ("Won", "03-15")]),
    ("D6", "other", "700", "RUB", "Summer",
     [("New", "06-10"), ("Negotiation", "06-15"), ("New", "06-20")]),
    ("H1", "head", "400", "RUB", "Summer", [("New", "06-12"), ("Lost", "06-30")]),
    ("H2", "head", "600", "RUB", "Spring",
     [("New", "02-20"), ("Negotiation", "03-01"), ("Won", "03-28")]),
]  # fmt: skip
PARTNER_DEALS = [("P1", "responsible", "5000", "RUB", None, [("New", "03-10")])]
DONE, PLANNED = Activity.Status.DONE, Activity.Status.PLANNED
# (responsible, kind, status, completed on or deadline in days from now, direction)
ACTIVITIES = [
    ("responsible", "call", DONE, "03-02", ""),
    ("responsible", "call", DONE, "03-10", ""),
    ("responsible", "meeting", DONE, "04-05", ""),
    ("responsible", "task", DONE, "03-15", ""),
    ("responsible", "email", DONE, "03-03", "outgoing"),
    ("responsible", "email", DONE, "03-04", "incoming"),
    ("responsible", "comment", DONE, "03-05", ""),
    ("responsible", "task", PLANNED, -2, ""),
    ("responsible", "call", PLANNED, 2, ""),
    ("other", "call", DONE, "03-20", ""),
    ("other", "email", DONE, "05-01", "outgoing"),
    ("other", "meeting", PLANNED, -1, ""),
    ("other", "task", PLANNED, -3, ""),
    ("head", "task", DONE, "03-25", ""),
    ("head", "task", PLANNED, None, ""),
]


def build_lead_world(money: dict[str, Currency], statuses: dict[str, LeadStatus]):
    """The world of the module docstring; `money` and `statuses` are the test fixtures."""
    users = sales_staff()
    names = [("Roman", "Rostov"), ("Olga", "Orlova"), ("Hugo", "Hedin")]
    for user, (first, last) in zip(users.values(), names, strict=True):
        user.first_name, user.last_name = first, last
        user.save()
    report_role = Role.objects.create(name="Reports")
    RolePermission.objects.create(role=report_role, entity=PermissionEntity.REPORT,
                                  action=PermissionAction.VIEW, scope="own")  # fmt: skip
    for user in users.values():
        user.roles.add(report_role)
    director = UserFactory(username="director", first_name="Dina", last_name="Director",
                           is_superuser=True)  # fmt: skip
    users["director"] = director

    sales = Pipeline.objects.get(is_default=True)
    partners = sales_pipeline("Partners")
    sources = {
        "Website": SourceFactory(code="website", name="Website", sort=10),
        "Phone": SourceFactory(code="phone", name="Phone", sort=20),
    }
    campaigns = {
        name: Campaign.objects.create(
            name=name,
            cost=Decimal(cost),
            currency=money[currency],
            starts_on=datetime.date.fromisoformat(start) if start else None,
            ends_on=datetime.date.fromisoformat(end) if end else None,
        )
        for name, cost, currency, start, end in CAMPAIGNS
    }
    leads = {}
    for title, owner, source, campaign, status, created, converted in LEADS:
        lead = LeadFactory(
            title=title, responsible=users[owner], status=statuses[status],
            source=sources[source] if source else None,
            campaign=campaigns[campaign] if campaign else None,
        )  # fmt: skip
        Lead.objects.filter(pk=lead.pk).update(
            created_at=moment(*created.split()),
            converted_at=moment(*converted.split()) if converted else None,
        )
        leads[title] = lead
    deals = {}
    for pipeline, rows in ((sales, DEALS), (partners, PARTNER_DEALS)):
        for title, owner, amount, currency, campaign, history in rows:
            deals[title] = deal_with_history(
                pipeline, title=title, responsible=users[owner], amount=Decimal(amount),
                currency=money[currency], campaign=campaigns[campaign] if campaign else None,
                history=[(stage, moment(day)) for stage, day in history],
            )  # fmt: skip
    now = timezone.now()
    Activity.objects.bulk_create(
        Activity(
            kind=kind,
            status=status,
            subject=f"{kind} of {owner}",
            responsible=users[owner],
            direction=direction,
            completed_at=moment(when) if status == DONE else None,
            deadline=None
            if when is None or status == DONE
            else now + datetime.timedelta(days=when),
        )
        for owner, kind, status, when, direction in ACTIVITIES
    )
    return SimpleNamespace(users=users, sources=sources, campaigns=campaigns, leads=leads,
                           deals=deals, pipelines={"Sales": sales, "Partners": partners},
                           statuses=statuses, money=money)  # fmt: skip


def deal_with_history(pipeline: Pipeline, *, history: list[tuple[str, datetime.datetime]],
                      **fields) -> Deal:  # fmt: skip
    """A deal of `pipeline` that went through `history` (stage name, when): created at the
    first entry, now in the last stage, closed when that one is final."""
    stages = {stage.name: stage for stage in pipeline.stages.all()}
    last_stage, last_at = stages[history[-1][0]], history[-1][1]
    deal = DealFactory(pipeline=pipeline, stage=last_stage, **fields)
    Deal.objects.filter(pk=deal.pk).update(
        created_at=history[0][1], stage_changed_at=last_at,
        closed_at=last_at if last_stage.is_final else None,
    )  # fmt: skip
    previous = [None, *(stages[name] for name, _at in history[:-1])]
    DealStageChange.objects.bulk_create(
        DealStageChange(deal=deal, from_stage=from_stage, to_stage=stages[name], at=at)
        for from_stage, (name, at) in zip(previous, history, strict=True)
    )
    return deal


def add_more_of_everything(world, *, count: int) -> None:
    """`count` more leads, deals with a history, activities and campaigns for every person:
    the reports must not spend more queries on them."""
    sales = world.pipelines["Sales"]
    for index in range(count):
        for owner in ("responsible", "other", "head"):
            user = world.users[owner]
            campaign = Campaign.objects.create(name=f"Extra {owner} {index}", cost=Decimal(100),
                                               currency=world.money["RUB"])  # fmt: skip
            LeadFactory(responsible=user, status=world.statuses["converted"],
                        source=world.sources["Phone"], campaign=campaign,
                        converted_at=timezone.now())  # fmt: skip
            deal_with_history(
                sales, title=f"Extra {owner} {index}", responsible=user, amount=Decimal(10),
                currency=world.money["RUB"], campaign=campaign,
                history=[("New", moment("05-01")), ("Negotiation", moment("05-02")),
                         ("Won", moment("05-03"))],
            )  # fmt: skip
            Activity.objects.bulk_create(
                [
                    Activity(kind="call", status=DONE, subject="extra", responsible=user,
                             completed_at=moment("05-04")),
                    Activity(kind="task", status=PLANNED, subject="extra", responsible=user,
                             deadline=timezone.now() - datetime.timedelta(days=1)),
                ]
            )  # fmt: skip
