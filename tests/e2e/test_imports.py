"""Importing a CSV file in a real browser: from the contact list's button through the upload,
the column mapping and the run, to the totals and the rejected-rows report."""

import csv
import io

from playwright.sync_api import expect

from contacts.models import Contact
from imports.models import Import
from imports.services import import_create, import_run
from tests.factories import user_with_role
from tests.imports.conftest import csv_upload
from tests.imports.test_services import MESSY_CONTACTS


def test_a_messy_file_is_uploaded_mapped_imported_and_its_rejected_rows_downloaded(log_in):
    importer = user_with_role("importer", "all")
    page = log_in(importer)
    page.goto("/contacts/")
    page.get_by_test_id("import-link").click()

    # upload: the entity comes from the list the button was on
    expect(page.get_by_label("Import as")).to_have_value("contact")
    page.get_by_label("CSV file").set_input_files(
        {"name": "clients.csv", "mimeType": "text/csv", "buffer": MESSY_CONTACTS.encode()}
    )
    page.get_by_role("button", name="Upload and map the columns").click()

    # mapping: the headings are recognised, the preview shows the rows (a quoted line break
    # stays in its cell); the user leaves the responsible column out
    expect(page.get_by_test_id("import-preview")).to_contain_text("Позвонить")
    expect(page.get_by_label("Телефон")).to_have_value("phones")
    expect(page.get_by_label("Комментарий")).to_have_value("comments")
    page.get_by_label("Ответственный").select_option(label="— skip —")
    page.get_by_test_id("import-start").click()

    # the import's page: every row accounted for
    progress = page.get_by_test_id("import-progress")
    expect(progress).to_have_attribute("data-status", "done")
    expect(page.get_by_test_id("import-created")).to_have_text("3")
    expect(page.get_by_test_id("import-skipped")).to_have_text("1")
    expect(page.get_by_test_id("import-rejected")).to_have_text("3")
    expect(page.get_by_test_id("import-updated")).to_have_text("0")
    assert Contact.objects.count() == 3

    # the report of the rejected rows: their cells as they came, the row and the reason
    with page.expect_download() as download:
        page.get_by_test_id("import-rejected-report").click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Фамилия", "Имя", "Телефон", "E-mail", "Компания", "Комментарий",
                       "Ответственный", "Row", "Reason"]  # fmt: skip
    assert [(row[0], row[-2], row[-1]) for row in rows[1:]] == [
        ("", "4", "Last name: Give the contact a first or last name."),
        ("Кузнецов", "5", "Phones: 12 is not a phone number."),
        ("Смирнов", "6", "E-mails: Enter a valid email address."),
    ]

    # a reload shows the same figures, and the list of imports has it
    page.reload()
    expect(page.get_by_test_id("import-created")).to_have_text("3")
    page.goto("/imports/")
    expect(page.get_by_test_id("import-list")).to_contain_text("clients.csv")
    assert Import.objects.get().status == Import.Status.DONE


def test_the_page_of_a_running_import_follows_its_progress_without_a_reload(log_in):
    # given an import a worker has taken halfway: two of its seven rows are in
    importer = user_with_role("importer", "all")
    rows = "".join(f"Client {n};+7 916 000-00-0{n}\n" for n in range(7))
    csv_import = import_create(actor=importer, entity="contact", duplicate_policy="skip",
                               file=csv_upload(f"Фамилия;Телефон\n{rows}"))  # fmt: skip
    Import.objects.filter(pk=csv_import.pk).update(status="running", position=2, created_count=2)
    page = log_in(importer)
    page.goto(csv_import.get_absolute_url())
    expect(page.get_by_test_id("import-progress")).to_contain_text("2 of 7 rows done")
    expect(page.get_by_test_id("import-status")).to_have_text("Running")

    # when the worker goes on to the end
    import_run(import_id=csv_import.pk, chunk_size=2)

    # then the open page shows it by itself, and so does a reload
    expect(page.get_by_test_id("import-status")).to_have_text("Done")
    expect(page.get_by_test_id("import-created")).to_have_text("7")
    expect(page.get_by_test_id("import-progress")).to_contain_text("7 of 7 rows done")
    page.reload()
    expect(page.get_by_test_id("import-created")).to_have_text("7")
    # rows 1 and 2 were only counted above (the test stood in for the worker there)
    assert Contact.objects.count() == 5
