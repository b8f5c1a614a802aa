"""The kanban in a real browser: drag a card, see it persisted; a refused drag snaps back."""

import re

from playwright.sync_api import expect

from accounts.models import RoleStageRule
from activities.models import TimelineEvent
from deals.models import Deal
from tests.factories import DealFactory, user_with_role


def test_a_manager_logs_in_and_sees_the_board(log_in, pipeline):
    manager = user_with_role("ivanov")
    DealFactory(title="Paint for the school", responsible=manager, amount=1500)

    page = log_in(manager)
    page.goto("/deals/")

    expect(page.get_by_text("Paint for the school")).to_be_visible()
    first = pipeline.stages.order_by("sort").first()
    expect(page.get_by_test_id(f"count-{first.pk}")).to_have_text("1")


def drag(page, deal: Deal, stage) -> None:
    card = page.get_by_test_id(f"card-{deal.pk}")
    target = page.locator(f'.cards[data-column="{stage.pk}"]')
    card.drag_to(target)


def test_dragging_a_card_moves_the_deal_and_writes_the_timeline(log_in, pipeline):
    manager = user_with_role("ivanov")
    deal = DealFactory(title="Paint for the school", responsible=manager)
    negotiation = pipeline.stages.order_by("sort")[1]
    page = log_in(manager)
    page.goto("/deals/")

    drag(page, deal, negotiation)

    expect(page.get_by_test_id(f"count-{negotiation.pk}")).to_have_text("1")
    deal.refresh_from_db()
    assert deal.stage == negotiation
    assert TimelineEvent.objects.filter(
        entity_type="deal", entity_id=deal.pk, kind=TimelineEvent.Kind.STAGE_MOVED
    ).exists()
    page.reload()  # persisted: the card is in the new column after a reload
    expect(page.get_by_test_id(f"column-{negotiation.pk}").get_by_text(deal.title)).to_be_visible()
    page.goto(deal.get_absolute_url())
    expect(page.get_by_test_id("timeline")).to_contain_text("Stage changed")


def test_a_refused_drag_snaps_back_with_the_reason(log_in, pipeline):
    manager = user_with_role("ivanov")
    won = pipeline.stages.get(semantics="won")
    RoleStageRule.objects.create(role=manager.roles.get(), stage=won, can_move_into=False)
    deal = DealFactory(title="Paint for the school", responsible=manager)
    first = deal.stage
    page = log_in(manager)
    page.goto("/deals/")

    drag(page, deal, won)

    expect(page.get_by_role("alert")).to_contain_text("does not let you move deals into")
    expect(page.get_by_test_id(f"column-{first.pk}").get_by_text(deal.title)).to_be_visible()
    expect(page.get_by_test_id(f"count-{won.pk}")).to_have_text("0")
    deal.refresh_from_db()
    assert deal.stage == first


def test_quick_add_puts_a_new_card_in_the_column(log_in, pipeline):
    manager = user_with_role("ivanov")
    first = pipeline.stages.order_by("sort").first()
    page = log_in(manager)
    page.goto("/deals/")

    column = page.get_by_test_id(f"column-{first.pk}")
    column.get_by_placeholder("Quick deal: title").fill("Shelves for the shop")
    column.get_by_placeholder("Amount").fill("2500")
    column.get_by_role("button", name="+").click()

    expect(column.locator(".card").filter(has_text="Shelves for the shop")).to_contain_text(
        re.compile(r"2,500")
    )
    assert Deal.objects.get(title="Shelves for the shop").responsible == manager


def test_switching_to_russian_translates_the_board(log_in, pipeline):
    page = log_in(user_with_role("ivanov"))
    page.goto("/deals/")

    page.select_option("#language-select", "ru")

    expect(page.get_by_role("heading", name="Сделки")).to_be_visible()
    expect(page.get_by_role("link", name="Канбан")).to_be_visible()


def test_a_column_loads_more_cards_as_it_scrolls(log_in, pipeline):
    import datetime

    from django.utils import timezone

    manager = user_with_role("ivanov")
    first = pipeline.stages.order_by("sort").first()
    start = timezone.now() - datetime.timedelta(days=30)
    for n in range(25):
        deal = DealFactory(title=f"Order {n:02}", responsible=manager)
        Deal.objects.filter(pk=deal.pk).update(created_at=start + datetime.timedelta(hours=n))
    page = log_in(manager)
    page.goto("/deals/")
    column = page.get_by_test_id(f"column-{first.pk}")
    expect(column.locator(".card")).to_have_count(20)

    column.get_by_text("Order 05").scroll_into_view_if_needed()
    column.locator(".cards").evaluate("list => list.scrollTo(0, list.scrollHeight)")

    expect(column.locator(".card")).to_have_count(25)
    expect(column.get_by_text("Order 00")).to_be_attached()
