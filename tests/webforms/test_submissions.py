"""The public form: a submission becomes a lead at once (responsible by the form's rule,
campaign by its UTM tag) or waits for review; spam is kept but goes no further; too many
submissions from one address are refused; in the no-leads mode it becomes a contact and a deal."""

from django.test import Client
from django.urls import reverse

from automation.triggers import trigger_create
from contacts.models import Communication
from deals.models import Deal
from leads.models import Lead, LeadStatus
from webforms.models import WebForm, WebFormSubmission

from .conftest import field_data, make_form

UTM = "?utm_source=google&utm_medium=cpc&utm_campaign=spring&utm_content=ad1&utm_term=eco"


def submit(form: WebForm, data: dict, query: str = "", address: str = "203.0.113.5"):
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR=address)  # no token: none is needed
    return client.post(reverse("webforms:public", args=[form.key]) + query, data)


def test_submissions_become_leads_in_turn_skipping_the_absent_with_the_campaign_of_the_utm(
    crm, team, campaign
):
    # given a form whose leads go to Anna, Boris (away) and Clara in turn
    form = make_form(managers=team.values())

    # when three clients send it from an advertised page
    responses = [
        submit(form, field_data(form, first_name=name, email=f"{name}@example.com"), UTM)
        for name in ("Ivan", "Olga", "Petr")
    ]

    # then each got the success message, and each made a lead
    assert [response.status_code for response in responses] == [200, 200, 200]
    assert "Thank you!" in responses[0].content.decode()
    leads = list(Lead.objects.order_by("pk"))
    assert [lead.first_name for lead in leads] == ["Ivan", "Olga", "Petr"]
    assert [lead.responsible.first_name for lead in leads] == ["Anna", "Clara", "Anna"]
    first = leads[0]
    assert first.campaign == campaign and first.source.code == "web-form"
    assert (first.utm_source, first.utm_medium, first.utm_campaign, first.utm_content,
            first.utm_term) == ("google", "cpc", "spring", "ad1", "eco")  # fmt: skip
    assert first.title == "Call me back: Ivan"
    assert list(first.communications.values_list("kind", "value")) == [
        (Communication.Kind.EMAIL, "Ivan@example.com")
    ]
    submissions = WebFormSubmission.objects.order_by("pk")
    assert [s.status for s in submissions] == ["transferred"] * 3
    assert [s.lead_id for s in submissions] == [lead.pk for lead in leads]
    assert submissions[0].campaign == campaign and submissions[0].ip_address == "203.0.113.5"


def test_a_campaign_is_also_found_by_its_name(crm, team, campaign):
    form = make_form(managers=[team["Anna"]])

    submit(form, field_data(form, first_name="Ivan"), "?utm_campaign=Spring+sale")

    assert Lead.objects.get().campaign == campaign


def test_the_honeypot_keeps_spam_without_a_lead(crm, team):
    form = make_form(managers=[team["Anna"]])

    response = submit(form, {**field_data(form, first_name="Bot"), "website": "http://spam"})

    assert response.status_code == 200 and "Thank you!" in response.content.decode()
    submission = WebFormSubmission.objects.get()
    assert submission.status == WebFormSubmission.Status.SPAM
    assert submission.value_of("first_name") == "Bot"
    assert Lead.objects.count() == 0


def test_a_required_field_and_the_consent_are_asked_for(crm, team):
    form = make_form(managers=[team["Anna"]], consent_text="I agree to the processing of my data")

    response = submit(form, field_data(form, email="ivan@example.com"))

    assert response.status_code == 200
    assert response.content.decode().count("This field is required.") == 2
    assert WebFormSubmission.objects.count() == 0 and Lead.objects.count() == 0


def test_submissions_past_the_rate_answer_429(crm, team, settings):
    settings.WEBFORM_THROTTLE_RATE = "2/min"
    form = make_form(managers=[team["Anna"]])
    data = field_data(form, first_name="Ivan")

    statuses = [submit(form, data).status_code for _ in range(3)]
    other_address = submit(form, data, address="198.51.100.7").status_code

    assert statuses == [200, 200, 429]
    assert other_address == 200
    assert WebFormSubmission.objects.count() == 3 and Lead.objects.count() == 3


def test_an_inactive_form_is_not_found(crm, team):
    form = make_form(managers=[team["Anna"]], is_active=False)

    assert Client().get(reverse("webforms:public", args=[form.key])).status_code == 404
    assert submit(form, field_data(form, first_name="Ivan")).status_code == 404


def test_the_public_form_may_be_embedded_and_shows_its_fields(crm, team):
    form = make_form(managers=[team["Anna"]])

    response = Client().get(reverse("webforms:public", args=[form.key]))

    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    page = response.content.decode()
    assert "Your name" in page and "Budget" in page and 'name="website"' in page


def test_the_form_submitted_trigger_moves_the_new_lead(crm, team):
    # given a trigger moving leads of this form into "In process"
    form = make_form(managers=[team["Anna"]])
    other = make_form(name="Other", managers=[team["Anna"]])
    trigger_create(place=crm["in_process"], values={
        "name": "From the site", "kind": "form_submitted", "settings": {"form": form.pk}})  # fmt: skip

    # when both forms are sent
    submit(form, field_data(form, first_name="Ivan"))
    submit(other, field_data(other, first_name="Olga"))

    # then only the lead of this form moved
    assert Lead.objects.get(first_name="Ivan").status == crm["in_process"]
    assert Lead.objects.get(first_name="Olga").status == crm["new"]


def test_a_refused_lead_leaves_the_submission_waiting_with_the_reason(crm, team):
    form = make_form(managers=[team["Anna"]])
    LeadStatus.objects.filter(code__in=["new", "in_process"]).delete()  # the first is final now

    submit(form, field_data(form, first_name="Ivan"))

    submission = WebFormSubmission.objects.get()
    assert submission.status == WebFormSubmission.Status.WAITING
    assert "first lead status" in submission.error
    assert Lead.objects.count() == 0


def test_a_manual_form_keeps_submissions_for_review(crm, team):
    form = make_form(managers=[team["Anna"]], transfer_mode=WebForm.TransferMode.MANUAL)

    submit(form, field_data(form, first_name="Ivan"))

    assert WebFormSubmission.objects.get().status == WebFormSubmission.Status.WAITING
    assert Lead.objects.count() == 0


def test_in_the_no_leads_mode_a_submission_becomes_a_contact_and_a_deal(crm, team, campaign,
                                                                         settings):  # fmt: skip
    settings.CRM_NO_LEADS_MODE = True
    form = make_form(managers=team.values())

    submit(form, field_data(form, first_name="Ivan", phone="+7 916 123-45-67"), UTM)

    assert Lead.objects.count() == 0
    deal = Deal.objects.get()
    assert deal.title == "Call me back: Ivan" and deal.pipeline.is_default
    assert deal.responsible == team["Anna"] and deal.campaign == campaign
    assert deal.source.code == "web-form"
    contact = deal.contacts.get()
    assert contact.first_name == "Ivan" and contact.responsible == team["Anna"]
    assert contact.communications.get().kind == Communication.Kind.PHONE
    assert WebFormSubmission.objects.get().deal == deal
