"""`python -m bench NAME --size N [--seed S]`: run one benchmark against the configured database.

The database is the one the settings name (DATABASE_URL; SQLite under var/ when it is unset).
Progress goes to stderr; the figures come last on stdout, one JSON object per line.
"""

import argparse
import importlib
import os

# name -> the module that runs it. Each module has `run(*, size: int, seed: int) -> None`.
# Only the names listed here can be run; the module is imported after django.setup().
BENCHMARKS = {
    "access": "bench.access",
    "automation": "bench.automation",
    "b24": "bench.b24",
    "commerceml": "bench.commerceml",
    "import": "bench.imports",
    "api": "bench.api",
    "kanban": "bench.kanban",
    "reports": "bench.reports",
    "seed": "bench.seed",
}


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Run a CRM benchmark against the configured database."
    )
    parser.add_argument("name", metavar="NAME", help=f"one of: {', '.join(sorted(BENCHMARKS))}")
    parser.add_argument(
        "--size", type=int, default=10_000, help="number of deals to work with (default 10000)"
    )
    parser.add_argument(
        "--seed", type=int, default=42, help="random seed of the generated data (default 42)"
    )
    arguments = parser.parse_args(argv)
    if arguments.name not in BENCHMARKS:
        parser.error(
            f"unknown benchmark {arguments.name!r}; available: {', '.join(sorted(BENCHMARKS))}"
        )
    if arguments.size < 1:
        parser.error("--size must be at least 1")
    return arguments


def main(argv: list[str] | None = None) -> None:
    arguments = parse_arguments(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_project.settings.development")
    import django

    django.setup()
    benchmark = importlib.import_module(BENCHMARKS[arguments.name])
    benchmark.run(size=arguments.size, seed=arguments.seed)


if __name__ == "__main__":
    main()
