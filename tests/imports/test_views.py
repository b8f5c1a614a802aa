"""The import pages: upload, mapping, progress, the rejected-rows report; each user sees their
own imports only, and only those whose roles allow importing may start one."""

import csv
import io

from django.urls import reverse

from contacts.models import Contact
from imports.models import Import
from tests.factories import UserFactory, role, user_with_role
from tests.imports.conftest import csv_upload

FILE = "Фамилия;Имя;Телефон\nПетров;Иван;+79161234567\nСидоров;;12\n"


def _upload(client, text: str = FILE, entity: str = "contact"):
    return client.post(reverse("imports:create"), {"entity": entity, "duplicate_policy": "skip",
                                                   "file": csv_upload(text)})  # fmt: skip


def test_an_import_goes_from_upload_through_mapping_to_its_totals(
    client, importer, django_capture_on_commit_callbacks
):
    client.force_login(importer)
    assert client.get(reverse("imports:list")).status_code == 200
    assert client.get(reverse("imports:create"), {"entity": "contact"}).status_code == 200

    upload = _upload(client)
    csv_import = Import.objects.get()
    assert upload["Location"] == reverse("imports:mapping", args=[csv_import.pk])
    mapping_page = client.get(upload["Location"]).content.decode()
    assert "Петров" in mapping_page and 'value="phones" selected' in mapping_page

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(
            upload["Location"],
            {"column_0": "last_name", "column_1": "first_name", "column_2": "phones",
             "duplicate_policy": "skip"},
        )  # fmt: skip
    # the task ran in this process once the mapping committed (tests run tasks eagerly)
    assert started["Location"] == csv_import.get_absolute_url()
    progress = client.get(csv_import.get_absolute_url(), headers={"HX-Request": "true"})
    text = progress.content.decode()
    assert 'data-testid="import-created">1<' in text and 'data-testid="import-rejected">1<' in text
    assert "hx-trigger" not in text and "<html" not in text  # finished: no more polling
    assert Contact.objects.get().last_name == "Петров"

    report = client.get(reverse("imports:rejected", args=[csv_import.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode("utf-8-sig"))))
    assert rows == [["Фамилия", "Имя", "Телефон", "Row", "Reason"],
                    ["Сидоров", "", "12", "3", "Phones: 12 is not a phone number."]]  # fmt: skip
    # a started import's mapping page leads to its progress
    assert client.get(upload["Location"])["Location"] == csv_import.get_absolute_url()


def test_a_running_import_page_polls_its_progress(client, importer):
    client.force_login(importer)
    _upload(client)
    csv_import = Import.objects.get()
    Import.objects.filter(pk=csv_import.pk).update(status=Import.Status.RUNNING)

    page = client.get(csv_import.get_absolute_url()).content.decode()

    assert 'hx-trigger="every 1s"' in page and "<html" in page


def test_imports_are_private_and_need_the_import_right(client, importer):
    # given somebody's import
    client.force_login(importer)
    _upload(client)
    csv_import = Import.objects.get()
    owner_urls = [reverse(name, args=[csv_import.pk]) for name in
                  ("imports:detail", "imports:mapping", "imports:rejected")]  # fmt: skip

    # a colleague with every right does not see it
    client.force_login(user_with_role("colleague", "all"))
    for url in owner_urls:
        assert client.get(url).status_code == 404, url
    assert client.post(owner_urls[1], {"duplicate_policy": "skip"}).status_code == 404
    assert csv_import.file_name not in client.get(reverse("imports:list")).content.decode()

    # a user whose roles do not allow importing may not upload
    clerk = UserFactory(username="clerk")
    clerk.roles.add(role("No import", "all", actions=["view", "add", "edit"]))
    client.force_login(clerk)
    assert client.get(reverse("imports:create")).status_code == 403
    assert _upload(client).status_code == 403
    assert client.get(reverse("imports:list")).status_code == 200
    assert Import.objects.count() == 1

    # and nobody signed out
    client.logout()
    for url in [reverse("imports:list"), reverse("imports:create"), *owner_urls]:
        assert client.get(url).status_code == 302


def test_an_unreadable_file_is_refused_on_the_form(client, importer):
    client.force_login(importer)

    response = _upload(client, "Фамилия\n")

    assert response.status_code == 200
    assert "The file has no rows under its header." in response.content.decode()
    assert Import.objects.count() == 0
