"""The robot actions on real items: each through a robot whose run the engine executes, and
each refusing bad settings with a clear message before anything is stored."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Absence
from activities.models import Activity
from automation.actions import ACTIONS, ActionRefused, RunContext
from automation.actions.base import action_settings_validate
from automation.items import item_kind
from automation.models import Robot, RobotRun, ScheduledRule, SmsMessage
from automation.robots import robot_create
from automation.services import robot_run_execute, robot_run_start
from automation.sms import SmsProvider, SmsRefused
from catalog.services import ProductRowInput
from contacts.models import Company, Contact
from contacts.services import CommunicationInput, communications_replace
from core.tasks import RetryableError
from deals.models import Deal, DealContact
from deals.services import deal_move_to_stage, deal_set_product_rows
from leads.models import Lead
from leads.services import lead_set_status
from tests.factories import (
    CompanyFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    ProductFactory,
    SourceFactory,
    UserFactory,
    sales_pipeline,
)
from tests.webhooks.receiver import Receiver


def run_robot(robot: Robot, entity_id: int | None = None) -> RobotRun:
    """Start and execute the robot's (only, or the item's) run, as the Celery task does."""
    runs = RobotRun.objects.filter(robot=robot)
    run = runs.get(entity_id=entity_id) if entity_id else runs.get()
    assert robot_run_start(run_id=run.pk)
    return robot_run_execute(run_id=run.pk)


def refused_settings(place, action: str, settings: dict) -> dict[str, list[str]]:
    """The messages robot_create refuses these settings with (and it stores nothing)."""
    with pytest.raises(ValidationError) as error:
        robot_create(place=place, values={"name": "Robot", "action": action, "settings": settings})
    assert not Robot.objects.exists()
    return error.value.message_dict


def with_communications(owner, *items: tuple[str, str]):
    communications_replace(
        owner=owner, items=[CommunicationInput(kind, value) for kind, value in items]
    )
    return owner


@pytest.fixture
def negotiation(stages):
    return stages["Negotiation"]


@pytest.fixture
def in_process(statuses):
    return statuses["in_process"]


@pytest.fixture
def enter(manager):
    """enter(item, place): move a deal or a lead there as the manager (robots get their runs)."""

    def move(item, place):
        if isinstance(item, Deal):
            return deal_move_to_stage(deal=item, stage=place, actor=manager)
        return lead_set_status(lead=item, status=place, actor=manager)

    return move


@pytest.fixture
def lead(statuses, manager):
    return LeadFactory(title="Windows for the office", first_name="Ivan", last_name="Sidorov",
                       responsible=manager)  # fmt: skip


# automation.change_responsible


@pytest.fixture
def team(db):
    """Four active users whose names sort them A, B, C, D (the order the settings keep)."""
    return {
        letter: UserFactory(username=f"user-{letter.lower()}", last_name=letter)
        for letter in "ABCD"
    }


def absent_today(user):
    today = timezone.localdate()
    return Absence.objects.create(user=user, starts_on=today - datetime.timedelta(days=1),
                                  ends_on=today + datetime.timedelta(days=1))  # fmt: skip


def test_change_responsible_gives_the_deal_to_the_fixed_user(deal, negotiation, make_robot,
                                                            enter, team):  # fmt: skip
    robot = make_robot(negotiation, "automation.change_responsible",
                       {"mode": "fixed", "user": team["B"].pk})  # fmt: skip
    enter(deal, negotiation)

    run = run_robot(robot)

    deal.refresh_from_db()
    assert (run.status, deal.responsible) == ("done", team["B"])
    assert run.result == {"summary": str(team["B"]), "responsible": team["B"].pk}


def test_change_responsible_works_on_a_lead(lead, in_process, make_robot, enter, team):
    robot = make_robot(in_process, "automation.change_responsible",
                       {"mode": "fixed", "user": team["C"].pk})  # fmt: skip
    enter(lead, in_process)

    run = run_robot(robot)

    lead.refresh_from_db()
    assert (run.status, lead.responsible) == ("done", team["C"])


def test_round_robin_takes_turns_skipping_the_absent_and_the_inactive(
    pipeline, negotiation, make_robot, enter, team
):
    # given a round-robin over A, B, C, D where B is away today and D has left
    robot = make_robot(negotiation, "automation.change_responsible",
                       {"mode": "round_robin", "users": [u.pk for u in team.values()]})  # fmt: skip
    absent_today(team["B"])
    type(team["D"]).objects.filter(pk=team["D"].pk).update(is_active=False)
    deals = [DealFactory(title=f"Deal {number}") for number in range(3)]

    # when three deals enter the stage one after the other
    for deal in deals:
        enter(deal, negotiation)
        run_robot(robot, deal.pk)

    # then they go to A, C and A again, and the robot remembers A as the last pick
    responsible = [Deal.objects.get(pk=deal.pk).responsible for deal in deals]
    assert responsible == [team["A"], team["C"], team["A"]]
    robot.refresh_from_db()
    assert robot.state == {"last_user": team["A"].pk}


def test_round_robin_of_a_scheduled_rule_starts_from_the_first(deal, pipeline, team):
    rule = ScheduledRule(
        name="Idle deals", kind="idle_in_stage", action="automation.change_responsible"
    )
    settings = action_settings_validate(
        "automation.change_responsible",
        {"mode": "round_robin", "users": [team["A"].pk, team["B"].pk]},
    )
    kind = item_kind("deal")
    action = ACTIONS.get("automation.change_responsible")

    for _ in range(2):
        action.run(RunContext(item=kind.get(deal.pk), kind=kind, settings=settings, robot=rule))

    deal.refresh_from_db()
    assert deal.responsible == team["A"]


def test_random_responsible_is_one_of_those_available(deal, negotiation, make_robot, enter, team):
    robot = make_robot(negotiation, "automation.change_responsible",
                       {"mode": "random", "users": [team["A"].pk, team["B"].pk]})  # fmt: skip
    absent_today(team["A"])
    enter(deal, negotiation)

    run_robot(robot)

    deal.refresh_from_db()
    assert deal.responsible == team["B"]


def test_change_responsible_fails_when_nobody_is_available(
    deal, negotiation, make_robot, enter, team, manager
):
    robot = make_robot(negotiation, "automation.change_responsible",
                       {"mode": "fixed", "user": team["A"].pk})  # fmt: skip
    absent_today(team["A"])
    enter(deal, negotiation)

    run = run_robot(robot)

    deal.refresh_from_db()
    assert run.status == "failed" and "Nobody to give the item to" in run.error
    assert deal.responsible == manager


@pytest.mark.parametrize(
    ("settings", "field", "message"),
    [
        ({"mode": "fixed"}, "user", "Choose the user to give the item to."),
        ({"mode": "round_robin", "users": []}, "users", "Choose the users to give the item to."),
        ({"mode": "turns"}, "mode", "Select a valid choice."),
    ],
)
def test_change_responsible_refuses_bad_settings(stages, settings, field, message):
    errors = refused_settings(stages["New"], "automation.change_responsible", settings)

    assert message in " ".join(errors[field])


def test_change_responsible_refuses_an_inactive_user(stages, team):
    type(team["A"]).objects.filter(pk=team["A"].pk).update(is_active=False)

    errors = refused_settings(stages["New"], "automation.change_responsible",
                              {"mode": "fixed", "user": team["A"].pk})  # fmt: skip

    assert "Select a valid choice" in " ".join(errors["user"])


# automation.set_field


@pytest.mark.parametrize(
    ("field", "value", "stored", "expected", "summary"),
    [
        ("closes_on", "2030-05-31", "2030-05-31", datetime.date(2030, 5, 31),
         "Expected close date: 2030-05-31"),
        ("amount", "1500.5", "1500.5", Decimal("1500.50"), "Amount: 1500.5"),
        ("deal_type", "goods", "goods", "goods", "Type: Goods"),
        ("is_open_to_all", "on", "true", True, "Open to all: yes"),
        ("title", "Paint for the gym", "Paint for the gym", "Paint for the gym",
         "Title: Paint for the gym"),
    ],
)  # fmt: skip
def test_set_field_sets_a_deal_field(deal, negotiation, make_robot, enter, field, value, stored,
                                     expected, summary):  # fmt: skip
    robot = make_robot(negotiation, "automation.set_field", {"field": field, "value": value})
    assert robot.settings == {"field": field, "value": stored}
    enter(deal, negotiation)

    run = run_robot(robot)

    deal.refresh_from_db()
    assert (run.status, run.result["summary"]) == ("done", summary)
    assert getattr(deal, field) == expected


def test_set_field_sets_a_source_by_id_and_clears_it_with_nothing(
    deal, negotiation, stages, make_robot, enter
):
    source = SourceFactory(name="Exhibition")
    setter = make_robot(
        negotiation, "automation.set_field", {"field": "source", "value": source.pk}
    )
    clearer = make_robot(stages["Won"], "automation.set_field", {"field": "source", "value": ""})
    enter(deal, negotiation)

    run = run_robot(setter)

    deal.refresh_from_db()
    assert (run.status, deal.source, run.result["summary"]) == (
        "done",
        source,
        "Source: Exhibition",
    )
    enter(deal, stages["Won"])
    run_robot(clearer)
    deal.refresh_from_db()
    assert deal.source is None


def test_set_field_sets_a_lead_field(lead, in_process, make_robot, enter):
    robot = make_robot(
        in_process, "automation.set_field", {"field": "company_title", "value": "Acme"}
    )
    enter(lead, in_process)

    run_robot(robot)

    lead.refresh_from_db()
    assert lead.company_title == "Acme"


def test_set_field_reports_the_services_refusal(deal, negotiation, make_robot, enter, manager):
    # given a deal whose amount comes from its products
    deal_set_product_rows(deal=deal, actor=manager,
                          rows=[ProductRowInput(quantity=Decimal(2), product=ProductFactory())])  # fmt: skip
    robot = make_robot(negotiation, "automation.set_field", {"field": "amount", "value": "5"})
    enter(deal, negotiation)

    # when the robot sets the amount
    run = run_robot(robot)

    # then the run fails with the service's reason and the amount stays
    deal.refresh_from_db()
    assert run.status == "failed"
    assert run.error == "The amount of a deal with products is the total of its products."
    assert deal.amount == Decimal("200.00")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"field": "closes_on", "value": "31st of May"},
            "Expected close date: Enter a valid date.",
        ),
        ({"field": "amount", "value": "lots"}, "Amount: Enter a number."),
        (
            {"field": "amount", "value": "-5"},
            "Amount: Ensure this value is greater than or equal to 0.",
        ),
        ({"field": "title", "value": ""}, "Title: This field is required."),
        ({"field": "source", "value": "999999"}, "Source: Select a valid choice."),
    ],
)
def test_set_field_refuses_a_bad_value(stages, settings, message):
    errors = refused_settings(stages["New"], "automation.set_field", settings)

    assert message in " ".join(errors["value"])


@pytest.mark.parametrize("field", ["stage", "responsible", "closes_on"])
def test_set_field_refuses_a_field_out_of_the_list(statuses, field):
    errors = refused_settings(
        statuses["new"], "automation.set_field", {"field": field, "value": "1"}
    )

    assert "Select a valid choice" in " ".join(errors["field"])


# automation.copy_deal


def test_copy_deal_copies_it_with_its_company_contacts_and_products(
    deal, negotiation, make_robot, enter, manager
):
    # given a deal with a company, two contacts and products, and a robot copying it to Retail
    retail = sales_pipeline("Retail")
    target = retail.stages.get(name="Negotiation")
    company = CompanyFactory(title="School No. 5")
    first, second = ContactFactory(last_name="Orlova"), ContactFactory(last_name="Belov")
    Deal.objects.filter(pk=deal.pk).update(company=company, comments="Blue paint")
    DealContact.objects.create(deal=deal, contact=first, is_primary=True, sort=10)
    DealContact.objects.create(deal=deal, contact=second, sort=20)
    product = ProductFactory(name="Paint")
    deal_set_product_rows(deal=deal, actor=manager,
                          rows=[ProductRowInput(quantity=Decimal(3), product=product)])  # fmt: skip
    robot = make_robot(negotiation, "automation.copy_deal",
                       {"pipeline": retail.pk, "stage": target.pk})  # fmt: skip
    enter(deal, negotiation)

    # when the robot runs
    run = run_robot(robot)

    # then a copy is in Retail's Negotiation with all of it, and the original is unchanged
    copy = Deal.objects.get(pipeline=retail)
    assert run.status == "done" and run.result["deal"] == copy.pk
    assert run.result["summary"] == f"Paint for the school (#{copy.pk}) in Retail"
    assert (copy.title, copy.stage, copy.company, copy.responsible, copy.comments) == (
        "Paint for the school", target, company, manager, "Blue paint")  # fmt: skip
    links = copy.contact_links.order_by("sort")
    assert [(link.contact, link.is_primary) for link in links] == [(first, True), (second, False)]
    assert [(row.product, row.quantity) for row in copy.product_rows.all()] == [(product, 3)]
    assert copy.amount == Decimal("300.00")
    deal.refresh_from_db()
    assert (deal.pipeline.name, deal.stage, deal.amount) == (
        "Sales",
        negotiation,
        Decimal("300.00"),
    )


def test_copy_deal_without_a_stage_starts_in_the_first_stage(deal, negotiation, make_robot, enter):
    retail = sales_pipeline("Retail")
    robot = make_robot(negotiation, "automation.copy_deal", {"pipeline": retail.pk})
    enter(deal, negotiation)

    run_robot(robot)

    copy = Deal.objects.get(pipeline=retail)
    assert copy.stage.name == "New" and copy.amount == deal.amount


def test_copy_deal_refuses_a_stage_of_another_pipeline(stages, pipeline):
    retail = sales_pipeline("Retail")

    errors = refused_settings(stages["New"], "automation.copy_deal",
                              {"pipeline": retail.pk, "stage": stages["Won"].pk})  # fmt: skip

    assert errors["stage"] == ["The stage Won belongs to another pipeline than Retail."]


def test_copy_deal_refuses_to_copy_into_its_own_stage(stages, pipeline):
    errors = refused_settings(stages["New"], "automation.copy_deal", {"pipeline": pipeline.pk})

    assert errors["stage"] == ["The copy cannot start in the robot's own stage."]


def test_copy_deal_is_for_deals_only(statuses, pipeline):
    errors = refused_settings(statuses["new"], "automation.copy_deal", {"pipeline": pipeline.pk})

    assert "does not work on this kind of item" in " ".join(errors["action"])


# automation.convert_lead


def test_convert_lead_creates_what_was_chosen(lead, in_process, make_robot, enter, pipeline):
    # given a lead with a name, a company name and an e-mail, and a robot converting it
    Lead.objects.filter(pk=lead.pk).update(company_title="Sidorov and Sons")
    with_communications(lead, ("email", "ivan@sidorov.example"))
    robot = make_robot(in_process, "automation.convert_lead", {
        "create_contact": True, "create_company": True, "create_deal": True,
        "pipeline": pipeline.pk})  # fmt: skip
    enter(lead, in_process)

    # when the robot runs
    run = run_robot(robot)

    # then the lead is converted into a contact, a company and a deal
    lead.refresh_from_db()
    contact, company, deal = Contact.objects.get(), Company.objects.get(), Deal.objects.get()
    assert run.status == "done"
    assert run.result == {"summary": f"Sidorov Ivan, Sidorov and Sons, {lead.title}",
                          "contact": contact.pk, "company": company.pk, "deal": deal.pk}  # fmt: skip
    assert (lead.status.code, lead.contact, lead.company) == ("converted", contact, company)
    assert (deal.pipeline, deal.company, deal.lead) == (pipeline, company, lead)
    assert contact.communications.get().value == "ivan@sidorov.example"


def test_convert_lead_names_what_is_missing(statuses, in_process, make_robot, enter, manager):
    nameless = LeadFactory(title="Call back", first_name="", last_name="", responsible=manager)
    robot = make_robot(in_process, "automation.convert_lead", {"create_contact": True})
    enter(nameless, in_process)

    run = run_robot(robot)

    nameless.refresh_from_db()
    assert run.status == "failed"
    assert run.error == (
        "The lead lacks what the conversion needs: Give the contact a first or last name."
    )
    assert nameless.status == in_process and not Contact.objects.exists()


@pytest.mark.parametrize(("status", "message"), [
    ("converted", "The lead is converted already."),
    ("junk", "A junk lead is not converted."),
])  # fmt: skip
def test_convert_lead_refuses_a_converted_or_junk_lead(statuses, lead, status, message):
    Lead.objects.filter(pk=lead.pk).update(status=statuses[status])
    kind = item_kind("lead")
    settings = action_settings_validate("automation.convert_lead", {"create_contact": True},
                                        entity_type="lead")  # fmt: skip

    with pytest.raises(ActionRefused) as refused:
        ACTIONS.get("automation.convert_lead").run(
            RunContext(item=kind.get(lead.pk), kind=kind, settings=settings, robot=None)
        )

    assert refused.value.message == message
    assert not Contact.objects.exists()


def test_convert_lead_refuses_bad_settings(statuses, stages):
    nothing = refused_settings(
        statuses["new"], "automation.convert_lead", {"create_contact": False}
    )
    on_junk = refused_settings(statuses["junk"], "automation.convert_lead", {"create_deal": True})
    on_deal = refused_settings(stages["New"], "automation.convert_lead", {"create_deal": True})

    assert nothing["__all__"] == ["Choose what to create from the lead."]
    assert on_junk["__all__"] == ["A lead in the status Junk cannot be converted."]
    assert "does not work on this kind of item" in " ".join(on_deal["action"])


# automation.send_email

EMAIL = {"subject": "Your order {title}", "body": "Dear {contact_name}, we are on it."}


def test_send_email_writes_to_the_deals_primary_contact(
    deal, negotiation, make_robot, enter, manager, django_capture_on_commit_callbacks
):
    # given a deal whose primary contact and company both have an e-mail
    contact = with_communications(ContactFactory(first_name="Olga", last_name="Orlova"),
                                  ("phone", "+7 916 000-00-00"), ("email", "olga@school.example"))  # fmt: skip
    company = with_communications(CompanyFactory(), ("email", "office@school.example"))
    Deal.objects.filter(pk=deal.pk).update(company=company)
    DealContact.objects.create(deal=deal, contact=contact, is_primary=True)
    robot = make_robot(negotiation, "automation.send_email", EMAIL)
    enter(deal, negotiation)

    # when the robot runs and its transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        run = run_robot(robot)

    # then the contact gets the filled-in e-mail, logged as the responsible's e-mail activity
    assert run.status == "done" and run.result["to"] == "olga@school.example"
    [message] = mail.outbox
    assert (message.to, message.subject, message.body) == (
        ["olga@school.example"], "Your order Paint for the school", "Dear Orlova Olga, we are on it.")  # fmt: skip
    assert message.reply_to == [manager.email]
    activity = Activity.objects.get(kind="email")
    assert (activity.pk, activity.email_to, activity.responsible) == (
        run.result["activity"], "olga@school.example", manager)  # fmt: skip


def test_send_email_falls_back_to_the_deals_company(
    deal, negotiation, make_robot, enter, django_capture_on_commit_callbacks
):
    company = with_communications(CompanyFactory(), ("email", "office@school.example"))
    Deal.objects.filter(pk=deal.pk).update(company=company)
    robot = make_robot(negotiation, "automation.send_email", EMAIL)
    enter(deal, negotiation)

    with django_capture_on_commit_callbacks(execute=True):
        run_robot(robot)

    assert [message.to for message in mail.outbox] == [["office@school.example"]]


@pytest.mark.parametrize("owner", ["lead", "contact"])
def test_send_email_writes_to_the_lead_or_its_contact(
    lead, in_process, make_robot, enter, owner, django_capture_on_commit_callbacks
):
    if owner == "lead":
        with_communications(lead, ("email", "ivan@lead.example"))
    else:
        contact = with_communications(ContactFactory(), ("email", "ivan@lead.example"))
        Lead.objects.filter(pk=lead.pk).update(contact=contact)
    robot = make_robot(in_process, "automation.send_email", EMAIL)
    enter(lead, in_process)

    with django_capture_on_commit_callbacks(execute=True):
        run_robot(robot)

    [message] = mail.outbox
    assert message.to == ["ivan@lead.example"] and message.subject == f"Your order {lead.title}"


def test_send_email_fails_without_an_address(
    deal, negotiation, make_robot, enter, django_capture_on_commit_callbacks
):
    with_communications(deal_contact := ContactFactory(), ("phone", "+7 916 000-00-00"))
    DealContact.objects.create(deal=deal, contact=deal_contact, is_primary=True)
    robot = make_robot(negotiation, "automation.send_email", EMAIL)
    enter(deal, negotiation)

    with django_capture_on_commit_callbacks(execute=True):
        run = run_robot(robot)

    assert (run.status, run.error) == ("failed", "The client has no e-mail address.")
    assert mail.outbox == [] and not Activity.objects.filter(kind="email").exists()


def test_send_email_fails_without_a_responsible(lead, in_process, make_robot, enter):
    with_communications(lead, ("email", "ivan@lead.example"))
    robot = make_robot(in_process, "automation.send_email", EMAIL)
    enter(lead, in_process)
    Lead.objects.filter(pk=lead.pk).update(responsible=None)

    run = run_robot(robot)

    assert (run.status, run.error) == (
        "failed", "The item has no responsible to send the e-mail from.")  # fmt: skip


def test_send_email_refuses_bad_settings(stages):
    errors = refused_settings(stages["New"], "automation.send_email", {"subject": "", "body": ""})

    assert errors == {"subject": ["This field is required."], "body": ["This field is required."]}


# automation.send_sms


class RefusingProvider(SmsProvider):
    name = "refusing"

    def send(self, *, phone, text, item, entity_type):
        raise SmsRefused("no balance left")


def test_send_sms_records_the_message_to_the_leads_phone(lead, in_process, make_robot, enter):
    with_communications(lead, ("email", "ivan@lead.example"), ("phone", "8 (916) 123-45-67"))
    robot = make_robot(in_process, "automation.send_sms", {"text": "{contact_name}, we called."})
    enter(lead, in_process)

    run = run_robot(robot)

    sms = SmsMessage.objects.get()
    assert (sms.phone, sms.text, sms.provider, sms.entity_type, sms.entity_id) == (
        "+79161234567", "Ivan Sidorov, we called.", "recording", "lead", lead.pk)  # fmt: skip
    assert run.result == {"summary": "SMS to +79161234567", "sms": str(sms.pk),
                          "provider": "recording"}  # fmt: skip


def test_send_sms_falls_back_to_the_deals_company(deal, negotiation, make_robot, enter):
    contact = with_communications(ContactFactory(), ("email", "olga@school.example"))
    DealContact.objects.create(deal=deal, contact=contact, is_primary=True)
    company = with_communications(CompanyFactory(), ("phone", "+7 495 111-22-33"))
    Deal.objects.filter(pk=deal.pk).update(company=company)
    robot = make_robot(negotiation, "automation.send_sms", {"text": "About {title}"})
    enter(deal, negotiation)

    run_robot(robot)

    assert list(SmsMessage.objects.values_list("phone", "text")) == [
        ("+74951112233", "About Paint for the school")]  # fmt: skip


def test_send_sms_fails_without_a_phone(lead, in_process, make_robot, enter):
    robot = make_robot(in_process, "automation.send_sms", {"text": "Hello"})
    enter(lead, in_process)

    run = run_robot(robot)

    assert (run.status, run.error) == ("failed", "The client has no phone number.")
    assert not SmsMessage.objects.exists()


def test_send_sms_goes_through_the_configured_provider(lead, in_process, make_robot, enter,
                                                      settings):  # fmt: skip
    settings.AUTOMATION_SMS_PROVIDER = "tests.automation.test_actions.RefusingProvider"
    with_communications(lead, ("phone", "+7 916 123-45-67"))
    robot = make_robot(in_process, "automation.send_sms", {"text": "Hello"})
    enter(lead, in_process)

    run = run_robot(robot)

    assert (run.status, run.error) == (
        "failed", "The SMS provider refused the message: no balance left")  # fmt: skip
    assert not SmsMessage.objects.exists()


def test_send_sms_refuses_a_text_too_long(statuses):
    errors = refused_settings(statuses["new"], "automation.send_sms", {"text": "x" * 1001})

    assert errors["text"] == ["Ensure this value has at most 1000 characters (it has 1001)."]


# automation.call_webhook


@pytest.fixture
def receiver(settings):
    """`receiver(200)`: a started loopback receiver (and loopback targets allowed)."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    started = []

    def start(*statuses):
        server = Receiver(statuses or (200,)).__enter__()
        started.append(server)
        return server

    yield start
    for server in started:
        server.__exit__(None, None, None)


def test_call_webhook_posts_the_item_with_the_runs_idempotency_key(
    deal, negotiation, make_robot, enter, receiver, manager
):
    # given a receiver that accepts, and a robot calling it
    server = receiver(200)
    robot = make_robot(negotiation, "automation.call_webhook", {"url": server.url},
                       name="Tell the warehouse")  # fmt: skip
    assert robot.settings == {"url": server.url, "timeout_seconds": 10}
    enter(deal, negotiation)

    # when the robot runs
    run = run_robot(robot)

    # then the receiver got the item as JSON, keyed by the run
    [request] = server.requests
    assert json.loads(request.body) == {
        "event": "robot", "robot": "Tell the warehouse", "entity_type": "deal",
        "entity_id": deal.pk,
        "item": {"id": deal.pk, "title": "Paint for the school", "responsible_id": manager.pk,
                 "pipeline_id": deal.pipeline_id, "stage_id": negotiation.pk, "amount": "0.00",
                 "currency": "RUB"},
    }  # fmt: skip
    assert request.headers["Idempotency-Key"] == f"robot-run-{run.pk}"
    assert request.headers["Content-Type"] == "application/json"
    assert (run.status, run.result) == ("done", {"summary": "HTTP 200", "status_code": 200})


def test_call_webhook_retries_a_server_error(deal, negotiation, make_robot, enter, receiver):
    server = receiver(500)
    robot = make_robot(negotiation, "automation.call_webhook", {"url": server.url})
    enter(deal, negotiation)
    run = RobotRun.objects.get(robot=robot)
    assert robot_run_start(run_id=run.pk)

    with pytest.raises(RetryableError, match="HTTP 500"):
        robot_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert (run.status, run.attempts, len(server.requests)) == ("running", 1, 1)


def test_call_webhook_retries_when_nobody_listens(deal, negotiation, make_robot, enter, receiver):
    server = receiver(200)
    robot = make_robot(negotiation, "automation.call_webhook", {"url": server.url})
    server.__exit__(None, None, None)  # the port closes: the connection is refused
    enter(deal, negotiation)
    run = RobotRun.objects.get(robot=robot)
    assert robot_run_start(run_id=run.pk)

    with pytest.raises(RetryableError, match="connection failed"):
        robot_run_execute(run_id=run.pk)


def test_call_webhook_fails_on_a_client_error(deal, negotiation, make_robot, enter, receiver):
    server = receiver(404)
    robot = make_robot(negotiation, "automation.call_webhook", {"url": server.url})
    enter(deal, negotiation)

    run = run_robot(robot)

    assert (run.status, run.error) == ("failed", "The webhook refused the call: HTTP 404")


def test_call_webhook_of_a_scheduled_rule_refuses_on_404_and_sends_no_key(deal, receiver):
    server = receiver(404)
    rule = ScheduledRule(name="Idle deals", kind="idle_in_stage", action="automation.call_webhook")
    kind = item_kind("deal")
    settings = action_settings_validate("automation.call_webhook", {"url": server.url})

    with pytest.raises(ActionRefused, match="HTTP 404"):
        ACTIONS.get("automation.call_webhook").run(
            RunContext(item=kind.get(deal.pk), kind=kind, settings=settings, robot=rule, run=None)
        )

    [request] = server.requests
    assert "Idempotency-Key" not in request.headers
    assert json.loads(request.body)["robot"] == "Idle deals"


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"url": "ftp://files.example.com/in"}, "url", "Only an http or https URL can be called."),
        ({"url": "http://127.0.0.1:8000/hook"}, "url", "must be on the public internet"),
        ({"url": "not a url"}, "url", "Enter a valid URL."),
        ({"url": "http://93.184.215.14/hook", "timeout_seconds": 31}, "timeout_seconds",
         "Ensure this value is less than or equal to 30."),
    ],
)  # fmt: skip
def test_call_webhook_refuses_bad_settings(stages, settings, values, field, message):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False

    errors = refused_settings(stages["New"], "automation.call_webhook", values)

    assert message in " ".join(errors[field])


# automation.wait_for_condition

BIG = {"any": [{"all": [{"field": "amount", "op": "gte", "value": "1000"}]}]}


def test_wait_for_condition_is_done_when_it_holds(deal, negotiation, make_robot, enter):
    Deal.objects.filter(pk=deal.pk).update(amount=5000)
    robot = make_robot(negotiation, "automation.wait_for_condition", {"condition": BIG})
    enter(deal, negotiation)

    run = run_robot(robot)

    assert (run.status, run.result) == ("done", {"summary": "The condition holds."})


def test_wait_for_condition_looks_again_until_it_holds(deal, negotiation, make_robot, enter):
    # given a robot waiting for a big amount, looking every 30 minutes
    robot = make_robot(negotiation, "automation.wait_for_condition",
                       {"condition": BIG, "check_every_minutes": 30})  # fmt: skip
    enter(deal, negotiation)

    # when it runs while the amount is small
    before = timezone.now()
    run = run_robot(robot)

    # then the run waits for 30 minutes more
    assert run.status == "queued"
    assert before + datetime.timedelta(minutes=30) <= run.due_at
    assert run.due_at <= timezone.now() + datetime.timedelta(minutes=30)

    # and once the amount is big and the time has come, it is done
    Deal.objects.filter(pk=deal.pk).update(amount=1000)
    RobotRun.objects.filter(pk=run.pk).update(due_at=timezone.now())
    assert run_robot(robot).status == "done"


def test_wait_for_condition_gives_up_after_its_days(deal, negotiation, make_robot, enter):
    robot = make_robot(negotiation, "automation.wait_for_condition",
                       {"condition": BIG, "give_up_after_days": 2})  # fmt: skip
    enter(deal, negotiation)
    RobotRun.objects.update(created_at=timezone.now() - datetime.timedelta(days=2, minutes=1))

    run = run_robot(robot)

    assert (run.status, run.error) == ("cancelled", "The awaited condition did not come true.")


@pytest.mark.parametrize(
    ("settings", "field", "message"),
    [
        ({"condition": {}}, "condition", "This field is required."),
        ({"condition": {"any": [{"all": [{"field": "colour", "op": "eq", "value": "1"}]}]}},
         "condition", "Unknown field in a condition: colour."),
        ({"condition": {"any": [{"all": [{"field": "deal_type", "op": "eq", "value": "sale"}]}]}},
         "condition", "Unknown field in a condition: deal_type."),
        ({"condition": BIG, "check_every_minutes": 0}, "check_every_minutes",
         "Ensure this value is greater than or equal to 1."),
        ({"condition": BIG, "give_up_after_days": 91}, "give_up_after_days",
         "Ensure this value is less than or equal to 90."),
    ],
)  # fmt: skip
def test_wait_for_condition_refuses_bad_settings(statuses, settings, field, message):
    errors = refused_settings(statuses["new"], "automation.wait_for_condition", settings)

    assert message in " ".join(errors[field])


def test_change_pipeline_moves_the_deal_on_in_another_pipeline(deal, negotiation, make_robot,
                                                               enter, stages):  # fmt: skip
    wholesale = sales_pipeline("Wholesale")
    target = wholesale.stages.get(name="Negotiation")
    refused = refused_settings(negotiation, "automation.change_pipeline",
                               {"target": stages["Won"].pk})  # fmt: skip
    robot = make_robot(negotiation, "automation.change_pipeline", {"target": target.pk})
    enter(deal, negotiation)

    run = run_robot(robot)

    deal.refresh_from_db()
    assert "another pipeline" in " ".join(refused["target"])
    assert (run.status, run.result["summary"]) == ("done", "Wholesale: Negotiation")
    assert (deal.pipeline, deal.stage) == (wholesale, target)
