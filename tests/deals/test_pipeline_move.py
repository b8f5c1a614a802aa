"""Moving a deal into another pipeline ("change pipeline"): the service's rules and journal,
the card's form and the API's verb, each within the user's rights."""

import pytest
from django.urls import reverse

from accounts.models import PermissionAction, PermissionEntity, RolePermission, RoleStageRule
from activities.models import TimelineEvent
from core.errors import ApplicationError
from deals.events import DealStageChanged
from deals.models import DealStageChange
from deals.services import deal_move_to_pipeline
from tests.api_client import api_as
from tests.factories import DealFactory, sales_pipeline, sales_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def wholesale(pipeline):
    return sales_pipeline("Wholesale")


@pytest.fixture
def staff(pipeline):
    return sales_staff()


def test_a_deal_moves_into_another_pipeline_with_its_journal_and_event(
    staff, pipeline, wholesale, record_events, django_capture_on_commit_callbacks
):
    # given
    manager = staff["responsible"]
    deal = DealFactory(title="Order", responsible=manager)
    won = wholesale.stages.get(name="Won")
    events = record_events(DealStageChanged)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        moved = deal_move_to_pipeline(deal=deal, stage=won, actor=manager)

    # then
    deal.refresh_from_db()
    assert (deal.pipeline, deal.stage, deal.closed_at is not None) == (wholesale, won, True)
    assert moved.pipeline == wholesale
    entry = DealStageChange.objects.filter(deal=deal).latest("at")
    assert (entry.from_stage.pipeline, entry.to_stage) == (pipeline, won)
    [event] = events
    assert (event.deal_id, event.to_stage_id) == (deal.pk, won.pk)
    moved_event = TimelineEvent.objects.get(entity_id=deal.pk, kind=TimelineEvent.Kind.STAGE_MOVED)
    assert (moved_event.payload["from"]["label"], moved_event.payload["to"]["label"]) == (
        "Sales: New", "Wholesale: Won")  # fmt: skip


def test_a_role_without_the_edit_scope_in_the_other_pipeline_or_its_stage_is_refused(
    staff, wholesale
):
    manager = staff["responsible"]
    deal = DealFactory(responsible=manager)
    first, won = wholesale.stages.get(name="New"), wholesale.stages.get(name="Won")
    role = manager.roles.get()
    RoleStageRule.objects.create(role=role, stage=won, can_move_into=False)
    RolePermission.objects.create(role=role, entity=PermissionEntity.DEAL,
                                  action=PermissionAction.EDIT, scope="none", pipeline=wholesale)  # fmt: skip

    with pytest.raises(ApplicationError) as closed_stage:
        deal_move_to_pipeline(deal=deal, stage=won, actor=manager)
    with pytest.raises(ApplicationError) as closed_pipeline:
        deal_move_to_pipeline(deal=deal, stage=first, actor=manager)

    assert (closed_stage.value.code, closed_pipeline.value.code) == (
        "stage_closed",
        "pipeline_closed",
    )
    deal.refresh_from_db()
    assert deal.pipeline != wholesale


def test_the_card_offers_the_other_pipelines_stages_and_moves_the_deal(client, staff, wholesale):
    manager, other = staff["responsible"], staff["other"]
    deal = DealFactory(responsible=manager)
    negotiation = wholesale.stages.get(name="Negotiation")
    client.force_login(other)
    foreign = client.post(
        reverse("deals:move-to-pipeline", args=[deal.pk]), {"stage": negotiation.pk}
    )
    client.force_login(manager)

    card = client.get(reverse("deals:detail", args=[deal.pk])).content.decode()
    response = client.post(reverse("deals:move-to-pipeline", args=[deal.pk]),
                           {"stage": negotiation.pk}, follow=True)  # fmt: skip

    assert foreign.status_code == 404
    assert 'data-testid="pipeline-move"' in card and f'value="{negotiation.pk}"' in card
    deal.refresh_from_db()
    assert (deal.pipeline, deal.stage) == (wholesale, negotiation)
    assert "The deal is now in Wholesale." in response.content.decode()


def test_the_api_verb_moves_within_the_scopes(staff, wholesale):
    manager, other = staff["responsible"], staff["other"]
    deal = DealFactory(responsible=manager)
    first = wholesale.stages.get(name="New")
    url = reverse("api:deal-move-to-pipeline", args=[deal.pk])

    refused = api_as(other).post(url, {"stage": first.pk})
    moved = api_as(manager).post(url, {"stage": first.pk})

    assert refused.status_code == 404
    assert (moved.status_code, moved.json()["pipeline"], moved.json()["stage"]) == (
        200, wholesale.pk, first.pk)  # fmt: skip
