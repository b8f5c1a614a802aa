"""Users and departments over the REST API: read only, for everybody signed in; no passwords
or permissions in the answers."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Department, PermissionAction, PermissionEntity, User
from tests.api_client import api_as
from tests.factories import UserFactory, department, role, sales_staff

PEOPLE = ["responsible", "other", "head", "admin"]
USER_FIELDS = {"id", "username", "first_name", "middle_name", "last_name", "full_name", "email",
               "phone", "position", "department"}  # fmt: skip


@pytest.fixture
def people(db):
    users = sales_staff()
    users["admin"] = UserFactory(username="admin", first_name="Ada", last_name="Admin")
    users["admin"].roles.add(role("Administrator", "all", entities=[PermissionEntity.SETTINGS],
                                  actions=[PermissionAction.EDIT]))  # fmt: skip
    wholesale = Department.objects.get(name="Wholesale")
    Department.objects.filter(pk=wholesale.pk).update(head=users["head"])
    UserFactory(username="gone", is_active=False)
    return users


@pytest.mark.parametrize("user", PEOPLE)
def test_active_users_are_listed_for_everybody_without_secrets(
    people, user, django_assert_max_num_queries
):
    api = api_as(people[user])
    responsible = people["responsible"]
    responsible.position = "Sales manager"
    responsible.save()

    with django_assert_max_num_queries(2):
        listed = api.get(reverse("api:user-list"), {"page_size": 100})
    detail = api.get(reverse("api:user-detail", args=[responsible.pk]))
    gone = api.get(reverse("api:user-detail", args=[User.objects.get(username="gone").pk]))

    usernames = {row["username"] for row in listed.json()["results"]}
    assert usernames == {"responsible", "other", "head", "admin"}
    assert all(set(row) == USER_FIELDS for row in listed.json()["results"])
    assert detail.json() == {
        "id": responsible.pk, "username": "responsible", "first_name": responsible.first_name,
        "middle_name": "", "last_name": responsible.last_name, "full_name": str(responsible),
        "email": "responsible@example.com", "phone": "", "position": "Sales manager",
        "department": Department.objects.get(name="Wholesale team").pk,
    }  # fmt: skip
    assert gone.status_code == 404


def test_users_are_filtered_by_department_with_sub_departments_and_by_text(people):
    api = api_as(people["other"])
    url = reverse("api:user-list")
    wholesale = Department.objects.get(name="Wholesale")
    retail = Department.objects.get(name="Retail")

    def usernames(**query):
        return sorted(row["username"] for row in api.get(url, query).json()["results"])

    assert usernames(department=wholesale.pk) == ["head", "responsible"]
    assert usernames(department=retail.pk) == ["other"]
    assert usernames(q="ADMIN") == ["admin"]
    assert usernames(q="other@example") == ["other"]
    assert usernames(department=999999) == []
    bad = api.get(url, {"department": "sales"})
    assert bad.status_code == 400 and set(bad.json()["error"]["fields"]) == {"department"}


def test_the_user_list_costs_the_same_queries_for_5_and_50_users(
    people, django_assert_max_num_queries
):
    api = api_as(people["head"])
    sizes = []
    for count in (5, 50):
        UserFactory.create_batch(count - User.objects.filter(is_active=True).count())
        with django_assert_max_num_queries(2) as captured:
            response = api.get(reverse("api:user-list"), {"page_size": 100})
        assert len(response.json()["results"]) == count
        sizes.append(len(captured))

    assert sizes[0] == sizes[1]


@pytest.mark.parametrize("user", PEOPLE)
def test_the_departments_are_a_flat_tree_with_parent_depth_and_head(
    people, user, django_assert_max_num_queries
):
    api = api_as(people[user])
    ids = {row.name: row.pk for row in Department.objects.all()}

    with django_assert_max_num_queries(2):
        listed = api.get(reverse("api:department-list"), {"fields": "id,name,parent,depth,head"})
    detail = api.get(reverse("api:department-detail", args=[ids["Retail"]]))

    assert listed.json()["results"] == [
        {"id": ids["Sales"], "name": "Sales", "parent": None, "depth": 1, "head": None},
        {"id": ids["Wholesale"], "name": "Wholesale", "parent": ids["Sales"], "depth": 2,
         "head": people["head"].pk},
        {"id": ids["Wholesale team"], "name": "Wholesale team", "parent": ids["Wholesale"],
         "depth": 3, "head": None},
        {"id": ids["Retail"], "name": "Retail", "parent": ids["Sales"], "depth": 2, "head": None},
    ]  # fmt: skip
    assert (detail.json()["name"], detail.json()["parent"]) == ("Retail", ids["Sales"])


def test_the_department_list_costs_the_same_queries_for_5_and_50_departments(
    people, django_assert_max_num_queries
):
    api = api_as(people["responsible"])
    sales = Department.objects.get(name="Sales")
    sizes = []
    for count in (5, 50):
        while Department.objects.count() < count:
            department(f"Team {Department.objects.count()}", parent=sales)
            sales.refresh_from_db()
        with django_assert_max_num_queries(2) as captured:
            response = api.get(reverse("api:department-list"), {"page_size": 100})
        assert len(response.json()["results"]) == count
        sizes.append(len(captured))

    assert sizes[0] == sizes[1]


def test_users_and_departments_are_read_only_and_need_a_login(people):
    api = api_as(people["admin"])

    created = api.post(reverse("api:user-list"), {"username": "intruder"})
    changed = api.patch(reverse("api:department-detail",
                                args=[Department.objects.get(name="Retail").pk]), {"name": "X"})  # fmt: skip
    anonymous = APIClient().get(reverse("api:user-list"))

    assert (created.status_code, changed.status_code, anonymous.status_code) == (405, 405, 401)
    assert not User.objects.filter(username="intruder").exists()
    assert not Department.objects.filter(name="X").exists()
