import random
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Q

from accounts.models import User
from activities.models import Activity, TimelineEvent
from contacts.models import Company, CompanyRequisite
from contacts.requisites import validate_inn, validate_ogrn
from deals.models import Deal, DealStageChange, Pipeline
from deals.services import StageSpec, pipeline_check_stages
from demo import builder, data, identifiers
from leads.models import Lead, LeadStatus
from shopsync.models import Shop

DEMO_USERNAMES = [
    "admin", "director", "head.wholesale", "head.retail",
    "ivanov", "petrova", "sidorov", "kuznetsova", "smirnov",
]  # fmt: skip


def _snapshot() -> dict[str, int]:
    return dict(builder.summary_counts())


@pytest.mark.django_db
def test_seed_demo_builds_a_consistent_demo_and_if_empty_then_adds_nothing():
    # when
    out = StringIO()
    call_command("seed_demo", stdout=out)

    # then: staff, with a working demo login
    assert sorted(User.objects.values_list("username", flat=True)) == sorted(DEMO_USERNAMES)
    admin = authenticate(username="admin", password=data.DEMO_PASSWORD)
    assert admin is not None and admin.is_staff and admin.is_superuser
    assert "head.wholesale" in out.getvalue() and "password for all: demo" in out.getvalue()

    # both pipelines keep the stage rules; the intake one is the default
    pipelines = {pipeline.name: pipeline for pipeline in Pipeline.objects.all()}
    assert set(pipelines) == {data.INTAKE_PIPELINE, data.ORDERS_PIPELINE}
    assert pipelines[data.INTAKE_PIPELINE].is_default
    for pipeline in pipelines.values():
        pipeline_check_stages(
            [StageSpec(s.name, s.sort, s.semantics, s.color) for s in pipeline.stages.all()]
        )

    # deals everywhere, each with products, and a stage history the timeline agrees with
    assert Deal.objects.count() >= 250
    orders = pipelines[data.ORDERS_PIPELINE]
    empty_stages = orders.stages.annotate(deals_count=Count("deals")).filter(deals_count=0)
    assert list(empty_stages) == []
    assert not Deal.objects.filter(product_rows=None).exists()
    moves = DealStageChange.objects.filter(from_stage__isnull=False).count()
    assert moves > 500
    assert TimelineEvent.objects.filter(entity_type="deal", kind="stage_moved").count() == moves

    # every company has exactly one decision maker; requisites carry valid identifiers
    assert Company.objects.count() >= 25
    decision_makers = Company.objects.annotate(
        decision_makers=Count("contact_links", filter=Q(contact_links__is_decision_maker=True))
    )
    assert list(decision_makers.exclude(decision_makers=1)) == []
    requisites = list(CompanyRequisite.objects.all())
    assert len(requisites) >= 25
    for requisite in requisites:
        validate_inn(requisite.inn)
        validate_ogrn(requisite.ogrn)
        assert requisite.kpp.startswith(requisite.inn[:4])

    # leads in every status, the converted ones with what they became
    statuses = LeadStatus.objects.annotate(leads_count=Count("leads"))
    assert all(status.leads_count > 0 for status in statuses)
    converted = Lead.objects.filter(status__semantics=LeadStatus.Semantics.CONVERTED)
    assert converted.count() >= 10
    assert not converted.filter(contact=None).exists()
    assert Deal.objects.filter(lead__in=converted).count() == converted.count()

    # a manager's plan: overdue, repeated and reminded activities beside the done ones
    planned = Activity.objects.filter(status=Activity.Status.PLANNED)
    assert planned.filter(deadline__lt=builder.timezone.now()).exists()
    assert planned.filter(deadline__gt=builder.timezone.now()).exists()
    assert planned.exclude(remind_at=None).exists()
    assert Activity.objects.exclude(repeat_every=None).count() >= 2
    assert Activity.objects.filter(status=Activity.Status.DONE).exclude(result="").exists()
    shop = Shop.objects.get()  # connected to the demo CommerceML shop that `make run` starts
    assert shop.exchange_url.startswith("http://127.0.0.1:8010/")
    assert shop.pipeline == pipelines[data.ORDERS_PIPELINE] and shop.managers.count() >= 2
    assert sorted(shop.status_stages.values_list("status_code", flat=True)) == ["F", "N", "P"]

    # when: loaded again with --if-empty
    before = _snapshot()
    again = StringIO()
    call_command("seed_demo", "--if-empty", stdout=again)

    # then: nothing is added
    assert "already has deals" in again.getvalue()
    assert _snapshot() == before

    # and without the flag it refuses, also adding nothing
    with pytest.raises(CommandError, match="users already exist: admin"):
        call_command("seed_demo", stdout=StringIO())
    assert _snapshot() == before


@pytest.mark.django_db
def test_seed_demo_if_empty_skips_a_database_that_has_the_demo_users():
    # given
    User.objects.create_user(username="admin", password="something-else")

    # when
    out = StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)

    # then
    assert "users already exist: admin" in out.getvalue()
    assert User.objects.count() == 1
    assert not Deal.objects.exists()


def test_generated_identifiers_have_valid_check_digits():
    rng = random.Random(1)
    for _ in range(200):
        inn = identifiers.inn_of_organisation(rng, "40")
        validate_inn(inn)
        validate_ogrn(identifiers.ogrn_of_organisation(rng, "40", 2015))
        account = identifiers.settlement_account(rng, "044525225")
        assert len(account) == 20 and account.startswith("40702810")
        weighted = zip("225" + account, (7, 1, 3) * 8, strict=False)
        assert sum(int(digit) * weight for digit, weight in weighted) % 10 == 0


@pytest.mark.django_db
def test_demo_roles_scope_what_each_user_sees():
    from accounts.policy import restrict
    from deals.models import Deal

    call_command("seed_demo", stdout=StringIO())
    users = {user.username: user for user in User.objects.all()}

    def visible(username):
        deals = restrict(
            Deal.objects.select_related("responsible"), user=users[username], entity="deal"
        )
        return {(deal.responsible.username, deal.is_open_to_all) for deal in deals}

    # a manager sees own deals and those open to all
    assert {owner for owner, is_open in visible("ivanov") if not is_open} == {"ivanov"}
    # the head of wholesale sees the team's deals
    team = {owner for owner, is_open in visible("head.wholesale") if not is_open}
    assert team == {"ivanov", "petrova", "sidorov"} | ({"head.wholesale"} & team)
    # the director sees everything
    director_deals = restrict(Deal.objects.all(), user=users["director"], entity="deal")
    assert director_deals.count() == Deal.objects.count()
