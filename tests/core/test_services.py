import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import IntegerField, Value

from core import events
from core.events import (
    DomainEvent,
    batch_form_of,
    publish_many_on_commit,
    publish_on_commit,
    subscribe,
)
from core.models import exactly_one_not_null
from core.services import FieldChange, json_value, model_update
from deals.models import Deal
from tests.factories import ContactFactory, DealFactory, UserFactory


@dataclass(frozen=True)
class SomethingHappened(DomainEvent):
    key = "tests.something_happened"
    thing_id: int


@pytest.fixture
def received(monkeypatch):
    """What the handlers of SomethingHappened were given, in order."""
    delivered = []
    monkeypatch.setitem(events._handlers, SomethingHappened, [])
    subscribe(SomethingHappened)(delivered.append)
    return delivered


# json_value


def test_json_value_of_a_model_is_its_id_and_label(db):
    user = UserFactory(username="ivanov", first_name="Ivan", last_name="Ivanov")

    assert json_value(user) == {"id": user.pk, "label": "Ivan Ivanov"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1250.50"), "1250.50"),
        (datetime.date(2024, 5, 1), "2024-05-01"),
        (
            datetime.datetime(2024, 5, 1, 9, 30, tzinfo=datetime.UTC),
            "2024-05-01T09:30:00+00:00",
        ),
        (42, 42),
        ("text", "text"),
        (True, True),
        (None, None),
    ],
)
def test_json_value_of_plain_values(value, expected):
    assert json_value(value) == expected


def test_field_change_as_dict():
    change = FieldChange("amount", "0.00", "10.00")

    assert change.as_dict() == {"field": "amount", "old": "0.00", "new": "10.00"}


# model_update


@pytest.mark.django_db
def test_model_update_saves_the_changed_fields_and_returns_them_in_field_order():
    # given
    contact = ContactFactory(first_name="Ivan", last_name="Petrov", position="")
    boss = UserFactory(username="boss", first_name="Olga", last_name="Smirnova")

    # when
    changes = model_update(
        instance=contact,
        fields=["first_name", "last_name", "position", "responsible"],
        data={"responsible": boss, "position": "CEO", "first_name": "Ivan"},
    )

    # then
    assert changes == [
        FieldChange("position", "", "CEO"),
        FieldChange("responsible", None, {"id": boss.pk, "label": "Olga Smirnova"}),
    ]
    contact.refresh_from_db()
    assert (contact.first_name, contact.position, contact.responsible) == ("Ivan", "CEO", boss)


@pytest.mark.django_db
def test_model_update_without_changes_saves_nothing(django_assert_num_queries):
    contact = ContactFactory(first_name="Ivan", last_name="Petrov")

    with django_assert_num_queries(0):
        changes = model_update(
            instance=contact, fields=["first_name", "last_name"], data={"first_name": "Ivan"}
        )

    assert changes == []


@pytest.mark.django_db
def test_model_update_refuses_unknown_fields_and_changes_nothing():
    contact = ContactFactory(first_name="Ivan", last_name="Petrov")

    with pytest.raises(ValueError, match="cannot update comments of contacts.Contact"):
        model_update(
            instance=contact,
            fields=["first_name"],
            data={"first_name": "Pyotr", "comments": "x"},
        )

    contact.refresh_from_db()
    assert (contact.first_name, contact.comments) == ("Ivan", "")


@pytest.mark.django_db
def test_model_update_validates_the_changed_fields_and_saves_nothing_when_invalid():
    deal = DealFactory(probability=50)

    with pytest.raises(ValidationError):
        model_update(instance=deal, fields=["probability"], data={"probability": 150})

    assert Deal.objects.get(pk=deal.pk).probability == 50


# exactly_one_not_null


def _id(value: int | None) -> Value:
    return Value(value, output_field=IntegerField())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("deal", "lead", "expected"),
    [(1, None, True), (None, 1, True), (1, 1, False), (None, None, False)],
)
def test_exactly_one_not_null_holds_only_when_exactly_one_field_is_set(deal, lead, expected):
    condition = exactly_one_not_null("deal", "lead")

    assert condition.check({"deal": _id(deal), "lead": _id(lead)}) is expected


@pytest.mark.django_db
def test_exactly_one_not_null_of_three_fields():
    condition = exactly_one_not_null("contact", "company", "lead")

    def holds(contact, company, lead):
        return condition.check(
            {"contact": _id(contact), "company": _id(company), "lead": _id(lead)}
        )

    assert holds(None, 1, None) is True
    assert holds(1, 1, None) is False
    assert holds(1, 1, 1) is False
    assert holds(None, None, None) is False


# publish_on_commit


@pytest.mark.django_db
def test_handlers_run_only_after_the_transaction_commits(
    received, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        publish_on_commit(SomethingHappened(thing_id=7))
        assert received == []

    assert len(callbacks) == 1
    assert received == [SomethingHappened(thing_id=7)]


@pytest.mark.django_db
def test_handlers_do_not_run_when_the_transaction_rolls_back(
    received, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        publish_on_commit(SomethingHappened(thing_id=7))
        raise RuntimeError("rolled back")

    assert callbacks == []
    assert received == []


@pytest.mark.django_db
def test_a_failing_handler_is_logged_and_the_others_still_run(
    received, django_capture_on_commit_callbacks, caplog
):
    # given
    def broken(event):
        raise RuntimeError("handler bug")

    events._handlers[SomethingHappened].insert(0, broken)

    # when
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        publish_on_commit(SomethingHappened(thing_id=7))

    # then
    assert received == [SomethingHappened(thing_id=7)]
    assert "handler bug" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_handlers_run_at_once_outside_a_transaction_and_a_failure_does_not_stop_the_others(
    received, caplog
):
    def broken(event):
        raise RuntimeError("handler bug")

    events._handlers[SomethingHappened].insert(0, broken)

    with caplog.at_level(logging.ERROR):
        publish_on_commit(SomethingHappened(thing_id=8))

    assert received == [SomethingHappened(thing_id=8)]
    assert "handler bug" in caplog.text


def test_subscribing_a_handler_twice_delivers_once(received):
    subscribe(SomethingHappened)(received.append)

    assert events._handlers[SomethingHappened] == [received.append]


@pytest.mark.django_db
def test_an_event_without_handlers_schedules_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        publish_on_commit(SomethingHappened(thing_id=1))

    assert callbacks == []


def test_row_exists_answers_like_the_orms_exists(db):
    from automation.models import Robot
    from core.services import row_exists
    from tests.factories import sales_pipeline

    stage = sales_pipeline().stages.order_by("sort").first()
    assert not row_exists(Robot, is_active=True, stage_id=stage.pk)

    Robot.objects.create(name="Call", action="automation.add_comment", stage=stage, is_active=False)
    assert not row_exists(Robot, is_active=True, stage_id=stage.pk)
    assert row_exists(Robot, is_active=False, stage_id=stage.pk)


# publish_many_on_commit


@pytest.mark.django_db
def test_publishing_many_delivers_each_event_in_order_after_the_commit(
    received, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        publish_many_on_commit([SomethingHappened(thing_id=1), SomethingHappened(thing_id=2)])
        assert received == []

    assert received == [SomethingHappened(thing_id=1), SomethingHappened(thing_id=2)]


@pytest.mark.django_db
def test_a_handler_with_a_batch_form_gets_the_events_in_one_call(
    received, monkeypatch, django_capture_on_commit_callbacks
):
    # given
    batches = []
    monkeypatch.setattr(events, "_batch_forms", {})
    batch_form_of(received.append)(batches.append)

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        publish_many_on_commit([SomethingHappened(thing_id=1), SomethingHappened(thing_id=2)])

    # then
    assert len(callbacks) == 1
    assert batches == [[SomethingHappened(thing_id=1), SomethingHappened(thing_id=2)]]
    assert received == []


@pytest.mark.django_db
def test_an_in_transaction_batch_form_runs_at_once(monkeypatch):
    batches = []
    monkeypatch.setitem(events._in_transaction_handlers, SomethingHappened, [])
    monkeypatch.setattr(events, "_batch_forms", {})
    handler = events.subscribe_in_transaction(SomethingHappened)(lambda event: None)
    batch_form_of(handler)(batches.append)

    with transaction.atomic():
        publish_many_on_commit([SomethingHappened(thing_id=3)])
        assert batches == [[SomethingHappened(thing_id=3)]]
