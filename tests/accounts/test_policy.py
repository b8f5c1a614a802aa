"""accounts.policy: who sees and may change which rows."""

import pytest

from accounts.models import PermissionAction, PermissionEntity, Role, RolePermission, RoleStageRule
from accounts.policy import can, can_assign, can_move_into, grant_for, restrict
from accounts.services import object_share, object_unshare
from activities.models import TimelineEvent
from contacts.models import Contact
from core.errors import ApplicationError
from deals.models import Deal
from tests.factories import (
    ContactFactory,
    DealFactory,
    ProductFactory,
    UserFactory,
    department,
    sales_pipeline,
)

ALL, OWN, DEPT, SUB, NONE = "all", "own", "department", "subdepartments", "none"
VIEW, EDIT = PermissionAction.VIEW, PermissionAction.EDIT
DEAL = PermissionEntity.DEAL


def role(name: str, scopes: dict, *, pipeline=None) -> Role:
    """A role with deal scopes per action, e.g. {VIEW: OWN, EDIT: OWN}."""
    new_role, _ = Role.objects.get_or_create(name=name)
    for action, scope in scopes.items():
        RolePermission.objects.create(
            role=new_role, entity=DEAL, action=action, scope=scope, pipeline=pipeline
        )
    return new_role


@pytest.fixture
def company(pipeline):
    """Sales → Wholesale → North, and Sales → Retail, with people and a deal each."""
    sales = department("Sales")
    wholesale = department("Wholesale", parent=sales)
    north = department("North", parent=wholesale)
    retail = department("Retail", parent=sales)
    manager = role("Manager", {VIEW: OWN, EDIT: OWN})
    people = {
        "anna": UserFactory(username="anna", department=wholesale),
        "nina": UserFactory(username="nina", department=north),
        "boris": UserFactory(username="boris", department=retail),
        "head": UserFactory(username="head", department=wholesale),
        "director": UserFactory(username="director", department=sales),
        "nobody": UserFactory(username="nobody", department=wholesale),
    }
    for name in ("anna", "nina", "boris"):
        people[name].roles.add(manager)
    people["head"].roles.add(role("Head", {VIEW: SUB, EDIT: SUB}))
    people["director"].roles.add(role("Director", {VIEW: ALL, EDIT: ALL}))
    deals = {
        name: DealFactory(title=f"{name}'s", responsible=people[name])
        for name in ("anna", "nina", "boris", "head")
    }
    return people, deals


def visible(user, action=VIEW) -> set[str]:
    return {
        deal.title for deal in restrict(Deal.objects.all(), user=user, entity=DEAL, action=action)
    }


def test_each_role_sees_its_scope(company):
    people, _ = company

    assert visible(people["anna"]) == {"anna's"}
    assert visible(people["boris"]) == {"boris's"}
    assert visible(people["head"]) == {"anna's", "nina's", "head's"}
    assert visible(people["director"]) == {"anna's", "nina's", "boris's", "head's"}
    assert visible(people["nobody"]) == set()


def test_own_department_stops_at_sub_departments(company):
    people, _ = company
    people["head"].roles.set([role("Department head", {VIEW: DEPT})])

    assert visible(people["head"]) == {"anna's", "head's"}


def test_the_widest_of_several_roles_wins(company):
    people, _ = company
    people["anna"].roles.add(role("Department reader", {VIEW: DEPT}))

    assert visible(people["anna"]) == {"anna's", "head's"}
    assert visible(people["anna"], EDIT) == {"anna's"}


def test_a_deal_open_to_all_is_visible_to_anybody_who_may_view_deals(company):
    people, deals = company
    Deal.objects.filter(pk=deals["boris"].pk).update(is_open_to_all=True)

    assert visible(people["anna"]) == {"anna's", "boris's"}
    assert visible(people["anna"], EDIT) == {"anna's"}
    assert visible(people["nobody"]) == set()


def test_a_pipeline_row_overrides_the_general_row_of_its_role(company):
    people, deals = company
    other = sales_pipeline("Wholesale orders")
    boris_there = DealFactory(title="boris's order", pipeline=other, responsible=people["boris"])
    manager = Role.objects.get(name="Manager")
    RolePermission.objects.create(role=manager, entity=DEAL, action=VIEW, scope=ALL, pipeline=other)

    assert visible(people["anna"]) == {"anna's", boris_there.title}
    grant = grant_for(people["anna"], DEAL, VIEW)
    assert (grant.general, grant.per_pipeline) == (OWN, {other.pk: ALL})


def test_a_stage_closed_by_every_role_hides_its_deals(company, pipeline):
    people, deals = company
    won = pipeline.stages.get(name="Won")
    Deal.objects.filter(pk=deals["head"].pk).update(stage=won)
    head_role = Role.objects.get(name="Head")
    RoleStageRule.objects.create(role=head_role, stage=won, can_view=False, can_move_into=False)

    assert visible(people["head"]) == {"anna's", "nina's"}
    assert not can_move_into(people["head"], won.pk)
    # a second role that leaves the stage open opens it again
    people["head"].roles.add(role("Auditor", {VIEW: OWN}))
    assert visible(people["head"]) == {"anna's", "nina's", "head's"}
    assert can_move_into(people["head"], won.pk)


def test_superusers_bypass_and_inactive_users_see_nothing(company):
    people, _ = company
    root = UserFactory(username="root", is_superuser=True)
    people["director"].is_active = False

    assert visible(root) == {"anna's", "nina's", "boris's", "head's"}
    assert visible(people["director"]) == set()


def test_a_changed_role_applies_from_the_next_request(company):
    people, _ = company
    assert visible(people["anna"]) == {"anna's"}

    RolePermission.objects.filter(role__name="Manager", action=VIEW).update(scope=ALL)

    # a request (or task) loads its user afresh; the grants are kept only on that object
    assert visible(people["anna"]) == {"anna's"}
    anna = type(people["anna"]).objects.get(pk=people["anna"].pk)
    assert visible(anna) == {"anna's", "nina's", "boris's", "head's"}


def test_can_answers_for_one_object(company):
    people, deals = company

    assert can(people["head"], EDIT, deals["nina"])
    assert not can(people["anna"], EDIT, deals["nina"])


@pytest.mark.parametrize(
    ("user", "responsible", "expected"),
    [("anna", "anna", True), ("anna", "nina", False), ("head", "nina", True),
     ("head", "boris", False), ("director", "boris", True), ("nobody", "nobody", False)],
)  # fmt: skip
def test_can_assign_follows_the_scope_of_the_action(company, user, responsible, expected):
    people, _ = company

    allowed = can_assign(people[user], DEAL, responsible=people[responsible], action=EDIT)

    assert allowed is expected


def test_a_scoped_list_costs_the_same_queries_however_much_data(
    company, django_assert_max_num_queries
):
    people, _ = company
    for number in range(30):
        DealFactory(title=f"more {number}", responsible=people["nina"])
    for number in range(5):
        department(f"Branch {number}", parent=people["head"].department)

    with django_assert_max_num_queries(4):
        titles = [
            deal.title for deal in restrict(Deal.objects.all(), user=people["head"], entity=DEAL)
        ]

    assert len(titles) == 33


# shares


def test_a_shared_deal_is_visible_to_the_colleague_and_editable_only_when_said(company):
    people, deals = company
    anna, nina_deal = people["anna"], deals["nina"]

    object_share(obj=nina_deal, colleague=anna, actor=people["nina"])
    assert visible(anna) == {"anna's", "nina's"}
    assert visible(anna, EDIT) == {"anna's"}

    object_share(obj=nina_deal, colleague=anna, actor=people["nina"], can_edit=True)
    assert visible(anna, EDIT) == {"anna's", "nina's"}

    object_unshare(obj=nina_deal, colleague=anna, actor=people["nina"])
    assert visible(anna) == {"anna's"}
    assert visible(anna, EDIT) == {"anna's"}
    journal = TimelineEvent.objects.filter(
        entity_type="deal", entity_id=nina_deal.pk, kind="shared"
    )
    assert [event.payload.get("revoked", False) for event in journal.order_by("id")] == [
        False,
        False,
        True,
    ]


def test_a_share_reaches_a_user_without_any_role(company):
    people, deals = company

    object_share(obj=deals["boris"], colleague=people["nobody"], actor=people["boris"])

    assert visible(people["nobody"]) == {"boris's"}


def test_contacts_can_be_shared_and_products_cannot(company):
    people, _ = company
    contact = ContactFactory(responsible=people["boris"])
    Role.objects.get(name="Manager").permissions.create(
        entity=PermissionEntity.CONTACT, action=VIEW, scope=OWN
    )
    anna = people["anna"]

    object_share(obj=contact, colleague=anna, actor=people["boris"])

    seen = restrict(Contact.objects.all(), user=anna, entity=PermissionEntity.CONTACT)
    assert list(seen) == [contact]
    with pytest.raises(ApplicationError) as refused:
        object_share(obj=ProductFactory(), colleague=anna, actor=people["boris"])
    assert refused.value.code == "not_shareable"


def test_shares_do_not_add_queries_to_a_scoped_list(company, django_assert_max_num_queries):
    people, deals = company
    for name in ("nina", "boris", "head"):
        object_share(obj=deals[name], colleague=people["anna"], actor=people[name])

    with django_assert_max_num_queries(4):
        titles = {
            deal.title for deal in restrict(Deal.objects.all(), user=people["anna"], entity=DEAL)
        }

    assert titles == {"anna's", "nina's", "boris's", "head's"}
