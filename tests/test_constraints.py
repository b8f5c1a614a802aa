"""Every named database constraint refuses the rows it exists to refuse, written around the
services (straight through the ORM), so the database holds the invariant on its own."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from accounts.models import (
    Absence,
    PermissionEntity,
    Role,
    RolePermission,
    RoleStageRule,
    SavedFilter,
)
from activities.models import Activity, ActivityBinding, Notification
from automation.models import Robot, RobotRun, ScheduledRule, ScheduledRuleFiring, Trigger
from b24.models import InboundWebhook
from catalog.models import Currency, Origin, Product, ProductRow
from contacts.models import Communication, CompanyRequisite, Contact, ContactCompany
from core.models import IdempotencyRecord
from deals.models import DealContact, Pipeline, Stage
from imports.models import Import, ImportMapping, ImportRejectedRow
from leads.models import Campaign, LeadStatus
from mailboxes.models import Mailbox, MailboxMessage
from reports.models import SavedReport
from shopsync.models import (
    OrderPush,
    Shop,
    ShopAssignmentRule,
    ShopCustomer,
    ShopOrder,
    ShopRoute,
    ShopStatusStage,
)
from tests.factories import (
    CompanyFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    UserFactory,
    currencies,
    lead_statuses,
    sales_pipeline,
)
from webforms.models import WebForm, WebFormField
from webhooks.models import WebhookDelivery, WebhookDeliveryAttempt, WebhookSubscription

PROJECT_APPS = [
    "core", "accounts", "catalog", "contacts", "leads", "deals", "activities",
    "automation", "shopsync", "reports", "webhooks", "imports", "webforms", "mailboxes", "b24",
]  # fmt: skip


@pytest.fixture
def world(db):
    """One valid object of each kind, for the bad rows to start from."""
    money = currencies()
    pipeline = sales_pipeline()
    deal = DealFactory(pipeline=pipeline)
    activity = Activity.objects.create(kind=Activity.Kind.CALL, subject="Call")
    return SimpleNamespace(
        user=UserFactory(username="manager"),
        rub=money["RUB"],
        pipeline=pipeline,
        stage=pipeline.stages.order_by("sort").first(),
        deal=deal,
        lead=LeadFactory(),
        statuses=lead_statuses(),
        contact=ContactFactory(),
        company=CompanyFactory(),
        role=Role.objects.create(name="Sales"),
        activity=activity,
    )


def _row(world, **fields):
    return ProductRow.objects.create(
        **({"deal": world.deal} | fields), product_name="Item", price=Decimal(10)
    )


def _permission(world, **fields):
    defaults = {"role": world.role, "entity": PermissionEntity.DEAL, "action": "view"}
    return RolePermission.objects.create(**(defaults | fields))


def _subscription(**fields):
    defaults = {"name": "ERP", "target_url": "https://erp.example.com/", "secret": "s" * 64}
    return WebhookSubscription.objects.create(**(defaults | fields))


def _delivery(**fields):
    defaults = {"event": "deal.created", "payload": {}, "status": "failed"}
    subscription = _subscription(name=f"ERP {WebhookSubscription.objects.count()}")
    return WebhookDelivery.objects.create(subscription=subscription, **(defaults | fields))


def _attempt_twice():
    delivery = _delivery()
    _twice(lambda: WebhookDeliveryAttempt.objects.create(delivery=delivery, number=1))


def _robot(w, **fields):
    values = {"name": "Call", "action": "automation.add_comment", "stage": w.stage} | fields
    return Robot.objects.create(**values)


def _rule():
    return ScheduledRule.objects.get_or_create(
        name="Idle", defaults={"kind": "idle_in_stage", "action": "automation.notify_users"}
    )[0]


def _robot_run(w):
    robot = Robot.objects.filter(name="Once").first() or _robot(w, name="Once")
    return RobotRun.objects.create(robot=robot, entity_type="deal", entity_id=w.deal.pk, entry="1")


def _twice(create):
    create()
    create()


def _shop(**fields):
    return Shop.objects.get_or_create(name="Kettles", defaults={"assignment": "pool"} | fields)[0]


def _import(w, **fields):
    values = {"user": w.user, "entity": "contact", "file": "imports/a.csv", "total_rows": 10}
    return Import.objects.create(**(values | fields))


def _web_form_field(**fields):
    form = WebForm.objects.get_or_create(name="Call me", defaults={"assignment": "random"})[0]
    return WebFormField.objects.create(**({"form": form, "label": "Name"} | fields))


def _mailbox(**fields):
    values = {"name": "Sales inbox", "host": "imap.example.com", "login": "sales"}
    return Mailbox.objects.create(**(values | fields))


def _mailbox_message(**fields):
    values = {"mailbox": _mailbox(), "uid_validity": 1, "uid": 1, "message_id": "<1@example.com>",
              "size": 100, "status": "processed"}  # fmt: skip
    return MailboxMessage.objects.create(**(values | fields))


def _saved_report(w, **fields):
    definition = {"group_by": ["stage"], "measures": [{"aggregate": "count", "field": ""}]}
    values = {"owner": w.user, "name": "Mine", "entity": "deals", "definition": definition}
    return SavedReport.objects.create(**(values | fields))


BAD_ROWS = [
    # accounts
    (
        "absence_ends_after_start",
        lambda w: Absence.objects.create(
            user=w.user, starts_on=datetime.date(2024, 3, 10), ends_on=datetime.date(2024, 3, 9)
        ),
    ),
    ("role_permission_unique", lambda w: _twice(lambda: _permission(w))),
    (
        "role_permission_unique_per_pipeline",
        lambda w: _twice(lambda: _permission(w, pipeline=w.pipeline)),
    ),
    (
        "role_permission_pipeline_only_for_deals",
        lambda w: _permission(w, entity=PermissionEntity.CONTACT, pipeline=w.pipeline),
    ),
    (
        "role_stage_rule_unique",
        lambda w: _twice(lambda: RoleStageRule.objects.create(role=w.role, stage=w.stage)),
    ),
    (
        "saved_filter_name_unique",
        lambda w: _twice(
            lambda: SavedFilter.objects.create(user=w.user, list_key="deals", name="Mine")
        ),
    ),
    (
        "idempotency_key_unique",
        lambda w: _twice(
            lambda: IdempotencyRecord.objects.create(user=w.user, key="order-1", fingerprint="x")
        ),
    ),
    # catalog
    (
        "currency_single_base",
        lambda w: Currency.objects.create(code="KZT", name="Tenge", is_base=True, rate=1),
    ),
    (
        "currency_rate_positive",
        lambda w: Currency.objects.create(code="KZT", name="Tenge", rate=Decimal(0)),
    ),
    (
        "currency_base_rate_is_one",
        lambda w: Currency.objects.filter(code="RUB").update(rate=Decimal(2)),
    ),
    ("currency_code_iso", lambda w: Currency.objects.create(code="kzt", name="Tenge", rate=5)),
    (
        "product_price_not_negative",
        lambda w: Product.objects.create(name="Printer", price=Decimal(-1), currency=w.rub),
    ),
    (
        "product_from_shop_has_external_id",
        lambda w: Product.objects.create(name="Printer", currency=w.rub, origin=Origin.SHOP),
    ),
    ("product_row_has_one_owner", lambda w: _row(w, deal=None)),
    ("product_row_has_one_owner", lambda w: _row(w, lead=w.lead)),
    ("product_row_quantity_positive", lambda w: _row(w, quantity=Decimal(0))),
    (
        "product_row_price_not_negative",
        lambda w: ProductRow.objects.create(deal=w.deal, product_name="Item", price=Decimal(-1)),
    ),
    ("product_row_discount_rate_range", lambda w: _row(w, discount_rate=Decimal(101))),
    ("product_row_discount_rate_range", lambda w: _row(w, discount_rate=Decimal(-1))),
    ("product_row_discount_within_price", lambda w: _row(w, discount_amount=Decimal(11))),
    ("product_row_discount_within_price", lambda w: _row(w, discount_amount=Decimal(-1))),
    # contacts
    (
        "requisite_inn_digits",
        lambda w: CompanyRequisite.objects.create(company=w.company, inn="12345"),
    ),
    (
        "requisite_kpp_digits",
        lambda w: CompanyRequisite.objects.create(company=w.company, kpp="7736010"),
    ),
    (
        "requisite_ogrn_digits",
        lambda w: CompanyRequisite.objects.create(company=w.company, ogrn="10277001321"),
    ),
    (
        "requisite_bik_digits",
        lambda w: CompanyRequisite.objects.create(company=w.company, bik="04452522A"),
    ),
    ("contact_has_a_name", lambda w: Contact.objects.create(first_name="", last_name="")),
    (
        "contact_company_unique",
        lambda w: _twice(
            lambda: ContactCompany.objects.create(contact=w.contact, company=w.company)
        ),
    ),
    (
        "communication_has_one_owner",
        lambda w: Communication.objects.create(kind="email", value="a@example.com"),
    ),
    (
        "communication_has_one_owner",
        lambda w: Communication.objects.create(
            contact=w.contact, company=w.company, kind="email", value="a@example.com"
        ),
    ),
    (
        "communication_value_not_empty",
        lambda w: Communication.objects.create(contact=w.contact, kind="email", value=""),
    ),
    # deals
    (
        "pipeline_single_default",
        lambda w: Pipeline.objects.create(name="Service", is_default=True),
    ),
    (
        "stage_sort_unique",
        lambda w: Stage.objects.create(pipeline=w.pipeline, name="Other", sort=w.stage.sort),
    ),
    (
        "stage_name_unique",
        lambda w: Stage.objects.create(pipeline=w.pipeline, name=w.stage.name, sort=99),
    ),
    (
        "stage_color_hex",
        lambda w: Stage.objects.create(pipeline=w.pipeline, name="Other", sort=99, color="red"),
    ),
    ("deal_amount_not_negative", lambda w: DealFactory(amount=Decimal(-1))),
    ("deal_probability_percent", lambda w: DealFactory(probability=101)),
    ("deal_payment_percent_range", lambda w: DealFactory(payment_percent=Decimal(101))),
    ("deal_payment_percent_range", lambda w: DealFactory(payment_percent=Decimal(-1))),
    (
        "deal_contact_unique",
        lambda w: _twice(lambda: DealContact.objects.create(deal=w.deal, contact=w.contact)),
    ),
    (
        "deal_single_primary_contact",
        lambda w: [
            DealContact.objects.create(deal=w.deal, contact=contact, is_primary=True)
            for contact in (w.contact, ContactFactory())
        ],
    ),
    # leads
    (
        "campaign_cost_not_negative",
        lambda w: Campaign.objects.create(name="Spring", currency=w.rub, cost=Decimal(-1)),
    ),
    (
        "campaign_ends_after_start",
        lambda w: Campaign.objects.create(
            name="Spring",
            currency=w.rub,
            starts_on=datetime.date(2024, 3, 10),
            ends_on=datetime.date(2024, 3, 9),
        ),
    ),
    (
        "lead_status_single_converted",
        lambda w: LeadStatus.objects.create(
            code="won", name="Won", sort=99, semantics=LeadStatus.Semantics.CONVERTED
        ),
    ),
    (
        "lead_status_color_hex",
        lambda w: LeadStatus.objects.create(code="hot", name="Hot", sort=99, color="#12345"),
    ),
    ("lead_amount_not_negative", lambda w: LeadFactory(amount=Decimal(-1))),
    # activities
    (
        "activity_completed_at_matches_status",
        lambda w: Activity.objects.create(kind="call", subject="Call", status="done"),
    ),
    (
        "activity_completed_at_matches_status",
        lambda w: Activity.objects.create(
            kind="call", subject="Call", status="planned", completed_at=timezone.now()
        ),
    ),
    (
        "activity_repeat_rule_complete",
        lambda w: Activity.objects.create(kind="call", subject="Call", repeat_every=2),
    ),
    (
        "activity_repeat_rule_complete",
        lambda w: Activity.objects.create(kind="call", subject="Call", repeat_unit="day"),
    ),
    (
        "activity_repeat_rule_complete",
        lambda w: Activity.objects.create(
            kind="call", subject="Call", repeat_every=0, repeat_unit="day"
        ),
    ),
    (
        "activity_binding_unique",
        lambda w: _twice(
            lambda: ActivityBinding.objects.create(
                activity=w.activity, entity_type="deal", entity_id=w.deal.pk
            )
        ),
    ),
    (
        "notification_one_reminder_per_activity",
        lambda w: _twice(
            lambda: Notification.objects.create(
                recipient=w.user, kind="reminder_due", title="Reminder", activity=w.activity
            )
        ),
    ),
    # imports
    ("import_every_row_counted_once", lambda w: _import(w, position=3, created_count=2)),
    ("import_position_within_file", lambda w: _import(w, position=11, created_count=11)),
    (
        "import_rejected_row_once",
        lambda w: _twice(
            lambda: ImportRejectedRow.objects.create(
                csv_import=Import.objects.first() or _import(w), row_number=2, reason="Bad"
            )
        ),
    ),
    (
        "import_mapping_one_per_entity",
        lambda w: _twice(lambda: ImportMapping.objects.create(user=w.user, entity="contact")),
    ),
    # reports
    ("saved_report_name_unique", lambda w: _twice(lambda: _saved_report(w))),
    ("saved_report_has_a_name", lambda w: _saved_report(w, name="")),
    ("saved_report_entity_known", lambda w: _saved_report(w, entity="orders")),
    (
        "saved_report_definition_has_grouping_and_measures",
        lambda w: _saved_report(w, definition={"group_by": ["stage"]}),
    ),
    (
        "saved_report_definition_has_grouping_and_measures",
        lambda w: _saved_report(w, definition={"measures": []}),
    ),
    # webhooks
    ("webhook_subscription_name_unique", lambda w: _twice(lambda: _subscription())),
    (
        "webhook_subscription_target_is_http",
        lambda w: _subscription(target_url="ftp://example.com/"),
    ),
    ("webhook_subscription_has_a_secret", lambda w: _subscription(secret="")),
    (
        "inbound_webhook_code_hash",
        lambda w: InboundWebhook.objects.create(user=w.user, name="Shop", code_hash="plain code"),
    ),
    (
        "webhook_delivery_pending_has_next_try",
        lambda w: _delivery(status="pending", next_try_at=None),
    ),
    (
        "webhook_delivery_delivered_has_time",
        lambda w: _delivery(status="delivered", delivered_at=None),
    ),
    (
        "webhook_delivery_attempt_number_unique",
        lambda w: _attempt_twice(),
    ),
    ("robot_one_place", lambda w: _robot(w, lead_status=w.statuses["new"])),
    ("robot_one_place", lambda w: _robot(w, stage=None)),
    ("robot_date_timing_has_field", lambda w: _robot(w, timing="at_date", date_field="")),
    ("robot_run_once_per_entry", lambda w: _twice(lambda: _robot_run(w))),
    ("trigger_one_place", lambda w: Trigger.objects.create(name="Paid", kind="webhook")),
    (
        "rule_fires_once_per_entry",
        lambda w: _twice(
            lambda: ScheduledRuleFiring.objects.create(
                rule=_rule(), entity_type="deal", entity_id=w.deal.pk, entry="1"
            )
        ),
    ),
    ("shop_probability_percent", lambda w: _shop(probability=101)),
    (
        "shoproute_amount_range",
        lambda w: ShopRoute.objects.create(
            shop=_shop(), pipeline=w.stage.pipeline, amount_min=Decimal(10), amount_max=Decimal(5)
        ),
    ),
    ("shop_fixed_assignment_has_manager", lambda w: _shop(assignment="fixed")),
    (
        "shopassignmentrule_amount_range",
        lambda w: ShopAssignmentRule.objects.create(
            shop=_shop(), responsible=w.user, amount_min=Decimal(10), amount_max=Decimal(5)
        ),
    ),
    (
        "shop_order_from_shop_has_id",
        lambda w: ShopOrder.objects.create(shop=_shop(), deal=w.deal, received_at=timezone.now()),
    ),
    (
        "shop_status_stage_unique",
        lambda w: _twice(
            lambda: ShopStatusStage.objects.create(shop=_shop(), status_code="F", stage=w.stage)
        ),
    ),
    (
        "shop_customer_unique",
        lambda w: _twice(
            lambda: ShopCustomer.objects.create(shop=_shop(), customer_id="7", contact=w.contact)
        ),
    ),
    (
        "order_push_one_pending",
        lambda w: _twice(
            lambda: OrderPush.objects.create(
                next_attempt_at=timezone.now(),
                shop_order=ShopOrder.objects.get_or_create(
                    shop=_shop(),
                    external_id="1",
                    defaults={"deal": w.deal, "received_at": timezone.now()},
                )[0],
            )
        ),
    ),
    (
        "shop_order_unique",
        lambda w: (
            ShopOrder.objects.create(
                shop=_shop(), external_id="1", deal=w.deal, received_at=timezone.now()
            )
            and ShopOrder.objects.create(
                shop=_shop(), external_id="1", deal=DealFactory(), received_at=timezone.now()
            )
        ),
    ),
    # mailboxes
    ("mailbox_deal_target_has_pipeline", lambda w: _mailbox(target="deal")),
    ("mailbox_poll_interval_positive", lambda w: _mailbox(poll_interval_minutes=0)),
    (
        "mailbox_message_unique_message_id",
        lambda w: _mailbox_message() and _mailbox_message(mailbox=Mailbox.objects.get(), uid=2),
    ),
    ("mailbox_message_failed_has_error", lambda w: _mailbox_message(status="failed")),
    # webforms
    (
        "webform_fixed_assignment_has_manager",
        lambda w: WebForm.objects.create(name="Call me", assignment="fixed"),
    ),
    ("webformfield_target_once", lambda w: _twice(lambda: _web_form_field(target="phone"))),
    ("webformfield_list_has_choices", lambda w: _web_form_field(kind="select")),
]


# A negative price cannot keep 0 <= discount_amount <= price either; the database names one.
ALSO_BROKEN = {"product_row_price_not_negative": {"product_row_discount_within_price"}}


def _constraint(name: str) -> models.BaseConstraint:
    for app_label in PROJECT_APPS:
        for model in apps.get_app_config(app_label).get_models():
            for constraint in model._meta.constraints:
                if constraint.name == name:
                    return constraint
    raise LookupError(name)


def _count_rows():
    return {
        model._meta.label: model.objects.count()
        for app_label in PROJECT_APPS
        for model in apps.get_app_config(app_label).get_models()
    }


@pytest.mark.parametrize(
    ("name", "write_bad_row"),
    BAD_ROWS,
    ids=[f"{name}-{index}" for index, (name, _) in enumerate(BAD_ROWS)],
)
def test_the_database_refuses_a_row_breaking_the_constraint(world, name, write_bad_row):
    # given
    before = _count_rows()
    rub_rate = Currency.objects.get(code="RUB").rate

    # when
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        write_bad_row(world)

    # then: this constraint refused it (SQLite names only the columns of a unique index)
    if connection.vendor == "postgresql" or isinstance(_constraint(name), models.CheckConstraint):
        broken = {name} | ALSO_BROKEN.get(name, set())
        assert any(constraint in str(error.value) for constraint in broken)
    assert _count_rows() == before
    assert Currency.objects.get(code="RUB").rate == rub_rate


def test_the_valid_rows_the_bad_ones_start_from_are_accepted(world):
    with transaction.atomic():
        _row(world)
        _row(world, deal=None, lead=world.lead, discount_amount=Decimal(10))
        _permission(world)
        _permission(world, pipeline=world.pipeline)
        CompanyRequisite.objects.create(
            company=world.company,
            inn="7707083893",
            kpp="773601001",
            ogrn="1027700132195",
            bik="044525225",
        )
        Stage.objects.create(pipeline=world.pipeline, name="Other", sort=99, color="#a0B1c2")
        DealContact.objects.create(deal=world.deal, contact=world.contact, is_primary=True)
        DealContact.objects.create(deal=world.deal, contact=ContactFactory(), is_primary=False)
        Activity.objects.create(kind="call", subject="Call", repeat_every=1, repeat_unit="month")
        Activity.objects.create(
            kind="call", subject="Call", status="done", completed_at=timezone.now()
        )
        for _ in range(2):
            Notification.objects.create(
                recipient=world.user, kind="message", title="Hi", activity=world.activity
            )
        Contact.objects.create(first_name="Ivan")
        Currency.objects.create(code="KZT", name="Tenge", rate=Decimal("0.18"))
        delivery = _delivery(status="pending", next_try_at=timezone.now())
        WebhookDeliveryAttempt.objects.create(delivery=delivery, number=1)
        WebhookDeliveryAttempt.objects.create(delivery=delivery, number=2)
        _delivery(status="delivered", delivered_at=timezone.now()).subscription.delete()
        _saved_report(world)
        _saved_report(world, name="Mine too")
        _mailbox_message(status="failed", error="broken MIME structure")
        _mailbox(name="Deals inbox", target="deal", pipeline=world.pipeline)
        _web_form_field(target="answer")
        _web_form_field(target="answer", kind="select", choices="Small")
        _web_form_field(target="phone")

    assert ProductRow.objects.count() == 2


def test_every_named_constraint_of_the_project_is_covered():
    declared = {
        constraint.name
        for app_label in PROJECT_APPS
        for model in apps.get_app_config(app_label).get_models()
        for constraint in model._meta.constraints
    }

    assert declared == {name for name, _ in BAD_ROWS}
