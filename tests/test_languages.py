from django.utils import translation

from deals.models import Stage


def test_switching_to_russian_translates_the_page(client):
    # when the visitor picks Russian in the language switch
    response = client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    assert response.status_code == 302

    # then pages come in Russian
    page = client.get("/").content.decode()
    assert 'lang="ru"' in page
    assert "Управление взаимоотношениями с клиентами" in page
    assert "Войти" in page


def test_switching_back_to_english(client):
    client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    page = client.get("/").content.decode()
    assert 'lang="en"' in page
    assert "Customer relationship management" in page


def test_model_vocabulary_is_translated():
    with translation.override("ru"):
        assert str(Stage.Semantics.WON.label) != "Won"
        assert str(Stage._meta.verbose_name) == "стадия"
