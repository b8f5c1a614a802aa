import pytest

from tests.factories import UserFactory


def test_home_page_renders(client):
    response = client.get("/")
    assert response.status_code == 200


@pytest.mark.django_db
def test_admin_index_renders_for_a_superuser(client):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_admin_pages_offer_the_language_switch(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))

    page = client.get("/admin/").content.decode()

    assert 'action="/i18n/setlang/"' in page
    assert '<option value="ru"' in page and '<option value="en"' in page
