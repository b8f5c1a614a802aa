"""Web forms in a real browser: the embed code from the form's settings page, pasted on a
client's landing page, shows the form in an iframe; a visitor who came from an advert fills
it in and the lead appears for the manager whose turn it is, with the advert's campaign. A
manual form's submissions wait for a manager, who deletes the spam and sends the rest."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Absence
from catalog.models import Currency
from leads.models import Campaign, Lead
from tests.factories import UserFactory, user_with_role
from webforms.models import WebForm, WebFormSubmission
from webforms.services import WebFormFieldInput, webform_save

FIELDS = [
    WebFormFieldInput(kind="text", label="Your name", target="first_name", is_required=True, sort=10),
    WebFormFieldInput(kind="email", label="E-mail", target="email", sort=20),
    WebFormFieldInput(kind="select", label="Budget", target="answer", choices="Small\nLarge", sort=30),
]  # fmt: skip


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    cache.clear()


@pytest.fixture
def managers(db):
    """Anna (away today) and Boris: the form's turn skips Anna."""
    anna = UserFactory(username="anna", first_name="Anna", last_name="Ivanova")
    boris = user_with_role("boris", first_name="Boris", last_name="Petrov")
    today = timezone.localdate()
    Absence.objects.create(user=anna, starts_on=today, ends_on=today + datetime.timedelta(days=1))
    return anna, boris


def make_form(managers, **values) -> WebForm:
    defaults = {"name": "Call me back", "assignment": WebForm.Assignment.ROUND_ROBIN,
                "consent_text": "I agree to the processing of my data"}  # fmt: skip
    form = WebForm(**(defaults | values))
    return webform_save(form=form, fields=FIELDS, managers=list(managers))


def test_a_visitor_fills_the_embedded_form_and_the_lead_reaches_the_manager(
    page, log_in, live_server, statuses, pipeline, managers
):
    # given a form, a campaign tagged "spring", and the embed code from the settings page
    anna, boris = managers
    form = make_form(managers)
    campaign = Campaign.objects.create(name="Spring sale", utm_campaign="spring",
                                       currency=Currency.objects.get(code="RUB"))  # fmt: skip
    log_in(UserFactory(username="admin", is_superuser=True))
    page.goto(f"/settings/webforms/{form.pk}/update/")
    snippet = page.get_by_test_id("webform-embed").locator("textarea").input_value()
    assert f"/f/{form.key}/" in snippet
    page.context.clear_cookies()

    # when a visitor from the advert opens the client's landing page with the code on it: on
    # another origin (127.0.0.1, the form being at localhost), a real page whose body the code
    # replaces (a page Playwright made up would count as public, and Chromium keeps public
    # pages from framing local servers)
    landing = live_server.url.replace("localhost", "127.0.0.1") + "/healthz"
    page.goto(f"{landing}?utm_source=yandex&utm_medium=cpc&utm_campaign=spring")
    page.set_content(f"<html><body><h1>Eco goods</h1>{snippet}</body></html>")
    frame = page.frame_locator(f"#crm-form-{form.key}")
    frame.get_by_label("Your name").fill("Ivan")
    frame.get_by_label("E-mail").fill("ivan@example.com")
    frame.get_by_label("Budget").select_option("Large")
    frame.get_by_role("button", name="Send").click()

    # then the consent is asked for first, and then the thanks show
    expect(frame.get_by_text("This field is required.")).to_be_visible()
    frame.get_by_label("I agree to the processing of my data").check()
    frame.get_by_role("button", name="Send").click()
    expect(frame.get_by_test_id("webform-success")).to_have_text(
        "Thank you! We will contact you soon."
    )

    # and the lead went to Boris (Anna is away), with the campaign of the advert
    lead = Lead.objects.get()
    assert (lead.title, lead.responsible, lead.campaign) == ("Call me back: Ivan", boris, campaign)
    assert (lead.utm_source, lead.utm_campaign) == ("yandex", "spring")
    assert "Budget: Large" in lead.comments
    log_in(boris)
    page.goto(lead.get_absolute_url())
    expect(page.get_by_role("heading", name="Call me back: Ivan")).to_be_visible()


def test_a_manager_reviews_a_manual_forms_submissions(page, log_in, statuses, pipeline, managers):
    # given a form whose submissions wait for review, sent twice by people and once by a bot
    anna, boris = managers
    form = make_form(managers, transfer_mode=WebForm.TransferMode.MANUAL, consent_text="")
    for name in ("Olga", "Bot", "Petr"):
        page.goto(f"/f/{form.key}/")
        page.get_by_label("Your name").fill(name)
        if name == "Bot":  # a bot fills in every field, the hidden one too
            page.locator("input[name=website]").evaluate("field => field.value = 'http://spam'")
        page.get_by_role("button", name="Send").click()
        expect(page.get_by_test_id("webform-success")).to_be_visible()
    assert Lead.objects.count() == 0

    # when Boris opens the review list, deletes the spam and sends the rest to the CRM
    log_in(boris)
    page.goto("/webforms/submissions/")
    rows = page.get_by_test_id("submission-list")
    expect(rows.locator("tr[data-submission]")).to_have_count(3)
    spam = WebFormSubmission.objects.get(status=WebFormSubmission.Status.SPAM)
    expect(rows.locator(f"tr[data-submission='{spam.pk}']")).to_contain_text("Spam")
    rows.locator(f"tr[data-submission='{spam.pk}'] input[type=checkbox]").check()
    page.get_by_role("button", name="Delete").click()
    expect(rows.locator("tr[data-submission]")).to_have_count(2)
    for checkbox in rows.locator("input[type=checkbox]").all():
        checkbox.check()
    page.get_by_role("button", name="Send to the CRM").click()

    # then the list is empty and both leads are Boris's (Anna is away)
    expect(page.get_by_text("Submissions sent to the CRM: 2.")).to_be_visible()
    expect(rows).to_contain_text("Nothing to review.")
    assert sorted(Lead.objects.values_list("first_name", "responsible__username")) == [
        ("Olga", "boris"), ("Petr", "boris")]  # fmt: skip
    assert not WebFormSubmission.objects.filter(pk=spam.pk).exists()
