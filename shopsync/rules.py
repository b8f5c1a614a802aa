"""What the shop's rules of either kind (pipeline rules, assignment rules) share: the check of
their amount ranges and their replacement, in the order given, from the settings page."""

from collections.abc import Callable, Sequence

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

RULE_SORT_STEP = 10  # the rules' sort: 10, 20, … in the order given


def amount_range_errors(rows: Sequence) -> list[ValidationError]:
    """One error per row whose amount range is the wrong way round; `params` name the row
    (`index`, in the order given) and its field, as the settings page places them."""
    return [
        ValidationError(
            _("The amount to is less than the amount from."), code="amount_range_reversed",
            params={"index": index, "field": "amount_max"},
        )  # fmt: skip
        for index, row in enumerate(rows)
        if row.amount_min is not None and row.amount_max is not None
        and row.amount_min > row.amount_max
    ]  # fmt: skip


@transaction.atomic
def shop_rules_replace(
    rules_of_shop: models.Manager, rows: Sequence, *, error_key: str,
    build: Callable[[object, int], models.Model],
) -> list:  # fmt: skip
    """Replace a shop's rules of one kind (`rules_of_shop`, e.g. shop.routes) by `rows`, in
    order: `build(row, sort)` makes each, sorted 10, 20, ….

    Raises ValidationError {error_key: [...]}, one error per row at fault (as
    amount_range_errors says), and then changes nothing."""
    rows = list(rows)
    if errors := amount_range_errors(rows):
        raise ValidationError({error_key: errors})
    rules_of_shop.all().delete()
    return rules_of_shop.model.objects.bulk_create(
        build(row, (index + 1) * RULE_SORT_STEP) for index, row in enumerate(rows)
    )
