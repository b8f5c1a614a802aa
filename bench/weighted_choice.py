"""Drawing from a fixed weighted set, millions of times."""

import bisect
import itertools
import random
from collections.abc import Iterable
from typing import Generic, TypeVar

T = TypeVar("T")


class WeightedChoice(Generic[T]):
    """Picks one of `options` (option, weight pairs) with a probability proportional to its
    weight: `rng.choices(options, weights)[0]` with the weights summed once, not per call."""

    def __init__(self, options: Iterable[tuple[T, float]]):
        pairs = [(option, weight) for option, weight in options if weight > 0]
        if not pairs:
            raise ValueError("nothing to choose from: no option has a positive weight")
        self.options = [option for option, _ in pairs]
        self._cumulative = list(itertools.accumulate(weight for _, weight in pairs))
        self._total = self._cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        index = bisect.bisect(self._cumulative, rng.random() * self._total)
        return self.options[min(index, len(self.options) - 1)]
