"""`manage.py seed_demo [--if-empty]`: fill the database with a demo of a wholesale eco-goods
supplier (staff, pipelines, catalog, clients, deals, leads and activities)."""

import time

from django.core.management.base import BaseCommand, CommandError

from deals.models import Deal
from demo import builder, data


class Command(BaseCommand):
    help = (
        "Load demo data: staff, two pipelines, a catalog, companies and contacts, about 300 "
        "deals, leads and activities. All demo users have the password 'demo'."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (and succeed) when the database already has deals or demo users.",
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")

    def handle(self, *args, if_empty: bool, seed: int, **options):
        if if_empty and Deal.objects.exists():
            self.stdout.write("The database already has deals: demo data not loaded.")
            return
        conflicts = builder.demo_conflicts()
        if conflicts and if_empty:
            self.stdout.write(f"Demo data not loaded: {'; '.join(conflicts)}.")
            return
        if conflicts:
            raise CommandError(
                f"Demo data looks loaded already ({'; '.join(conflicts)}). "
                "Use an empty database, or --if-empty to skip quietly."
            )
        started = time.monotonic()
        builder.build_demo(seed=seed)
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded in {elapsed:.1f} s."))
        self._write_counts()
        self._write_logins()

    def _write_counts(self) -> None:
        counts = builder.summary_counts()
        width = max(len(label) for label, _count in counts)
        self.stdout.write("\nWhat the database holds now:")
        for label, count in counts:
            self.stdout.write(f"  {label:<{width}}  {count:>6}")

    def _write_logins(self) -> None:
        rows = [
            (spec["username"], f"{spec['last_name']} {spec['first_name']}", spec["position"])
            for spec in data.USERS
        ]
        headers = ("Login", "Name", "Position")
        widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(3)]
        self.stdout.write(f"\nDemo logins (password for all: {data.DEMO_PASSWORD}):")
        for row in [headers, tuple("-" * width for width in widths), *rows]:
            self.stdout.write(
                "  " + "  ".join(f"{cell:<{w}}" for cell, w in zip(row, widths, strict=True))
            )
        self.stdout.write(
            "The password is for a local demo only: change it before the database is exposed."
        )
