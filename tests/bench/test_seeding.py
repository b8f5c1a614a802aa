import datetime
import re
from decimal import Decimal

import pytest
from django.db.models import Count, F, Q
from django.utils import timezone

from accounts.models import User
from activities.models import Activity, ActivityBinding
from bench import seeding
from bench.bulk_insert import Batch
from bench.chunk_writer import ChunkWriter
from bench.seeding import SeedResult, seed
from catalog.models import Product, ProductRow
from contacts.communications import normalize
from contacts.models import Communication, Company, CompanyRequisite, Contact, ContactCompany
from contacts.requisites import validate_inn, validate_ogrn
from core.models import EntityType
from deals.models import Deal, DealContact, DealStageChange, Pipeline, Stage
from deals.services import StageSpec, pipeline_check_stages
from leads.models import Lead, LeadStatus

pytestmark = pytest.mark.django_db

SIZE = 200
E164_RUSSIAN = re.compile(r"^\+7\d{10}$")
CENT = Decimal("0.01")


@pytest.fixture
def seeded() -> SeedResult:
    return seed(SIZE)


def test_seed_adds_deals_with_clients_and_leads_in_proportion(seeded):
    assert seeded.deals == SIZE
    assert Deal.objects.count() == SIZE
    assert Company.objects.count() == SIZE // 10
    assert Contact.objects.count() == SIZE // 2
    assert Lead.objects.count() == SIZE // 2
    assert DealContact.objects.filter(is_primary=True).count() == SIZE
    assert DealStageChange.objects.count() == SIZE
    assert SIZE <= ProductRow.objects.count() <= 3 * SIZE
    assert SIZE <= Activity.objects.count() <= 3 * SIZE
    assert User.objects.filter(username__startswith="bench.manager").count() == 10
    assert Product.objects.filter(sku__startswith="BENCH-").count() == 200
    assert seeded.rows["deals_deal"] == SIZE
    assert seeded.total_rows == sum(seeded.rows.values())


def test_every_company_has_one_decision_maker_and_every_contact_a_phone_and_an_email(seeded):
    decision_makers = ContactCompany.objects.filter(is_decision_maker=True)
    per_company = decision_makers.values("company").annotate(count=Count("id"))
    assert sorted(row["count"] for row in per_company) == [1] * (SIZE // 10)
    for kind in (Communication.Kind.PHONE, Communication.Kind.EMAIL):
        contacts_with_it = Communication.objects.filter(kind=kind, contact__isnull=False)
        assert contacts_with_it.values("contact").distinct().count() == SIZE // 2


def test_communications_are_normalized_as_the_contacts_app_does(seeded):
    phones = Communication.objects.filter(kind=Communication.Kind.PHONE)
    emails = Communication.objects.filter(kind=Communication.Kind.EMAIL)

    assert phones.exists() and emails.exists()
    for phone in phones:
        assert E164_RUSSIAN.match(phone.normalized_value), phone.normalized_value
        assert normalize(phone.kind, phone.value) == phone.normalized_value
    for email in emails:
        assert normalize(email.kind, email.value) == email.normalized_value


def test_deals_sit_in_stages_of_their_own_pipelines(seeded):
    assert not Deal.objects.exclude(stage__pipeline=F("pipeline")).exists()
    assert not Deal.objects.filter(stage__semantics="in_progress", closed_at__isnull=False).exists()
    assert not Deal.objects.exclude(stage__semantics="in_progress").filter(closed_at=None).exists()
    in_progress = Deal.objects.filter(stage__semantics=Stage.Semantics.IN_PROGRESS).count()
    assert in_progress > SIZE / 2
    latest_change_stages = DealStageChange.objects.values_list("deal__stage", "to_stage")
    assert all(deal_stage == to_stage for deal_stage, to_stage in latest_change_stages)
    for pipeline in Pipeline.objects.filter(deals__isnull=False).distinct():
        stages = [StageSpec(s.name, s.sort, s.semantics) for s in pipeline.stages.all()]
        pipeline_check_stages(stages)


def test_deal_amounts_are_the_sums_of_consistent_product_rows(seeded):
    # summed in Python: SQLite adds decimals as floats
    for deal in Deal.objects.prefetch_related("product_rows"):
        rows = deal.product_rows.all()
        assert 1 <= len(rows) <= 3
        for row in rows:
            assert row.discount_rate == 0 and row.discount_amount == 0
            assert row.line_total == (row.price * row.quantity).quantize(CENT)
        assert deal.amount == sum(row.line_total for row in rows)
        assert deal.tax_amount == sum(row.tax_total for row in rows)


def test_created_at_spreads_over_the_last_two_years(seeded):
    now = timezone.now()
    created = Deal.objects.values_list("created_at", flat=True)
    assert min(created) >= now - datetime.timedelta(days=731)
    assert max(created) <= now
    assert max(created) - min(created) > datetime.timedelta(days=365)


def test_leads_spread_over_statuses_and_converted_ones_lead_to_deals(seeded):
    assert LeadStatus.objects.filter(semantics=LeadStatus.Semantics.CONVERTED).count() == 1
    assert Lead.objects.values("status").distinct().count() == LeadStatus.objects.count()
    converted = Lead.objects.filter(status__semantics=LeadStatus.Semantics.CONVERTED)
    assert not converted.filter(Q(contact=None) | Q(converted_at=None)).exists()
    assert Deal.objects.filter(lead__isnull=False).count() == converted.count() > 0


def test_activities_are_bound_to_their_deals(seeded):
    bindings = ActivityBinding.objects.all()
    assert bindings.count() == Activity.objects.count()
    assert set(bindings.values_list("entity_type", flat=True)) == {EntityType.DEAL}
    assert set(bindings.values_list("entity_id", flat=True)) <= set(
        Deal.objects.values_list("id", flat=True)
    )
    assert Activity.objects.filter(status=Activity.Status.PLANNED).exists()
    assert Activity.objects.filter(status=Activity.Status.DONE).exists()


def test_seeded_rows_pass_the_models_validation(seeded):
    for model in (Company, CompanyRequisite, Contact, Lead, Deal, ProductRow, Activity):
        for instance in model.objects.all()[:20]:
            instance.full_clean()
    for requisite in CompanyRequisite.objects.all():
        validate_inn(requisite.inn)
        validate_ogrn(requisite.ogrn)


def test_seeding_again_adds_another_set_and_reuses_the_reference_data(seeded):
    # given
    pipelines, products = Pipeline.objects.count(), Product.objects.count()
    first_titles = list(Deal.objects.order_by("id").values_list("title", flat=True))

    # when
    second = seed(SIZE)

    # then
    assert Deal.objects.count() == 2 * SIZE
    assert Company.objects.count() == 2 * (SIZE // 10)
    assert Contact.objects.count() == 2 * (SIZE // 2)
    assert Pipeline.objects.count() == pipelines
    assert Product.objects.count() == products
    assert User.objects.filter(username__startswith="bench.manager").count() == 10
    # the same seed gives the same data
    second_titles = Deal.objects.order_by("id").values_list("title", flat=True)[SIZE:]
    assert list(second_titles) == first_titles
    assert second.rows == seeded.rows


@pytest.mark.django_db(transaction=True)
def test_seeding_outside_a_transaction_commits_chunk_by_chunk(monkeypatch):
    # given: several chunks, written by the background writers on PostgreSQL
    monkeypatch.setattr(seeding, "DEALS_PER_CHUNK", 60)

    # when
    result = seed(SIZE)

    # then
    assert Deal.objects.count() == SIZE
    assert result.rows["deals_deal"] == SIZE
    assert DealContact.objects.count() == SIZE
    assert not Deal.objects.exclude(stage__pipeline=F("pipeline")).exists()


class FailingInserter:
    def insert(self, batch):
        raise ValueError(f"cannot insert into {batch.table}")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("threads", [0, 2])
def test_chunk_writer_hands_a_failed_insert_to_the_caller(threads):
    batch = Batch(table="deals_deal", row_count=1, statement="", data=[])

    with (
        pytest.raises(ValueError, match="cannot insert into deals_deal"),
        ChunkWriter(FailingInserter(), threads=threads) as writer,
    ):
        writer.write([batch])

    assert writer.rows_written == {}
