"""CSV imports on the real database: messy files, duplicates, rights, resuming, query counts."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from activities.models import TimelineEvent
from contacts.models import Company, Contact
from contacts.services import (
    CommunicationInput,
    company_create,
    company_requisite_create,
    contact_create,
)
from imports import services
from imports.models import DuplicatePolicy, Import, ImportMapping
from imports.services import import_create, import_run, import_start
from leads.models import Lead
from tests.factories import UserFactory, role, user_with_role
from tests.imports.conftest import csv_upload, imported, rejected, totals

# Excel's UTF-8 (a BOM), semicolons, a quoted line break, and rows that cannot be imported.
MESSY_CONTACTS = (
    "\ufeffФамилия;Имя;Телефон;E-mail;Компания;Комментарий;Ответственный\n"
    'Петров;Иван;+7 916 123-45-67;ivan@example.com;ЭкоДом;"Позвонить\nпосле обеда; срочно";importer\n'
    "Сидорова;Анна;8 (916) 765-43-21;ANNA@example.com;;;\n"
    ";;;nobody@example.com;;нет имени;\n"
    "Кузнецов;Олег;12;oleg@example.com;;;\n"
    "Смирнов;Павел;+7 903 000-00-01;pavel@example;;;\n"
    "Петров;Иван;8 916 123 45 67;;;повтор;\n"
    "Орлов;Пётр;;orlov@example.com;;;someone.unknown\n"
)


def test_a_messy_file_is_imported_with_every_row_accounted_for(importer):
    # when
    csv_import = imported(importer, "contact", MESSY_CONTACTS)

    # then: two contacts, the repeated phone skipped, four rows rejected with the reason
    assert (csv_import.encoding, csv_import.delimiter) == ("utf-8-sig", ";")
    assert csv_import.mapping == ["last_name", "first_name", "phones", "emails", "companies",
                                  "comments", "responsible"]  # fmt: skip
    assert totals(csv_import) == {"status": "done", "rows": 7, "created": 2, "updated": 0,
                                  "skipped": 1, "rejected": 4}  # fmt: skip
    assert rejected(csv_import) == [
        (4, "Last name: Give the contact a first or last name."),
        (5, "Phones: 12 is not a phone number."),
        (6, "E-mails: Enter a valid email address."),
        (8, "Responsible: There is no user “someone.unknown”."),
    ]
    assert csv_import.rejected_rows.get(row_number=5).cells == [
        "Кузнецов", "Олег", "12", "oleg@example.com", "", "", ""]  # fmt: skip
    petrov = Contact.objects.get(last_name="Петров")
    assert petrov.comments == "Позвонить\nпосле обеда; срочно"
    assert petrov.responsible == importer and petrov.created_by == importer
    assert sorted(petrov.communications.values_list("normalized_value", flat=True)) == [
        "+79161234567", "ivan@example.com"]  # fmt: skip
    assert list(petrov.companies.values_list("title", flat=True)) == ["ЭкоДом"]
    assert TimelineEvent.objects.filter(entity_type="contact", entity_id=petrov.pk,
                                        kind="created", actor=importer).exists()  # fmt: skip
    assert Contact.objects.count() == 2


def test_a_windows_1251_file_with_tabs_makes_companies_and_rejects_a_wrong_inn(importer):
    text = ("Название\tИНН\tТелефон\tТип\n"
            "ООО Ромашка\t7707083893\t+7 495 123-45-67\tПартнёр\n"
            "ЗАО Лютик\t1234567890\t\t\n"
            "ИП Иванов\t500100732259\t\tcustomer\n")  # fmt: skip

    csv_import = imported(importer, "company", text, encoding="windows-1251")

    assert (csv_import.encoding, csv_import.delimiter) == ("windows-1251", "\t")
    assert totals(csv_import) == {"status": "done", "rows": 3, "created": 2, "updated": 0,
                                  "skipped": 0, "rejected": 1}  # fmt: skip
    assert rejected(csv_import) == [(3, "INN: The INN 1234567890 has a wrong check digit.")]
    romashka = Company.objects.get(title="ООО Ромашка")
    assert romashka.company_type == Company.Type.PARTNER
    assert list(romashka.requisites.values_list("inn", flat=True)) == ["7707083893"]


EXISTING_PETROV = (
    "Фамилия,Имя,Телефон,E-mail,Должность\nPetrov,Ivan,8 916 123-45-67,new@example.com,Director\n"
)


@pytest.mark.parametrize(
    ("policy", "expected", "contacts", "position"),
    [(DuplicatePolicy.SKIP, {"skipped": 1}, 1, "Manager"),
     (DuplicatePolicy.UPDATE, {"updated": 1}, 1, "Director"),
     (DuplicatePolicy.CREATE, {"created": 1}, 2, "Manager")],
)  # fmt: skip
def test_each_duplicate_policy(importer, policy, expected, contacts, position):
    # given a contact with the file's phone, written differently
    existing = contact_create(
        actor=importer, first_name="Ivan", last_name="Petrov", position="Manager",
        communications=[CommunicationInput("phone", "+7 (916) 123-45-67")],
    )  # fmt: skip

    csv_import = imported(importer, "contact", EXISTING_PETROV, policy=policy)

    counts = {"created": 0, "updated": 0, "skipped": 0} | expected
    assert totals(csv_import) == {"status": "done", "rows": 1, "rejected": 0} | counts
    assert Contact.objects.count() == contacts
    existing.refresh_from_db()
    assert existing.position == position
    if policy == DuplicatePolicy.UPDATE:
        assert sorted(existing.communications.values_list("normalized_value", flat=True)) == [
            "+79161234567", "new@example.com"]  # fmt: skip
        assert TimelineEvent.objects.filter(entity_type="contact", entity_id=existing.pk,
                                            kind="field_changed").exists()  # fmt: skip


def test_a_company_is_recognised_by_its_inn_and_updated(importer):
    company = company_create(title="Romashka", actor=importer)
    company_requisite_create(company=company, actor=importer, inn="7707083893")
    text = "Company,INN,Address\nRomashka LLC,7707083893,Moscow\n"

    csv_import = imported(importer, "company", text, policy=DuplicatePolicy.UPDATE)

    assert totals(csv_import)["updated"] == 1
    company.refresh_from_db()
    assert (company.title, company.address) == ("Romashka LLC", "Moscow")
    assert Company.objects.count() == 1


def test_a_duplicate_the_importer_may_not_change_is_rejected_not_updated(importer, money):
    manager = user_with_role("manager", "own")
    contact_create(actor=importer, first_name="Ivan", last_name="Petrov", position="Manager",
                   communications=[CommunicationInput("phone", "+79161234567")])  # fmt: skip

    csv_import = imported(manager, "contact", EXISTING_PETROV, policy=DuplicatePolicy.UPDATE)

    assert totals(csv_import)["rejected"] == 1
    assert "your role does not let you change it" in rejected(csv_import)[0][1]
    assert Contact.objects.get().position == "Manager"


def test_rows_given_to_somebody_out_of_the_add_scope_are_rejected(importer):
    manager = user_with_role("manager", "own", first_name="Mila", last_name="Manager")
    text = "Last name,Responsible\nOwn,manager\nForeign,importer\n"

    csv_import = imported(manager, "contact", text)

    assert totals(csv_import)["created"] == 1
    assert rejected(csv_import) == [
        (3, "Your role does not let you give this item to Irina Importer.")
    ]
    assert Contact.objects.get().responsible == manager


def test_an_import_needs_the_import_and_add_rights(importer):
    clerk = UserFactory(username="clerk")
    clerk.roles.add(role("Viewer", "all", actions=["view", "add"]))

    with pytest.raises(PermissionDenied):
        import_create(actor=clerk, entity="contact", file=csv_upload("Last name\nPetrov\n"),
                      duplicate_policy=DuplicatePolicy.SKIP)  # fmt: skip

    assert Import.objects.count() == 0


def test_a_file_without_rows_or_in_mixed_encodings_is_refused(importer):
    # UTF-8 as far as the sample reaches, Windows-1251 further on
    mixed = b"Last name\n" + "Петров\n".encode() + b"x" * 70_000 + "\nПетров\n".encode("cp1251")
    for content in (b"Last name\n", mixed):
        upload = csv_upload("")
        upload.file.write(content)
        with pytest.raises(ValidationError):
            import_create(actor=importer, entity="contact", file=upload,
                          duplicate_policy=DuplicatePolicy.SKIP)  # fmt: skip
    assert Import.objects.count() == 0


def test_the_mapping_is_remembered_per_user_and_entity(importer):
    text = "Клиент,Телефон\nPetrov,+79161234567\n"
    first = import_create(actor=importer, entity="contact", file=csv_upload(text),
                          duplicate_policy=DuplicatePolicy.SKIP)  # fmt: skip
    assert first.mapping == ["", "phones"]

    import_start(csv_import=first, actor=importer, mapping=["last_name", "phones"],
                 duplicate_policy=DuplicatePolicy.SKIP)  # fmt: skip

    again = import_create(actor=importer, entity="contact", file=csv_upload(text),
                          duplicate_policy=DuplicatePolicy.SKIP)  # fmt: skip
    assert again.mapping == ["last_name", "phones"]
    other_user = user_with_role("colleague", "all")
    theirs = import_create(actor=other_user, entity="contact", file=csv_upload(text),
                           duplicate_policy=DuplicatePolicy.SKIP)  # fmt: skip
    assert theirs.mapping == ["", "phones"]
    as_leads = import_create(actor=importer, entity="lead", file=csv_upload(text),
                             duplicate_policy=DuplicatePolicy.SKIP)  # fmt: skip
    assert as_leads.mapping == ["", "phones"]
    assert ImportMapping.objects.get(user=importer, entity="contact").columns == {
        "клиент": "last_name", "телефон": "phones"}  # fmt: skip


def test_a_mapping_that_fills_one_field_twice_is_refused(importer):
    csv_import = import_create(actor=importer, entity="contact", duplicate_policy="skip",
                               file=csv_upload("A,B\nPetrov,Ivanov\n"))  # fmt: skip

    with pytest.raises(ValidationError):
        import_start(csv_import=csv_import, actor=importer, mapping=["last_name", "last_name"],
                     duplicate_policy="skip")  # fmt: skip

    csv_import.refresh_from_db()
    assert csv_import.status == Import.Status.MAPPING


class WorkerKilled(BaseException):
    """What a killed worker looks like to the code it was running: it just stops."""


def test_an_interrupted_import_resumes_after_its_last_committed_chunk(importer, monkeypatch):
    # given an import of 7 rows in chunks of 2, whose worker dies during the third chunk
    text = "Last name,Phone\n" + "".join(f"Client {n},+7916000000{n}\n" for n in range(7))
    csv_import = import_create(actor=importer, entity="contact", file=csv_upload(text),
                               duplicate_policy=DuplicatePolicy.SKIP)  # fmt: skip
    import_start(csv_import=csv_import, actor=importer, mapping=csv_import.mapping,
                 duplicate_policy=DuplicatePolicy.SKIP)  # fmt: skip
    chunk_import = services._chunk_import
    calls = []

    def dying(run, start, rows):
        calls.append(start)
        if len(calls) == 3:
            raise WorkerKilled
        return chunk_import(run, start, rows)

    monkeypatch.setattr(services, "_chunk_import", dying)
    with pytest.raises(WorkerKilled):
        import_run(import_id=csv_import.pk, chunk_size=2)
    assert totals(csv_import) | {"position": csv_import.position} == {
        "status": "running", "rows": 7, "created": 4, "updated": 0, "skipped": 0,
        "rejected": 0, "position": 4}  # fmt: skip

    # when the task runs again
    monkeypatch.setattr(services, "_chunk_import", chunk_import)
    import_run(import_id=csv_import.pk, chunk_size=2)

    # then it goes on from row 4: every row once, nothing twice
    assert totals(csv_import)["created"] == 7 and csv_import.status == "done"
    assert Contact.objects.count() == 7
    # and a finished import is left alone
    import_run(import_id=csv_import.pk, chunk_size=2)
    assert Contact.objects.count() == 7


def test_a_chunk_of_contacts_takes_the_same_queries_for_30_or_300_rows(
    importer, django_assert_max_num_queries
):
    without_companies = "Last name;First name;Phone;E-mail;Position;Responsible\n"
    queries = []
    for count in (30, 300):
        text = without_companies + "".join(
            f"Client {n};Ivan;+7 916 {n:07d};client{n}@example.com;Director;importer\n"
            for n in range(count)
        )
        csv_import = import_create(actor=importer, entity="contact", file=csv_upload(text),
                                   duplicate_policy=DuplicatePolicy.SKIP)  # fmt: skip
        import_start(csv_import=csv_import, actor=importer, mapping=csv_import.mapping,
                     duplicate_policy=DuplicatePolicy.SKIP)  # fmt: skip
        with django_assert_max_num_queries(30) as captured:
            import_run(import_id=csv_import.pk, chunk_size=count)
        assert totals(csv_import)["created"] == count
        queries.append(len(captured))
        Contact.objects.all().delete()

    assert queries[0] == queries[1]


def test_leads_and_deals_are_made_by_their_services(importer, pipeline, statuses):
    leads = imported(importer, "lead", "Title,Status,Amount,Last name,Phone\n"
                     'Paint,In process,"1 500,50",Petrov,+79161234567\nJunk one,Junk,,,\n')  # fmt: skip
    deals = imported(importer, "deal", "Title;Stage;Amount;Company\nOrder;Negotiation;900;Eco\n"
                     ";New;5;\n")  # fmt: skip

    assert totals(leads) == {"status": "done", "rows": 2, "created": 1, "updated": 0,
                             "skipped": 0, "rejected": 1}  # fmt: skip
    assert totals(deals) == totals(leads)
    lead = Lead.objects.get()
    assert (lead.title, lead.status.code, lead.amount) == (
        "Paint",
        "in_process",
        Decimal("1500.50"),
    )
    assert rejected(leads) == [(3, "A new lead cannot start in a final status.")]
    deal = pipeline.deals.get()
    assert (deal.title, deal.stage.name, deal.amount, deal.company.title) == (
        "Order", "Negotiation", Decimal(900), "Eco")  # fmt: skip
    assert rejected(deals) == [(3, "Title: This field cannot be blank.")]


def test_the_reasons_are_in_the_language_the_import_was_started_in(importer):
    with translation.override("ru"):
        csv_import = imported(importer, "contact", "Фамилия;Телефон\nПетров;12\n")

    assert rejected(csv_import) == [(2, "Телефоны: 12 не является номером телефона.")]
