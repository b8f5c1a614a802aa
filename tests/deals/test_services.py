from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation

from accounts.models import Role, RoleStageRule
from activities.models import Notification, TimelineEvent
from catalog.models import ProductRow
from catalog.services import ProductRowInput
from core.errors import ApplicationError
from core.urls import entity_url
from deals.events import DealCreated, DealStageChanged, DealUpdated
from deals.models import Deal, DealContact, DealStageChange, Pipeline, Stage
from deals.services import (
    DealDraft,
    StageSpec,
    deal_create,
    deal_create_many,
    deal_move_to_stage,
    deal_set_contacts,
    deal_set_product_rows,
    deal_update,
    pipeline_check_stages,
    pipeline_create,
    pipeline_default,
    stage_first,
)
from tests.factories import (
    ContactFactory,
    DealFactory,
    ProductFactory,
    UserFactory,
    sales_pipeline,
)

WON, LOST = Stage.Semantics.WON, Stage.Semantics.LOST
GOOD_STAGES = [StageSpec("New", 10), StageSpec("Won", 20, WON), StageSpec("Lost", 30, LOST)]


@pytest.fixture
def published(record_events):
    return record_events(DealCreated, DealStageChanged, DealUpdated)


@pytest.fixture
def stages(pipeline):
    return {stage.name: stage for stage in pipeline.stages.all()}


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", first_name="Anna", last_name="Orlova")


def _timeline(entity):
    return list(
        TimelineEvent.objects.filter(entity_type=entity.ENTITY_TYPE, entity_id=entity.pk)
        .order_by("id")
        .values_list("kind", "payload")
    )


def _stage_changes(deal):
    return list(
        DealStageChange.objects.filter(deal=deal)
        .order_by("id")
        .values_list("from_stage__name", "to_stage__name")
    )


# pipelines


def test_a_pipeline_with_a_first_stage_a_won_and_a_lost_stage_is_accepted():
    pipeline_check_stages(GOOD_STAGES)


@pytest.mark.parametrize(
    ("stages", "message"),
    [
        (
            [StageSpec("New", 10), StageSpec("Lost", 30, LOST)],
            "A pipeline needs at least one won stage.",
        ),
        (
            [StageSpec("New", 10), StageSpec("Won", 20, WON)],
            "A pipeline needs at least one lost stage.",
        ),
        (
            [StageSpec("Won", 5, WON), StageSpec("New", 10), StageSpec("Lost", 30, LOST)],
            "The first stage (the lowest sort) must be an in-progress stage.",
        ),
        (
            [*GOOD_STAGES, StageSpec("Negotiation", 20)],
            "Two stages have the same sort; each needs its own place.",
        ),
        ([*GOOD_STAGES, StageSpec(" new ", 40)], "Two stages have the same name."),
        ([], "A pipeline needs stages: a first one, a won and a lost one."),
    ],
    ids=["no won", "no lost", "first not in progress", "same sort", "same name", "no stages"],
)
def test_a_pipeline_breaking_a_rule_is_refused_with_a_clear_message(stages, message):
    with pytest.raises(ValidationError) as error:
        pipeline_check_stages(stages)

    assert error.value.messages == [message]


def test_every_broken_rule_is_listed():
    with pytest.raises(ValidationError) as error:
        pipeline_check_stages([StageSpec("Won", 10, WON), StageSpec("Won", 10, WON)])

    assert error.value.messages == [
        "The first stage (the lowest sort) must be an in-progress stage.",
        "Two stages have the same sort; each needs its own place.",
        "Two stages have the same name.",
        "A pipeline needs at least one lost stage.",
    ]


@pytest.mark.django_db
def test_pipeline_create_saves_the_stages_and_makes_the_first_pipeline_the_default():
    pipeline = pipeline_create(name="Sales", stages=GOOD_STAGES)

    assert pipeline.is_default is True
    assert list(pipeline.stages.values_list("name", "sort", "semantics")) == [
        ("New", 10, "in_progress"),
        ("Won", 20, "won"),
        ("Lost", 30, "lost"),
    ]
    assert pipeline_default() == pipeline
    assert stage_first(pipeline).name == "New"


@pytest.mark.django_db
def test_a_new_default_pipeline_takes_over_the_default():
    sales = pipeline_create(name="Sales", stages=GOOD_STAGES)
    service = pipeline_create(name="Service", stages=GOOD_STAGES)
    assert pipeline_default() == sales

    tenders = pipeline_create(name="Tenders", stages=GOOD_STAGES, is_default=True)

    assert list(Pipeline.objects.filter(is_default=True)) == [tenders]
    assert service.is_default is False


@pytest.mark.django_db
def test_pipeline_create_with_broken_stages_creates_nothing():
    with pytest.raises(ValidationError) as error:
        pipeline_create(name="Sales", stages=[StageSpec("New", 10), StageSpec("Lost", 20, LOST)])

    assert error.value.messages == ["A pipeline needs at least one won stage."]
    assert Pipeline.objects.count() == 0
    assert Stage.objects.count() == 0


@pytest.mark.django_db
def test_pipeline_default_refuses_when_there_is_no_pipeline():
    with pytest.raises(ApplicationError) as error:
        pipeline_default()

    assert error.value.code == "no_pipeline"


# deal_create


def test_deal_create_starts_in_the_first_stage_and_records_it(
    pipeline, stages, manager, published, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        deal = deal_create(title=" Printers ", actor=manager)
        assert published == []

    # then
    deal.refresh_from_db()
    assert (deal.title, deal.pipeline, deal.stage, deal.currency_id) == (
        "Printers",
        pipeline,
        stages["New"],
        "RUB",
    )
    assert (deal.responsible, deal.created_by, deal.closed_at) == (manager, manager, None)
    assert deal.stage_changed_at is not None
    assert _timeline(deal) == [("created", {})]
    assert _stage_changes(deal) == [(None, "New")]
    change = DealStageChange.objects.get()
    assert len(published) == 2
    assert DealCreated(deal_id=deal.pk, actor_id=manager.pk) in published
    assert (
        DealStageChanged(
            deal_id=deal.pk,
            from_stage_id=None,
            to_stage_id=stages["New"].pk,
            stage_change_id=change.pk,
            actor_id=manager.pk,
        )
        in published
    )


def test_deal_create_notifies_the_responsible_assigned_by_somebody_else(pipeline, manager):
    seller = UserFactory(username="seller")

    deal = deal_create(title="Printers", actor=manager, responsible=seller)

    notification = Notification.objects.get()
    assert (
        notification.recipient,
        notification.kind,
        notification.title_text,
        notification.url,
    ) == (
        seller,
        Notification.Kind.DEAL_ASSIGNED,
        "New deal assigned to you: Printers",
        entity_url(deal),
    )


def test_deal_create_does_not_notify_a_self_assigned_responsible(pipeline, manager):
    deal_create(title="Printers", actor=manager, responsible=manager)
    deal_create(title="Scanners", actor=manager)

    assert Notification.objects.count() == 0


def test_deal_create_in_a_final_stage_is_closed(pipeline, stages, manager):
    deal = deal_create(title="Printers", actor=manager, stage=stages["Won"])

    assert deal.pipeline == pipeline
    assert deal.closed_at is not None
    assert deal.closed_at == deal.stage_changed_at


def test_deal_create_refuses_a_stage_of_another_pipeline(pipeline, manager, published):
    other_stage = sales_pipeline("Service").stages.get(name="New")

    with pytest.raises(ApplicationError) as error:
        deal_create(title="Printers", actor=manager, pipeline=pipeline, stage=other_stage)

    assert error.value.code == "stage_of_another_pipeline"
    assert error.value.message == "The stage New belongs to another pipeline."
    assert Deal.objects.count() == 0
    assert TimelineEvent.objects.count() == 0


def test_deal_create_links_the_contacts_with_the_first_as_primary(pipeline, manager):
    first, second = ContactFactory(), ContactFactory()

    deal = deal_create(title="Printers", actor=manager, contacts=[first, second])

    assert list(
        DealContact.objects.filter(deal=deal).values_list("contact", "is_primary", "sort")
    ) == [(first.pk, True, 10), (second.pk, False, 20)]


def test_setting_a_deals_contacts_journals_each_change_and_publishes_once(
    pipeline, manager, published, django_capture_on_commit_callbacks
):
    first, second, third = ContactFactory.create_batch(3)
    deal = deal_create(title="Printers", actor=manager, contacts=[first])

    with django_capture_on_commit_callbacks(execute=True):
        deal_set_contacts(deal=deal, contacts=[second, third], actor=manager, primary=third)

    assert list(DealContact.objects.filter(deal=deal).values_list("contact", "is_primary")) == [
        (third.pk, True), (second.pk, False)]  # fmt: skip
    changes = TimelineEvent.objects.filter(entity_id=deal.pk, kind=TimelineEvent.Kind.FIELD_CHANGED)
    assert changes.count() == 3  # first out, second and third in
    assert [type(event) for event in published] == [DealUpdated]


def test_deal_create_with_products_takes_their_total_as_the_amount(pipeline, money, manager):
    # given: USD at 90
    licence = ProductFactory(name="Licence", price=Decimal("10.00"), currency=money["USD"])

    # when
    deal = deal_create(
        title="Licences",
        actor=manager,
        amount=Decimal("1.00"),
        product_rows=[
            ProductRowInput(quantity=Decimal(1), product=licence),
            ProductRowInput(
                quantity=Decimal(2),
                product_name="Setup",
                price=Decimal("500.00"),
                tax_rate=Decimal(20),
                is_tax_included=False,
            ),
        ],
    )

    # then: 900 + 1000 + 200 VAT
    deal.refresh_from_db()
    assert (deal.amount, deal.tax_amount) == (Decimal("2100.00"), Decimal("200.00"))
    assert list(deal.product_rows.values_list("product_name", "price", "line_total")) == [
        ("Licence", Decimal("900.00"), Decimal("900.00")),
        ("Setup", Decimal("500.00"), Decimal("1200.00")),
    ]


# deal_move_to_stage


def test_a_stage_move_is_recorded_and_published_after_commit(
    stages, manager, published, django_capture_on_commit_callbacks
):
    # given
    deal = deal_create(title="Printers", actor=manager)
    published.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        moved = deal_move_to_stage(deal=deal, stage=stages["Negotiation"], actor=manager)
        assert published == []

    # then
    deal.refresh_from_db()
    assert deal.stage == stages["Negotiation"]
    assert moved.stage == stages["Negotiation"]
    assert deal.closed_at is None
    assert _stage_changes(deal) == [(None, "New"), ("New", "Negotiation")]
    change = DealStageChange.objects.get(to_stage=stages["Negotiation"])
    assert (change.actor, change.at) == (manager, deal.stage_changed_at)
    assert _timeline(deal)[-1] == (
        "stage_moved",
        {
            "from": {"id": stages["New"].pk, "label": "New", "semantics": "in_progress"},
            "to": {
                "id": stages["Negotiation"].pk,
                "label": "Negotiation",
                "semantics": "in_progress",
            },
        },
    )
    assert published == [
        DealStageChanged(
            deal_id=deal.pk,
            from_stage_id=stages["New"].pk,
            to_stage_id=stages["Negotiation"].pk,
            stage_change_id=change.pk,
            actor_id=manager.pk,
        )
    ]


def test_a_stage_move_rolled_back_publishes_nothing(
    stages, manager, published, django_capture_on_commit_callbacks
):
    deal = deal_create(title="Printers", actor=manager)
    published.clear()

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        deal_move_to_stage(deal=deal, stage=stages["Won"], actor=manager)
        raise RuntimeError("rolled back")

    assert published == []
    assert Deal.objects.get(pk=deal.pk).stage == stages["New"]
    assert _stage_changes(deal) == [(None, "New")]


def test_a_deal_cannot_move_to_a_stage_of_another_pipeline(
    stages, manager, published, django_capture_on_commit_callbacks
):
    # given
    deal = deal_create(title="Printers", actor=manager)
    other_won = sales_pipeline("Service").stages.get(name="Won")
    changes_before = DealStageChange.objects.count()
    timeline_before = TimelineEvent.objects.count()
    published.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ApplicationError) as error:
        deal_move_to_stage(deal=deal, stage=other_won, actor=manager)

    # then
    assert error.value.code == "stage_of_another_pipeline"
    assert error.value.message == (
        "The deal cannot move to Won: that stage belongs to another pipeline."
    )
    deal.refresh_from_db()
    assert (deal.stage, deal.closed_at) == (stages["New"], None)
    assert DealStageChange.objects.count() == changes_before
    assert TimelineEvent.objects.count() == timeline_before
    assert published == []


def test_moving_a_deal_to_its_own_stage_changes_nothing(
    stages, manager, published, django_capture_on_commit_callbacks
):
    deal = deal_create(title="Printers", actor=manager)
    stage_changed_at = Deal.objects.get(pk=deal.pk).stage_changed_at
    published.clear()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        moved = deal_move_to_stage(deal=deal, stage=stages["New"], actor=manager)

    assert moved.stage == stages["New"]
    assert Deal.objects.get(pk=deal.pk).stage_changed_at == stage_changed_at
    assert _stage_changes(deal) == [(None, "New")]
    assert _timeline(deal) == [("created", {})]
    assert callbacks == []
    assert published == []


@pytest.mark.parametrize("final_stage", ["Won", "Lost"])
def test_closing_a_deal_sets_closed_at_and_reopening_clears_it(stages, manager, final_stage):
    # given
    deal = deal_create(title="Printers", actor=manager)

    # when
    closed = deal_move_to_stage(deal=deal, stage=stages[final_stage], actor=manager)

    # then
    assert closed.closed_at is not None
    assert closed.closed_at == closed.stage_changed_at
    assert Deal.objects.get(pk=deal.pk).closed_at == closed.closed_at

    # when
    reopened = deal_move_to_stage(deal=deal, stage=stages["Negotiation"], actor=manager)

    # then
    assert reopened.closed_at is None
    assert Deal.objects.get(pk=deal.pk).closed_at is None
    assert _stage_changes(deal) == [
        (None, "New"),
        ("New", final_stage),
        (final_stage, "Negotiation"),
    ]


# deal_update


def test_deal_update_journals_the_changes_and_publishes_them(
    pipeline, manager, published, django_capture_on_commit_callbacks
):
    # given
    deal = Deal.objects.get(pk=deal_create(title="Printers", actor=manager).pk)
    published.clear()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        deal_update(
            deal=deal, actor=manager, data={"title": "Scanners", "amount": Decimal("150.00")}
        )

    # then
    deal.refresh_from_db()
    assert (deal.title, deal.amount) == ("Scanners", Decimal("150.00"))
    assert _timeline(deal)[-1] == (
        "field_changed",
        {
            "changes": [
                {"field": "title", "old": "Printers", "new": "Scanners"},
                {"field": "amount", "old": "0.00", "new": "150.00"},
            ]
        },
    )
    assert published == [
        DealUpdated(deal_id=deal.pk, actor_id=manager.pk, fields=("title", "amount"))
    ]


def test_deal_update_without_changes_publishes_nothing(
    pipeline, manager, published, django_capture_on_commit_callbacks
):
    deal = deal_create(title="Printers", actor=manager)
    published.clear()

    with django_capture_on_commit_callbacks(execute=True):
        deal_update(deal=deal, actor=manager, data={"title": "Printers"})

    assert published == []
    assert _timeline(deal) == [("created", {})]


@pytest.mark.parametrize("field", ["stage", "pipeline"])
def test_deal_update_refuses_to_change_the_stage_or_pipeline(stages, manager, field):
    deal = deal_create(title="Printers", actor=manager)
    value = stages["Won"] if field == "stage" else Pipeline.objects.get()

    with pytest.raises(ApplicationError) as error:
        deal_update(deal=deal, actor=manager, data={field: value, "title": "Scanners"})

    assert error.value.code == "use_stage_move"
    deal.refresh_from_db()
    assert (deal.title, deal.stage) == ("Printers", stages["New"])


def test_the_amount_of_a_deal_with_products_cannot_be_set_by_hand(pipeline, manager):
    # given
    deal = deal_create(
        title="Printers",
        actor=manager,
        product_rows=[ProductRowInput(quantity=Decimal(2), product_name="P", price=Decimal(50))],
    )
    timeline_before = TimelineEvent.objects.count()

    # when
    with pytest.raises(ApplicationError) as error:
        deal_update(deal=deal, actor=manager, data={"amount": Decimal("1.00"), "title": "X"})

    # then
    assert error.value.code == "amount_from_rows"
    deal.refresh_from_db()
    assert (deal.amount, deal.title) == (Decimal("100.00"), "Printers")
    assert TimelineEvent.objects.count() == timeline_before


def test_the_unchanged_amount_of_a_deal_with_products_is_accepted(pipeline, manager):
    deal = deal_create(
        title="Printers",
        actor=manager,
        product_rows=[ProductRowInput(quantity=Decimal(2), product_name="P", price=Decimal(50))],
    )

    deal_update(deal=deal, actor=manager, data={"amount": Decimal("100.00"), "title": "X"})

    assert Deal.objects.values_list("title", "amount").get() == ("X", Decimal("100.00"))


def test_a_new_currency_reprices_the_product_rows(pipeline, money, manager):
    # given: a 10 USD licence on a RUB deal costs 900.00
    licence = ProductFactory(name="Licence", price=Decimal("10.00"), currency=money["USD"])
    deal = deal_create(
        title="Licences",
        actor=manager,
        product_rows=[ProductRowInput(quantity=Decimal(3), product=licence)],
    )
    assert Deal.objects.get(pk=deal.pk).amount == Decimal("2700.00")

    # when: EUR at 100
    deal_update(deal=deal, actor=manager, data={"currency": money["EUR"]})

    # then
    deal.refresh_from_db()
    assert (deal.currency_id, deal.amount) == ("EUR", Decimal("27.00"))
    assert list(deal.product_rows.values_list("product_name", "price", "line_total")) == [
        ("Licence", Decimal("9.00"), Decimal("27.00"))
    ]
    assert _timeline(deal)[-1] == (
        "field_changed",
        {
            "changes": [
                {
                    "field": "currency",
                    "old": {"id": "RUB", "label": "RUB"},
                    "new": {"id": "EUR", "label": "EUR"},
                },
                {"field": "amount", "old": "2700.00", "new": "27.00"},
            ]
        },
    )


def test_a_new_currency_converts_a_manual_amount(pipeline, money, manager):
    deal = deal_create(title="Printers", actor=manager, amount=Decimal("9000.00"))

    deal_update(deal=deal, actor=manager, data={"currency": money["USD"]})

    assert Deal.objects.values_list("currency", "amount").get() == ("USD", Decimal("100.00"))


def test_deal_update_notifies_a_new_responsible(pipeline, manager):
    seller = UserFactory(username="seller")
    deal = deal_create(title="Printers", actor=manager)

    deal_update(deal=deal, actor=manager, data={"responsible": seller})

    assert list(Notification.objects.values_list("recipient", "kind")) == [
        (seller.pk, Notification.Kind.DEAL_ASSIGNED)
    ]


# deal_set_product_rows


def test_deal_set_product_rows_makes_the_amount_the_sum_of_the_rows(pipeline, money, manager):
    # given
    deal = deal_create(title="Printers", actor=manager, amount=Decimal("10.00"))
    licence = ProductFactory(name="Licence", price=Decimal("10.00"), currency=money["USD"])

    # when
    updated = deal_set_product_rows(
        deal=deal,
        actor=manager,
        rows=[
            ProductRowInput(quantity=Decimal(1), product=licence),
            ProductRowInput(
                quantity=Decimal(4),
                product_name="Paper",
                price=Decimal("250.00"),
                discount_rate=Decimal(10),
                tax_rate=Decimal(20),
            ),
        ],
    )

    # then: 900 + 4 × 225 = 1800, of which VAT 150
    assert (updated.amount, updated.tax_amount) == (Decimal("1800.00"), Decimal("150.00"))
    deal.refresh_from_db()
    assert (deal.amount, deal.tax_amount) == (Decimal("1800.00"), Decimal("150.00"))
    assert sum(deal.product_rows.values_list("line_total", flat=True)) == deal.amount
    assert _timeline(deal)[-1] == (
        "products_changed",
        {"old_amount": "10.00", "new_amount": "1800.00", "rows": 2},
    )


def test_deal_set_product_rows_with_a_wrong_row_changes_nothing(pipeline, manager):
    deal = deal_create(
        title="Printers",
        actor=manager,
        product_rows=[ProductRowInput(quantity=Decimal(1), product_name="P", price=Decimal(50))],
    )
    timeline_before = TimelineEvent.objects.count()

    with pytest.raises(ValidationError):
        deal_set_product_rows(
            deal=deal, actor=manager, rows=[ProductRowInput(quantity=Decimal(1), price=Decimal(5))]
        )

    assert Deal.objects.get(pk=deal.pk).amount == Decimal("50.00")
    assert list(ProductRow.objects.values_list("product_name", flat=True)) == ["P"]
    assert TimelineEvent.objects.count() == timeline_before


def test_a_deal_factory_deal_can_be_moved(stages, manager):
    deal = DealFactory()

    moved = deal_move_to_stage(deal=deal, stage=stages["Won"], actor=manager)

    assert _stage_changes(moved) == [("New", "Won")]


def test_a_stage_closed_by_the_actors_roles_refuses_the_move(stages, published):
    # given a manager whose only role may not move deals into Won
    manager = UserFactory(username="closed")
    role = Role.objects.create(name="Junior")
    manager.roles.add(role)
    RoleStageRule.objects.create(role=role, stage=stages["Won"], can_move_into=False)
    deal = deal_create(title="Big order", actor=manager)
    before = (DealStageChange.objects.count(), TimelineEvent.objects.count())

    # when they try, then it is refused and nothing changed
    with pytest.raises(ApplicationError) as refused:
        deal_move_to_stage(deal=deal, stage=stages["Won"], actor=manager)
    assert refused.value.code == "stage_closed"
    deal.refresh_from_db()
    assert deal.stage == stages["New"]
    assert (DealStageChange.objects.count(), TimelineEvent.objects.count()) == before
    # a system move (a robot) is not bound by roles
    deal_move_to_stage(deal=deal, stage=stages["Won"], actor=None)
    deal.refresh_from_db()
    assert deal.stage == stages["Won"]


def test_a_notification_reads_in_the_recipients_language_not_the_senders(pipeline, manager):
    seller = UserFactory(username="seller")
    with translation.override("ru"):
        deal_create(title="Printers", actor=manager, responsible=seller)

    notification = Notification.objects.get()
    with translation.override("en"):
        assert notification.title_text == "New deal assigned to you: Printers"
    with translation.override("ru"):
        assert notification.title_text == "Вам назначена новая сделка: Printers"


# deal_create_many


def test_deal_create_many_writes_the_rows_deal_create_writes(pipeline, money):
    # given: a name COPY must escape
    contact = ContactFactory()
    rows = [ProductRowInput(quantity=Decimal(2), product_name="Kettle\t\\ 2\nL",
                            price=Decimal("100.50"), discount_type="amount",
                            discount_amount=Decimal("0.50"))]  # fmt: skip

    # when
    (created,) = deal_create_many(
        drafts=[
            DealDraft(
                title=" Order 1 ",
                pipeline=pipeline,
                currency=money["RUB"],
                contacts=[contact],
                product_rows=rows,
            )
        ]  # fmt: skip
    )

    # then
    deal = created.deal
    assert deal == Deal.objects.get()
    assert created.product_rows[0]["product_name"] == "Kettle\t\\ 2\nL"
    deal.refresh_from_db()
    assert (deal.title, deal.stage, deal.amount) == ("Order 1", stage_first(pipeline),
                                                     Decimal("200.00"))  # fmt: skip
    row = deal.product_rows.get()
    assert (row.product_name, row.quantity, row.price, row.line_total, row.sort) == (
        "Kettle\t\\ 2\nL", Decimal(2), Decimal("100.50"), Decimal("200.00"), 10)  # fmt: skip
    assert list(DealContact.objects.filter(deal=deal).values_list(
        "contact", "is_primary", "sort")) == [(contact.pk, True, 10)]  # fmt: skip
    assert _timeline(deal) == [("created", {})]
    assert _stage_changes(deal) == [(None, "New")]
