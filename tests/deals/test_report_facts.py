"""The two figures of a deal the database's triggers keep for the reports (deals/migrations/
0003): how many contacts it has (Deal.contact_count) and the furthest funnel stage of its
pipeline its history entered (Deal.funnel_stage). They must follow every way the rows change:
the services, bulk inserts, the ORM's cascades, rows written around the services."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contacts.services import contact_delete, contact_merge
from deals.models import Deal, DealContact, DealStageChange, Pipeline
from deals.services import (
    DealDraft,
    deal_add_contact,
    deal_create,
    deal_create_many,
    deal_move_to_pipeline,
    deal_move_to_stage,
    deal_remove_contact,
    deal_set_contacts,
    deals_funnel_refresh,
)
from tests.factories import (
    ContactFactory,
    DealFactory,
    UserFactory,
    currencies,
    sales_pipeline,
)

pytestmark = pytest.mark.django_db


def kept(deal: Deal) -> tuple[int, str | None]:
    deal = Deal.objects.select_related("funnel_stage").get(pk=deal.pk)
    return deal.contact_count, deal.funnel_stage.name if deal.funnel_stage else None


@pytest.fixture
def stages(pipeline):
    return {stage.name: stage for stage in pipeline.stages.all()}


def test_the_contact_count_follows_links_made_and_unmade_by_the_services(pipeline):
    anna, boris, vera = ContactFactory.create_batch(3)
    deal = deal_create(title="Order", actor=None, contacts=[anna, boris])
    assert kept(deal) == (2, "New")

    deal_add_contact(deal=deal, contact=vera, actor=None)
    assert kept(deal)[0] == 3
    deal_remove_contact(deal=deal, contact=anna, actor=None)
    assert kept(deal)[0] == 2
    deal_set_contacts(deal=deal, contacts=[anna], actor=None)
    assert kept(deal)[0] == 1
    deal_set_contacts(deal=deal, contacts=[], actor=None)
    assert kept(deal)[0] == 0


def test_the_contact_count_follows_a_deleted_and_a_merged_contact(pipeline):
    anna, boris, anna_again = ContactFactory.create_batch(3)
    both = deal_create(title="Both", actor=None, contacts=[anna, anna_again])
    other = deal_create(title="Other", actor=None, contacts=[anna_again, boris])

    # the duplicate's link to `both` goes (anna is there), its link to `other` moves to anna
    contact_merge(target=anna, duplicates=[anna_again], actor=None)
    assert (kept(both)[0], kept(other)[0]) == (1, 2)

    contact_delete(contact=boris, actor=None)
    assert kept(other)[0] == 1


def test_the_figures_of_deals_inserted_in_bulk_and_rows_written_around_the_services(pipeline):
    anna, boris = ContactFactory.create_batch(2)
    created = deal_create_many(drafts=[
        DealDraft(title="Two", pipeline=pipeline, currency=currencies()["RUB"],
                  contacts=[anna, boris]),
        DealDraft(title="None", pipeline=pipeline, currency=currencies()["RUB"]),
    ])  # fmt: skip
    assert [kept(each.deal) for each in created] == [(2, "New"), (0, "New")]

    written = DealFactory()  # no history, no links
    assert kept(written) == (0, None)
    DealContact.objects.bulk_create([DealContact(deal=written, contact=anna)])
    link = DealContact.objects.get(deal=written)
    DealContact.objects.filter(pk=link.pk).update(deal=created[1].deal)  # moved to another deal
    assert (kept(written)[0], kept(created[1].deal)[0]) == (0, 1)


def test_a_whole_save_of_a_stale_deal_leaves_the_kept_figures_alone(pipeline, stages):
    deal = deal_create(title="Order", actor=None)
    stale = Deal.objects.get(pk=deal.pk)
    deal_add_contact(deal=deal, contact=ContactFactory(), actor=None)
    deal_move_to_stage(deal=deal, stage=stages["Negotiation"], actor=None)

    stale.title = "Renamed"
    stale.save()

    deal.refresh_from_db()
    assert (deal.title, *kept(deal)) == ("Renamed", 1, "Negotiation")


def test_the_funnel_stage_is_the_furthest_entered_not_the_current_one(pipeline, stages):
    deal = deal_create(title="Order", actor=None)

    deal_move_to_stage(deal=deal, stage=stages["Negotiation"], actor=None)
    assert kept(deal)[1] == "Negotiation"
    deal_move_to_stage(deal=deal, stage=stages["New"], actor=None)  # moved back: still reached
    assert kept(deal)[1] == "Negotiation"
    deal_move_to_stage(deal=deal, stage=stages["Lost"], actor=None)  # lost is not a step
    assert kept(deal)[1] == "Negotiation"
    deal_move_to_stage(deal=deal, stage=stages["Won"], actor=None)
    assert kept(deal)[1] == "Won"


def test_the_funnel_stage_counts_only_the_history_in_the_deals_own_pipeline(pipeline, stages):
    wholesale = sales_pipeline("Wholesale")
    deal = deal_create(title="Order", actor=None)
    deal_move_to_stage(deal=deal, stage=stages["Negotiation"], actor=None)

    deal_move_to_pipeline(deal=deal, stage=wholesale.stages.get(name="New"), actor=None)
    assert kept(deal)[1] == "New"
    funnel_stage = Deal.objects.get(pk=deal.pk).funnel_stage
    assert funnel_stage.pipeline == wholesale

    # back in Sales, at its first stage: what it reached there before counts again
    deal_move_to_pipeline(deal=deal, stage=stages["New"], actor=None)
    assert Deal.objects.get(pk=deal.pk).funnel_stage == stages["Negotiation"]

    # a pipeline changed around the services is recomputed too
    Deal.objects.filter(pk=deal.pk).update(pipeline=wholesale, stage=wholesale.stages.first())
    assert Deal.objects.get(pk=deal.pk).funnel_stage.pipeline == wholesale


def test_the_funnel_stage_follows_history_written_or_deleted_around_the_services(pipeline, stages):
    deal = DealFactory()
    DealStageChange.objects.bulk_create([
        DealStageChange(deal=deal, to_stage=stages["New"], at=deal.created_at),
        DealStageChange(deal=deal, to_stage=stages["Won"], at=deal.created_at),
    ])  # fmt: skip
    assert kept(deal)[1] == "Won"

    DealStageChange.objects.filter(deal=deal, to_stage=stages["Won"]).delete()
    assert kept(deal)[1] == "New"


def test_reordered_stages_are_refreshed_by_the_service(pipeline, stages):
    deal = deal_create(title="Order", actor=None)
    deal_move_to_stage(deal=deal, stage=stages["Negotiation"], actor=None)
    deal_move_to_stage(deal=deal, stage=stages["New"], actor=None)

    # "New" now comes after "Negotiation": the deal's furthest stage is "New"
    stages["New"].sort = 25
    stages["New"].save()
    assert deals_funnel_refresh(pipeline) == 1

    assert kept(deal)[1] == "New"


def stage_form(pipeline, stages, *, sorts=None, names=None) -> dict:
    """The admin's pipeline form with its stages, some given another sort or name."""
    sorts, names = sorts or {}, names or {}
    ordered = sorted(stages.values(), key=lambda stage: stage.sort)
    form = {"name": pipeline.name, "is_default": "on", "sort": pipeline.sort,
            "stages-TOTAL_FORMS": len(ordered), "stages-INITIAL_FORMS": len(ordered),
            "stages-MIN_NUM_FORMS": 0, "stages-MAX_NUM_FORMS": 1000}  # fmt: skip
    for index, stage in enumerate(ordered):
        form |= {
            f"stages-{index}-id": stage.pk, f"stages-{index}-pipeline": pipeline.pk,
            f"stages-{index}-name": names.get(stage.name, stage.name),
            f"stages-{index}-semantics": stage.semantics,
            f"stages-{index}-sort": sorts.get(stage.name, stage.sort),
            f"stages-{index}-color": stage.color,
        }  # fmt: skip
    return form


def test_stages_reordered_in_the_admin_refresh_the_pipelines_deals(pipeline, stages, client):
    deal = deal_create(title="Order", actor=None)
    deal_move_to_stage(deal=deal, stage=stages["Negotiation"], actor=None)
    deal_move_to_stage(deal=deal, stage=stages["New"], actor=None)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    form = stage_form(pipeline, stages, sorts={"New": 25})

    response = client.post(reverse("admin:deals_pipeline_change", args=[pipeline.pk]), form)

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    assert kept(deal)[1] == "New"


def test_a_renamed_stage_rewrites_no_deal(pipeline, stages, client):
    deal_create(title="Order", actor=None)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            reverse("admin:deals_pipeline_change", args=[pipeline.pk]),
            stage_form(pipeline, stages, names={"New": "Fresh"}),
        )

    assert response.status_code == 302
    assert Pipeline.objects.get(pk=pipeline.pk).stages.filter(name="Fresh").exists()
    assert not [query for query in queries if query["sql"].startswith('UPDATE "deals_deal"')]


def test_a_deleted_stage_takes_its_reach_with_it(pipeline, stages):
    deal = deal_create(title="Order", actor=None)
    deal_move_to_stage(deal=deal, stage=stages["Negotiation"], actor=None)
    deal_move_to_stage(deal=deal, stage=stages["New"], actor=None)

    stages["Negotiation"].delete()  # it holds no deal now; its entries go with it

    assert kept(deal)[1] == "New"
