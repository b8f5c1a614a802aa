import pytest
from django.urls import reverse

from accounts.models import PermissionEntity, Role, RolePermission, RoleStageRule
from accounts.policy import can_manage_settings
from tests.factories import UserFactory


@pytest.fixture
def administrator(pipeline):
    role = Role.objects.create(name="Administrator")
    RolePermission.objects.create(
        role=role, entity=PermissionEntity.SETTINGS, action="edit", scope="all"
    )
    user = UserFactory(username="administrator")
    user.roles.add(role)
    return user


def matrix_post(form_initial: dict, **changes) -> dict:
    data = {key: value for key, value in form_initial.items() if value not in (None, False)}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not False}


def test_an_administrator_builds_a_role_in_the_matrix(client, administrator, pipeline):
    # given the editor of a new role
    assert can_manage_settings(administrator)
    client.force_login(administrator)
    page = client.get(reverse("accounts:role-create"))
    assert page.status_code == 200
    form = page.context["form"]
    won = pipeline.stages.get(name="Won")
    initial = {name: form[name].initial for name in form.fields}

    # when they give managers their own deals, all of them in this pipeline, and close Won
    response = client.post(
        reverse("accounts:role-create"),
        matrix_post(initial, name="Manager", **{
            "deal.view": "own", "deal.edit": "own", f"deal.view.{pipeline.pk}": "all",
            f"stage.{won.pk}.move": False,
        }),
    )  # fmt: skip

    # then the role holds exactly that
    role = Role.objects.get(name="Manager")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:role-update", args=[role.pk])
    rows = set(role.permissions.values_list("entity", "action", "scope", "pipeline_id"))
    assert rows == {("deal", "view", "own", None), ("deal", "edit", "own", None),
                    ("deal", "view", "all", pipeline.pk)}  # fmt: skip
    assert list(RoleStageRule.objects.values_list("stage_id", "can_view", "can_move_into")) == [
        (won.pk, True, False)
    ]
    # and the editor shows it back
    page = client.get(reverse("accounts:role-update", args=[role.pk]))
    form = page.context["form"]
    assert form["deal.view"].initial == "own"
    assert form[f"deal.view.{pipeline.pk}"].initial == "all"
    assert form[f"stage.{won.pk}.move"].initial is False


def test_a_duplicate_role_name_is_refused_and_nothing_saved(client, administrator):
    Role.objects.create(name="Manager")
    client.force_login(administrator)
    form = client.get(reverse("accounts:role-create")).context["form"]
    initial = {name: form[name].initial for name in form.fields}

    response = client.post(reverse("accounts:role-create"), matrix_post(initial, name="manager"))

    assert response.status_code == 200
    assert "A role with this name exists already." in response.content.decode()
    assert Role.objects.count() == 2


def test_the_role_editor_costs_the_same_queries_for_more_pipelines(
    client, administrator, django_assert_max_num_queries
):
    from tests.factories import sales_pipeline

    client.force_login(administrator)
    role = Role.objects.get(name="Administrator")
    with django_assert_max_num_queries(12) as first:
        client.get(reverse("accounts:role-update", args=[role.pk]))
    for number in range(3):
        sales_pipeline(f"More {number}")
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(reverse("accounts:role-update", args=[role.pk]))


def test_a_user_makes_a_token_sees_it_once_and_revokes_it(client, db):
    from django.urls import reverse

    from accounts.models import ApiToken
    from tests.factories import UserFactory

    owner, other = UserFactory(username="owner"), UserFactory(username="other")
    client.force_login(owner)

    made = client.post(reverse("accounts:tokens"), {"name": "Shop"})
    token = made.context["new_token"]
    row = ApiToken.objects.get(user=owner)
    again = client.get(reverse("accounts:tokens")).content.decode()

    assert token and token in made.content.decode() and token not in again
    assert row.prefix == token[:8] and token not in row.key_hash
    client.force_login(other)
    assert client.post(reverse("accounts:tokens"), {"revoke": row.pk}).status_code == 404
    client.force_login(owner)
    client.post(reverse("accounts:tokens"), {"revoke": row.pk})
    row.refresh_from_db()
    assert row.revoked_at is not None


def test_the_settings_pages_share_their_tabs_and_the_header_links_the_tokens(client, administrator):
    client.force_login(administrator)

    for url in (reverse("accounts:roles"), reverse("webhooks:list")):
        page = client.get(url).content.decode()
        tabs = page[page.index('data-testid="settings-tabs"') :]
        assert reverse("accounts:roles") in tabs and reverse("webhooks:list") in tabs
        assert 'aria-current="page"' in tabs
        assert f'href="{reverse("accounts:tokens")}"' in page
