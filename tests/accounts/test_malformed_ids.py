"""A malformed id in a form answers 404, never 500."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken
from accounts.services import api_token_create
from tests.factories import DealFactory, sales_pipeline, sales_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(money):
    return sales_staff()["responsible"]


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.parametrize("revoke", ["abc", "", "1.5", "-1", "99999999999999999999", "٣"])
def test_revoking_a_share_with_a_malformed_id_answers_404(manager, revoke):
    deal = DealFactory(responsible=manager, pipeline=sales_pipeline())

    response = _client(manager).post(f"/settings/shares/deal/{deal.pk}/", {"revoke": revoke})

    assert response.status_code == 404


@pytest.mark.parametrize("revoke", ["abc", "", "99999999999999999999", "1\x00"])
def test_revoking_a_token_with_a_malformed_id_answers_404(manager, revoke):
    api_token_create(user=manager, name="CI")

    response = _client(manager).post(reverse("accounts:tokens"), {"revoke": revoke})

    assert response.status_code == 404
    assert ApiToken.objects.get().revoked_at is None


def test_revoking_an_own_token_by_its_id_still_works(manager):
    token, _secret = api_token_create(user=manager, name="CI")

    response = _client(manager).post(reverse("accounts:tokens"), {"revoke": str(token.pk)})

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
