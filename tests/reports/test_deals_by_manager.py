"""Deal volume by manager, figures written out by hand (see tests/reports/conftest.py)."""

from decimal import Decimal

import pytest

from reports.definitions import REPORTS

EXPECTED = {
    "responsible": [
        ("Rostov Roman", 4, 1, 2, 1, Decimal("50.0"), Decimal("25.0"), Decimal("1900"))
    ],
    "other": [("Orlova Olga", 2, 1, 1, 0, Decimal("50.0"), Decimal("0.0"), Decimal("3000"))],
    "head": [
        ("Hedin Hugo", 1, 0, 0, 1, Decimal("0.0"), Decimal("100.0"), Decimal("0")),
        ("Rostov Roman", 4, 1, 2, 1, Decimal("50.0"), Decimal("25.0"), Decimal("1900")),
    ],
    "director": [
        ("Hedin Hugo", 1, 0, 0, 1, Decimal("0.0"), Decimal("100.0"), Decimal("0")),
        ("Orlova Olga", 2, 1, 1, 0, Decimal("50.0"), Decimal("0.0"), Decimal("3000")),
        ("Rostov Roman", 4, 1, 2, 1, Decimal("50.0"), Decimal("25.0"), Decimal("1900")),
    ],
}
KEYS = ("manager", "deals", "in_progress", "won", "lost", "won_share", "lost_share", "revenue")


@pytest.mark.parametrize("user", EXPECTED)
def test_deal_volume_by_manager_within_each_scope(world, user, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):  # the grants, the shares, the report itself
        result = REPORTS.get("deals_by_manager").run(actor=world.users[user], params={})

    assert [tuple(row[key] for key in KEYS) for row in result.rows] == EXPECTED[user]
    assert result.totals["deals"] == sum(row[1] for row in EXPECTED[user])


def test_the_filters_narrow_the_figures(world):
    report = REPORTS.get("deals_by_manager")
    director = world.users["director"]

    by_amount = report.run(
        actor=director, params={"amount_min": Decimal("900"), "amount_max": Decimal("2000")}
    )
    by_company = report.run(actor=director, params={"company": world.companies["Alpha"].pk})

    # R1 (1000), R4 (2000) by amount (R2 is 10 USD: the amount filter reads the deal's own)
    assert [(row["manager"], row["deals"]) for row in by_amount.rows] == [("Rostov Roman", 2)]
    assert [(row["manager"], row["deals"]) for row in by_company.rows] == [
        ("Hedin Hugo", 1), ("Rostov Roman", 2)]  # fmt: skip
