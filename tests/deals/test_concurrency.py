"""Concurrent writes to one deal, each in its own connection: stage moves apply one after the
other, and the figures the database keeps on the deal count every one of them."""

import threading

import pytest
from django.db import connection, transaction

from deals.models import Deal, DealContact, DealStageChange
from deals.services import deal_create, deal_move_to_stage
from tests.factories import ContactFactory, UserFactory, currencies, sales_pipeline

MOVES_PER_THREAD = 5
LINKS_PER_THREAD = 20


@pytest.mark.django_db(transaction=True)
def test_concurrent_stage_moves_keep_an_unbroken_history():
    # given a deal and two managers who keep moving it between two stages
    currencies()
    pipeline = sales_pipeline()
    stages = {stage.name: stage for stage in pipeline.stages.all()}
    deal = deal_create(title="Contested", actor=UserFactory(username="owner"))
    managers = [UserFactory(username=f"mover{n}") for n in range(2)]
    errors = []
    start = threading.Barrier(2)

    def keep_moving(manager, targets):
        try:
            start.wait(timeout=30)  # both begin together, so the moves overlap
            for _ in range(MOVES_PER_THREAD):
                for target in targets:
                    deal_move_to_stage(deal=deal, stage=stages[target], actor=manager)
        except Exception as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    # when both move it at the same time
    threads = [
        threading.Thread(target=keep_moving, args=(managers[0], ["Negotiation", "New"])),
        threading.Thread(target=keep_moving, args=(managers[1], ["Won", "New"])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then every move starts where the one before it ended, and the deal is where the last one left it
    assert errors == []
    assert not any(thread.is_alive() for thread in threads)
    history = list(DealStageChange.objects.filter(deal=deal).order_by("at", "id"))
    for before, after in zip(history, history[1:], strict=False):
        assert after.from_stage_id == before.to_stage_id
    assert Deal.objects.get(pk=deal.pk).stage_id == history[-1].to_stage_id
    assert len(history) > 1 + MOVES_PER_THREAD
    assert Deal.objects.get(pk=deal.pk).funnel_stage == stages["Won"]  # the furthest reached


@pytest.mark.django_db(transaction=True)
def test_contacts_linked_at_once_in_two_connections_are_all_counted():
    # given a deal, and two writers linking contacts to it around the services (no row lock)
    currencies()
    sales_pipeline()
    deal = deal_create(title="Shared", actor=None)
    contacts = ContactFactory.create_batch(2 * LINKS_PER_THREAD)
    errors = []
    start = threading.Barrier(2)

    def link(batch):
        try:
            start.wait(timeout=30)
            for contact in batch:
                with transaction.atomic():
                    DealContact.objects.create(deal=deal, contact=contact)
        except Exception as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    # when both link their contacts at the same time
    threads = [threading.Thread(target=link, args=(contacts[index::2],)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then the count the triggers keep has every link
    assert errors == []
    assert Deal.objects.get(pk=deal.pk).contact_count == 2 * LINKS_PER_THREAD
