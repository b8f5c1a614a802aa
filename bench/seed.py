"""Benchmark "seed": how fast bench.seeding fills the database.

Figures: deals_per_s (deals / wall seconds), seconds, and rows (rows inserted, all tables).
"""

import logging

from . import seeding
from .reporting import log, report

BENCH = "seed"


def run(*, size: int, seed: int) -> None:
    logging.getLogger("bench").setLevel(logging.INFO)
    log(f"seeding {size} deals (seed {seed})…")
    result = seeding.seed(size, seed=seed)
    for table, count in result.rows.items():
        log(f"  {table:<32} {count:>12,}")
    report(
        bench=BENCH,
        metric="deals_per_s",
        value=round(result.deals / result.seconds, 1),
        unit="deals/s",
        size=size,
    )
    report(bench=BENCH, metric="seconds", value=round(result.seconds, 2), unit="s", size=size)
    report(bench=BENCH, metric="rows", value=result.total_rows, unit="rows", size=size)
