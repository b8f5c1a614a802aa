"""How benchmarks speak: progress on stderr while they run, figures on stdout at the end.

Each figure is one JSON object on its own line, so a script can collect the figures with
`python -m bench NAME --size N 2>/dev/null | jq`.
"""

import json
import sys


def log(message: str) -> None:
    """A progress or log line on stderr (never mixed into the figures)."""
    print(message, file=sys.stderr, flush=True)


def report(*, bench: str, metric: str, value: float, unit: str, size: int) -> None:
    """Print one figure: `{"bench": ..., "metric": ..., "value": ..., "unit": ..., "size": ...}`."""
    figure = {"bench": bench, "metric": metric, "value": value, "unit": unit, "size": size}
    print(json.dumps(figure), flush=True)
