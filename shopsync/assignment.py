"""Who gets a shop's new deal and who hears of it: the shop's assignment rules (by order
amount, product section, client type) first, else its own assignment (one manager, one
present today at random, or the shared pool); and the department the shop tells of new
orders."""

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import or_

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_noop

from accounts.models import User
from accounts.selectors import users_present_today
from activities.models import Notification
from activities.services import notification_send
from catalog.models import Section
from catalog.services import ProductRowInput
from core.urls import entity_url
from deals.models import Deal

from .models import Shop, ShopAssignmentRule
from .orders import IncomingOrder
from .rules import shop_rules_replace

Picker = Callable[[IncomingOrder, Sequence[ProductRowInput]], AbstractBaseUser | None]


def responsible_picker(shop: Shop) -> Picker:
    """A function giving the responsible of a new deal of the shop from its order and rows:
    the manager of the first assignment rule the order meets (a rule whose manager left is
    passed over), else the shop's own rule: its manager; one of its managers present today,
    at random; or nobody (the deal waits in the shared pool). The rules and who is present
    are read once, for all the deals the picker gives out."""
    rules = list(
        shop.assignment_rules.filter(responsible__is_active=True).select_related(
            "responsible", "section"
        )
    )
    below = _sections_below([rule.section for rule in rules if rule.section is not None])
    rules = [(rule, below[rule.section.path] if rule.section else None) for rule in rules]
    fallback = _shop_assignment(shop)

    def pick(order: IncomingOrder, rows: Sequence[ProductRowInput]) -> AbstractBaseUser | None:
        sections = {row.product.section_id for row in rows if row.product is not None}
        for rule, rule_sections in rules:
            if _rule_matches(rule, rule_sections, order, sections):
                return rule.responsible
        return fallback()

    return pick


def _sections_below(sections: list[Section]) -> dict[str, frozenset[int]]:
    """For each section's path, its ids and those of every section below it (a materialised
    path prefix), in one query."""
    if not sections:
        return {}
    paths = {section.path for section in sections}
    found = list(
        Section.objects.filter(
            reduce(or_, (Q(path__startswith=path) for path in paths))
        ).values_list("pk", "path")
    )
    return {path: frozenset(pk for pk, each in found if each.startswith(path)) for path in paths}


def _rule_matches(
    rule: ShopAssignmentRule, rule_sections: frozenset[int] | None, order: IncomingOrder,
    order_sections: set[int | None],
) -> bool:  # fmt: skip
    client_type = (
        ShopAssignmentRule.ClientType.COMPANY
        if order.customer.is_company
        else ShopAssignmentRule.ClientType.PERSON
    )
    return (
        rule.amount_matches(order.amount)
        and (rule_sections is None or not rule_sections.isdisjoint(order_sections))
        and (not rule.client_type or rule.client_type == client_type)
    )


def _shop_assignment(shop: Shop) -> Callable[[], AbstractBaseUser | None]:
    if shop.assignment == Shop.Assignment.FIXED:
        return lambda: shop.responsible
    if shop.assignment == Shop.Assignment.RANDOM:
        present = list(
            users_present_today(list(shop.managers.values_list("pk", flat=True))).values()
        )
        return lambda: secrets.choice(present) if present else None
    return lambda: None


def new_orders_notify(*, shop: Shop, deals: Sequence[Deal]) -> None:
    """Tell the shop's department (its active members) of the new orders' deals: one
    notification per deal with its link, or one for a whole batch of them."""
    if shop.notify_department_id is None or not deals:
        return
    recipients = User.objects.filter(department=shop.notify_department_id, is_active=True)
    for recipient in recipients:
        if len(deals) == 1:
            notification_send(
                recipient=recipient, kind=Notification.Kind.MESSAGE,
                title=gettext_noop("New order from %(shop)s: %(title)s"),
                params={"shop": shop.name, "title": deals[0].title}, url=entity_url(deals[0]),
            )  # fmt: skip
        else:
            notification_send(
                recipient=recipient, kind=Notification.Kind.MESSAGE,
                title=gettext_noop("%(count)s new orders from %(shop)s"),
                params={"shop": shop.name, "count": len(deals)},
                url=f"{reverse('deals:board')}?pipeline={deals[0].pipeline_id}",
            )  # fmt: skip


@dataclass(frozen=True)
class AssignmentRuleInput:
    """An assignment rule as given: its conditions (None or empty: any) and its manager."""

    responsible: AbstractBaseUser
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    section: Section | None = None
    client_type: str = ""


def shop_assignment_rules_replace(
    *, shop: Shop, rules: Sequence[AssignmentRuleInput]
) -> list[ShopAssignmentRule]:
    """Replace the shop's assignment rules by `rules`, in order (shop_rules_replace; its
    ValidationError under "assignment_rules")."""
    return shop_rules_replace(
        shop.assignment_rules, rules, error_key="assignment_rules",
        build=lambda rule, sort: ShopAssignmentRule(
            shop=shop, sort=sort, amount_min=rule.amount_min, amount_max=rule.amount_max,
            section=rule.section, client_type=rule.client_type, responsible=rule.responsible,
        ),
    )  # fmt: skip
