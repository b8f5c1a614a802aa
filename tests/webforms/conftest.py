import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from accounts.models import Absence
from leads.models import Campaign
from tests.factories import UserFactory, currencies, lead_statuses, sales_pipeline
from webforms.models import WebForm, WebFormField
from webforms.services import WebFormFieldInput, webform_save

FIELDS = [
    WebFormFieldInput(kind="text", label="Your name", target="first_name", is_required=True, sort=10),
    WebFormFieldInput(kind="email", label="E-mail", target="email", sort=20),
    WebFormFieldInput(kind="phone", label="Phone", target="phone", sort=30),
    WebFormFieldInput(kind="select", label="Budget", target="answer", choices="Small\nLarge", sort=40),
]  # fmt: skip


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def crm(db):
    """What leads and deals need: currencies, lead statuses, a default pipeline."""
    currencies()
    sales_pipeline()
    return lead_statuses()


@pytest.fixture
def team(db):
    """Anna, Boris (away today) and Clara, the managers a form gives its leads to in turn."""
    people = {name: UserFactory(username=name.lower(), first_name=name)
              for name in ("Anna", "Boris", "Clara")}  # fmt: skip
    today = timezone.localdate()
    Absence.objects.create(user=people["Boris"], starts_on=today,
                           ends_on=today + datetime.timedelta(days=3))  # fmt: skip
    return people


@pytest.fixture
def campaign(crm):
    return Campaign.objects.create(name="Spring sale", utm_campaign="spring",
                                   currency=currencies()["RUB"])  # fmt: skip


def make_form(*, managers=(), **values) -> WebForm:
    defaults = {"name": "Call me back", "assignment": WebForm.Assignment.ROUND_ROBIN}
    return webform_save(form=WebForm(**(defaults | values)), fields=FIELDS, managers=list(managers))


def field_data(form: WebForm, **values) -> dict:
    """POST data for the form: values by target (first_name="Ann")."""
    fields = {field.target: f"field_{field.pk}" for field in WebFormField.objects.filter(form=form)}
    return {fields[target]: value for target, value in values.items()}
