"""Every app's list and get selectors answer within the actor's scope."""

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import PermissionAction, Role, RolePermission
from contacts.selectors import company_get, company_list, contact_get, contact_list
from deals.selectors import deal_get, deal_list
from leads.selectors import lead_get, lead_list
from tests.factories import CompanyFactory, ContactFactory, DealFactory, LeadFactory, UserFactory

SELECTORS = {
    "deal": (
        DealFactory,
        deal_list,
        lambda actor, pk, **kw: deal_get(actor=actor, deal_id=pk, **kw),
    ),
    "lead": (
        LeadFactory,
        lead_list,
        lambda actor, pk, **kw: lead_get(actor=actor, lead_id=pk, **kw),
    ),
    "contact": (
        ContactFactory,
        contact_list,
        lambda actor, pk, **kw: contact_get(actor=actor, contact_id=pk, **kw),
    ),
    "company": (
        CompanyFactory,
        company_list,
        lambda actor, pk, **kw: company_get(actor=actor, company_id=pk, **kw),
    ),
}


@pytest.mark.parametrize("entity", SELECTORS)
def test_a_manager_lists_and_gets_own_items_only(
    pipeline, statuses, entity, django_assert_max_num_queries
):
    # given a manager who may view own items and edit none
    factory, list_selector, get_selector = SELECTORS[entity]
    role = Role.objects.create(name="Viewer")
    RolePermission.objects.create(
        role=role, entity=entity, action=PermissionAction.VIEW, scope="own"
    )
    manager, colleague = UserFactory(username="mine"), UserFactory(username="theirs")
    manager.roles.add(role)
    own, other = factory(responsible=manager), factory(responsible=colleague)

    # then
    with django_assert_max_num_queries(4):
        assert list(list_selector(actor=manager)) == [own]
    assert get_selector(manager, own.pk) == own
    with pytest.raises(type(own).DoesNotExist):
        get_selector(manager, other.pk)
    with pytest.raises(PermissionDenied):  # seen, so not hidden: refused
        get_selector(manager, own.pk, action=PermissionAction.EDIT)
    with pytest.raises(type(own).DoesNotExist):
        get_selector(manager, other.pk, action=PermissionAction.EDIT)


def test_activities_follow_their_responsible_and_products_open_whole(money, pipeline):
    from activities.selectors import activity_list
    from activities.services import activity_create
    from catalog.selectors import product_list
    from tests.factories import ProductFactory

    # given a manager who may view own activities and the catalog
    role = Role.objects.create(name="Manager")
    RolePermission.objects.create(role=role, entity="activity", action="view", scope="own")
    manager, colleague = UserFactory(username="mine"), UserFactory(username="theirs")
    manager.roles.add(role)
    deal = DealFactory(responsible=manager)
    mine = activity_create(kind="call", subject="Mine", actor=manager, bound_to=[deal])
    activity_create(kind="call", subject="Theirs", actor=colleague, bound_to=[deal])
    products = [ProductFactory(), ProductFactory()]

    # then own activities only, and no products until the role grants them
    assert list(activity_list(actor=manager)) == [mine]
    assert list(product_list(actor=manager)) == []
    RolePermission.objects.create(role=role, entity="product", action="view", scope="own")
    manager = type(manager).objects.get(pk=manager.pk)  # as the next request loads them
    assert set(product_list(actor=manager)) == set(products)
