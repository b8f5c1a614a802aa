"""The settings pages (administrators only), the review list (who may add leads) and the
public form (anybody)."""

from django.test import Client
from django.urls import reverse

from accounts.models import PermissionAction, PermissionEntity, PermissionScope
from leads.models import Lead
from tests.factories import UserFactory, role, user_with_role
from webforms.models import WebForm, WebFormSubmission
from webforms.services import submission_receive

from .conftest import make_form


def receive(form: WebForm, name: str, *, is_spam: bool = False) -> WebFormSubmission:
    answers = [{"label": "Your name", "target": "first_name", "value": name}]
    return submission_receive(form=form, answers=answers, has_consent=False,
                              utm={"utm_campaign": "spring"}, ip_address=None,
                              is_spam=is_spam)  # fmt: skip


def test_webform_settings_are_for_administrators_only(client, crm, team):
    form = make_form(managers=[team["Anna"]])
    pages = [reverse("webforms:list"), reverse("webforms:create"),
             reverse("webforms:update", args=[form.pk])]  # fmt: skip

    # anonymous: to the login page
    for response in [client.get(url) for url in pages] + [client.post(url) for url in pages]:
        assert response.status_code == 302 and "/login/" in response["Location"]

    # a manager, a director of everything but settings, staff without the settings right
    director = UserFactory(username="director")
    director.roles.add(role("Director", PermissionScope.ALL, entities=[PermissionEntity.LEAD]))
    for user in [user_with_role("manager", "own"), director,
                 UserFactory(username="staff", is_staff=True)]:  # fmt: skip
        client.force_login(user)
        for url in pages:
            assert client.get(url).status_code == 403, (user, url)
            assert client.post(url, {"name": "Hijacked"}).status_code == 403, (user, url)
    assert list(WebForm.objects.values_list("name", flat=True)) == ["Call me back"]

    # an administrator sees the list, the form with its embed code
    client.force_login(UserFactory(username="admin", is_superuser=True))
    assert client.get(pages[0]).status_code == 200
    page = client.get(pages[2]).content.decode()
    assert f"/f/{form.key}/" in page and "&lt;iframe" in page


def test_an_administrator_creates_a_form_with_its_fields(client, crm, team):
    client.force_login(UserFactory(username="admin", is_superuser=True))
    data = {
        "name": "Price request", "is_active": "on", "transfer_mode": "manual",
        "assignment": "round_robin", "managers": [team["Anna"].pk, team["Clara"].pk],
        "consent_text": "", "success_message": "Thanks",
        "fields-TOTAL_FORMS": "2", "fields-INITIAL_FORMS": "0",
        "fields-0-label": "Name", "fields-0-kind": "text", "fields-0-target": "last_name",
        "fields-0-is_required": "on", "fields-0-sort": "10",
        "fields-1-label": "", "fields-1-kind": "text", "fields-1-target": "answer",
        "fields-1-sort": "100",
    }  # fmt: skip

    response = client.post(reverse("webforms:create"), data)

    form = WebForm.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "webforms:update", args=[form.pk]
    )
    assert form.transfer_mode == "manual" and set(form.managers.all()) == {team["Anna"],
                                                                          team["Clara"]}  # fmt: skip
    assert list(form.fields.values_list("label", "target", "is_required")) == [
        ("Name", "last_name", True)
    ]


def test_a_round_robin_without_managers_is_refused(client, crm):
    client.force_login(UserFactory(username="admin", is_superuser=True))
    data = {
        "name": "Price request",
        "transfer_mode": "automatic",
        "assignment": "round_robin",
        "success_message": "Thanks",
        "fields-TOTAL_FORMS": "0",
        "fields-INITIAL_FORMS": "0",
    }

    response = client.post(reverse("webforms:create"), data)

    assert response.status_code == 200 and "Choose the managers who take turns." in (
        response.content.decode()
    )
    assert WebForm.objects.count() == 0


def test_the_public_form_is_open_to_everybody(crm, team):
    form = make_form(managers=[team["Anna"]])
    url = reverse("webforms:public", args=[form.key])

    assert Client().get(url).status_code == 200
    logged_in = Client()
    logged_in.force_login(user_with_role("manager", "own"))
    assert logged_in.get(url).status_code == 200


def test_the_review_list_needs_the_lead_add_right(client, crm, team):
    form = make_form(managers=[team["Anna"]], transfer_mode=WebForm.TransferMode.MANUAL)
    submission = receive(form, "Ivan")
    list_url, review_url = reverse("webforms:submissions"), reverse("webforms:submissions-review")

    # anonymous: to the login page
    for response in (client.get(list_url), client.post(review_url, {"submission": submission.pk})):
        assert response.status_code == 302 and "/login/" in response["Location"]

    # without the right to add leads: refused, nothing changed
    viewer = UserFactory(username="viewer")
    viewer.roles.add(role("Viewer", PermissionScope.ALL, actions=[PermissionAction.VIEW]))
    client.force_login(viewer)
    assert client.get(list_url).status_code == 403
    for action in ("transfer", "delete"):
        response = client.post(review_url, {"submission": submission.pk, "action": action})
        assert response.status_code == 403
    assert WebFormSubmission.objects.get().status == "waiting" and Lead.objects.count() == 0

    # a manager who may add leads sees it
    client.force_login(user_with_role("manager", "own"))
    response = client.get(list_url)
    assert response.status_code == 200 and "Ivan" in response.content.decode()


def test_a_manager_deletes_spam_and_sends_the_rest_to_the_crm(client, crm, team, campaign):
    # given a manual form with two real submissions and a spam one
    form = make_form(managers=[team["Anna"], team["Clara"]],
                     transfer_mode=WebForm.TransferMode.MANUAL)  # fmt: skip
    ivan, olga, spam = (
        receive(form, "Ivan"),
        receive(form, "Olga"),
        receive(form, "Bot", is_spam=True),
    )
    manager = user_with_role("manager", "own")
    client.force_login(manager)
    assert Lead.objects.count() == 0
    page = client.get(reverse("webforms:submissions")).content.decode()
    assert "Ivan" in page and "Olga" in page and "Spam" in page

    # when they delete the spam, then send the other two
    review = reverse("webforms:submissions-review")
    client.post(review, {"submission": [spam.pk], "action": "delete"})
    response = client.post(review, {"submission": [ivan.pk, olga.pk], "action": "transfer"})

    # then the spam is gone, and two leads were made in turn, with the campaign
    assert response.status_code == 302
    assert not WebFormSubmission.objects.filter(pk=spam.pk).exists()
    leads = list(Lead.objects.order_by("pk"))
    assert [(lead.first_name, lead.responsible) for lead in leads] == [
        ("Ivan", team["Anna"]), ("Olga", team["Clara"])]  # fmt: skip
    assert {lead.campaign for lead in leads} == {campaign}
    assert {lead.created_by for lead in leads} == {manager}
    submissions = WebFormSubmission.objects.order_by("pk")
    assert [(s.status, s.transferred_by) for s in submissions] == [("transferred", manager)] * 2
    assert "Nothing to review." in client.get(reverse("webforms:submissions")).content.decode()

    # a submission sent again makes no second lead
    client.post(review, {"submission": [ivan.pk], "action": "transfer"})
    assert Lead.objects.count() == 2
