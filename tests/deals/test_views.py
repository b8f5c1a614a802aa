"""The deal kanban and list as pages: figures, paging, query counts, refusals."""

import datetime
import html
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from accounts.models import RoleStageRule
from activities.models import Activity
from activities.services import activity_create
from deals.models import Deal, DealContact
from tests.factories import CompanyFactory, ContactFactory, DealFactory, user_with_role


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def test_columns_count_and_sum_in_the_base_currency(client, pipeline, money):
    manager = user_with_role("ivanov")
    first = pipeline.stages.order_by("sort").first()
    DealFactory(responsible=manager, amount=Decimal("1000.00"))
    DealFactory(responsible=manager, amount=Decimal("10.00"), currency=money["USD"])  # 900 RUB
    client.force_login(manager)

    response = client.get(reverse("deals:board"))

    column = next(c for c in response.context["columns"] if c.group == first)
    assert (column.count, column.total) == (2, Decimal("1900.00"))
    assert "1,900.00" in page_text(response)


def test_a_card_shows_its_client_and_its_next_or_overdue_activity(client, pipeline):
    manager = user_with_role("ivanov")
    with_company = DealFactory(responsible=manager, company=CompanyFactory(title="Eco Shop"))
    with_contact = DealFactory(responsible=manager)
    DealContact.objects.create(deal=with_contact, contact=ContactFactory(last_name="Petrova"),
                               is_primary=True)  # fmt: skip
    past = timezone.now() - datetime.timedelta(days=1)
    activity_create(kind=Activity.Kind.CALL, subject="Call back", actor=manager,
                    bound_to=[with_company], deadline=past)  # fmt: skip
    client.force_login(manager)

    text = page_text(client.get(reverse("deals:board")))

    assert "Eco Shop" in text and "Petrova" in text
    assert "Overdue" in text


def test_a_column_loads_older_cards_after_the_last_one_shown(client, pipeline):
    manager = user_with_role("ivanov")
    first = pipeline.stages.order_by("sort").first()
    start = timezone.now() - datetime.timedelta(days=30)
    deals = [DealFactory(responsible=manager, title=f"Order {n:02}") for n in range(25)]
    for n, deal in enumerate(deals):  # Order 24 is the newest
        Deal.objects.filter(pk=deal.pk).update(created_at=start + datetime.timedelta(hours=n))
    client.force_login(manager)

    board = client.get(reverse("deals:board"))
    shown = [card.title for card in board.context["columns"][0].cards]
    last = board.context["columns"][0].cards[-1]
    after = f"{last.created_at.isoformat()}_{last.pk}"
    more = client.get(reverse("deals:board-column", args=[first.pk]), {"after": after})

    assert shown == [f"Order {n:02}" for n in range(24, 4, -1)]
    assert [card.title for card in more.context["cards"]] == [
        f"Order {n:02}" for n in range(4, -1, -1)
    ]
    assert more.context["has_more"] is False


def test_the_board_and_the_list_cost_the_same_queries_for_5_and_50_deals(
    client, pipeline, django_assert_max_num_queries
):
    manager = user_with_role("ivanov")
    client.force_login(manager)

    def queries_for(total: int, url: str) -> int:
        while Deal.objects.count() < total:
            deal = DealFactory(responsible=manager, company=CompanyFactory())
            DealContact.objects.create(deal=deal, contact=ContactFactory(), is_primary=True)
            activity_create(kind=Activity.Kind.TASK, subject="Send the offer", actor=manager,
                            bound_to=[deal], deadline=timezone.now())  # fmt: skip
        client.get(url)  # caches warmed (content types) as in a running server
        with django_assert_max_num_queries(30) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    for url in (reverse("deals:board"), reverse("deals:list")):
        Deal.objects.all().delete()
        assert queries_for(5, url) == queries_for(50, url), url


def test_a_mass_move_reports_the_deals_a_stage_rule_refuses(client, pipeline):
    manager = user_with_role("ivanov")
    won = pipeline.stages.get(semantics="won")
    RoleStageRule.objects.create(role=manager.roles.get(), stage=won, can_move_into=False)
    deals = [DealFactory(responsible=manager, title=f"Order {n}") for n in range(2)]
    client.force_login(manager)

    response = client.post(
        reverse("deals:mass-action"),
        {"action": "stage", "stage": won.pk, "ids": [deal.pk for deal in deals]},
        follow=True,
    )

    assert "does not let you move deals into" in page_text(response)
    assert Deal.objects.filter(stage=won).count() == 0


def test_quick_add_shows_what_is_missing_under_the_column(client, pipeline):
    manager = user_with_role("ivanov")
    first = pipeline.stages.order_by("sort").first()
    client.force_login(manager)

    response = client.post(reverse("deals:create"), {"stage": first.pk, "title": ""},
                           headers={"HX-Request": "true"})  # fmt: skip

    assert response["HX-Retarget"] == f"#quick-add-errors-{first.pk}"
    assert "required" in page_text(response)
    assert not Deal.objects.exists()


def test_the_card_offers_only_what_the_role_allows(client, pipeline):
    from accounts.models import PermissionAction, RolePermission

    manager = user_with_role("ivanov")
    deal = DealFactory(responsible=manager, title="Paint")
    RolePermission.objects.filter(role__users=manager, entity="deal",
                                  action__in=[PermissionAction.EDIT, PermissionAction.DELETE]
                                  ).update(scope="none")  # fmt: skip
    client.force_login(manager)

    text = page_text(client.get(deal.get_absolute_url()))
    refused = client.get(reverse("deals:delete", args=[deal.pk]))

    assert reverse("deals:delete", args=[deal.pk]) not in text
    assert "hx-get" not in text.split('data-testid="field-title"')[1].split("</div>")[0]
    assert " disabled" in text.split('data-testid="stage-bar"')[1].split("</form>")[0]
    assert refused.status_code == 403 and "does not let you delete" in page_text(refused)


def test_the_card_and_the_create_page_offer_only_companies_the_user_may_see(client, pipeline):
    from tests.factories import sales_staff

    users = sales_staff()
    manager, other = users["responsible"], users["other"]
    CompanyFactory(title="Visible Co", responsible=manager)
    hidden = CompanyFactory(title="Hidden Co", responsible=other)
    deal = DealFactory(responsible=manager)
    client.force_login(manager)
    url = reverse("deals:update", args=[deal.pk])

    editor = page_text(client.get(url, {"field": "company", "edit": "1"}))
    create = page_text(client.get(reverse("deals:create")))
    client.post(f"{url}?field=company", {"company": hidden.pk})

    assert "Visible Co" in editor and "Hidden Co" not in editor
    assert "Visible Co" in create and "Hidden Co" not in create
    deal.refresh_from_db()
    assert deal.company_id is None


def test_quick_add_into_a_stage_closed_by_a_rule_is_refused(client, pipeline):
    manager = user_with_role("ivanov")
    won = pipeline.stages.get(semantics="won")
    RoleStageRule.objects.create(role=manager.roles.get(), stage=won, can_move_into=False)
    client.force_login(manager)

    response = client.post(reverse("deals:create"), {"stage": won.pk, "title": "Won at once"},
                           headers={"HX-Request": "true"})  # fmt: skip

    assert "does not let you move deals into" in page_text(response)
    assert not Deal.objects.exists()


def test_a_move_to_a_stage_that_is_not_a_number_is_a_404(client, pipeline):
    manager = user_with_role("ivanov")
    deal = DealFactory(responsible=manager)
    client.force_login(manager)

    response = client.post(reverse("deals:move-to-stage", args=[deal.pk]), {"stage": "abc"},
                           headers={"Accept": "application/json"})  # fmt: skip

    assert response.status_code == 404
