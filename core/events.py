"""The in-process domain event bus.

Services publish frozen dataclasses (ids and primitives only) with `publish_on_commit`; the
handlers subscribed to that event class run after the surrounding transaction commits, and
never if it rolls back. Handlers usually just enqueue a Celery task. A handler subscribed
with `subscribe_in_transaction` runs instead at once, inside the transaction.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import ClassVar

from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DomainEvent:
    key: ClassVar[str]


Handler = Callable[[DomainEvent], None]
_handlers: dict[type[DomainEvent], list[Handler]] = defaultdict(list)
_in_transaction_handlers: dict[type[DomainEvent], list[Handler]] = defaultdict(list)


def _subscriber(registry: dict[type[DomainEvent], list[Handler]]):
    def subscribe(event_type: type[DomainEvent]) -> Callable[[Handler], Handler]:
        def decorator(handler: Handler) -> Handler:
            if handler not in registry[event_type]:
                registry[event_type].append(handler)
            return handler

        return decorator

    return subscribe


subscribe = _subscriber(_handlers)
# For a handler whose writes must commit or roll back with the change that published the
# event (automation records the robot runs a stage entry owes in the move's transaction, so
# no entry is left without them). It runs when the event is published; its failure fails the
# change.
subscribe_in_transaction = _subscriber(_in_transaction_handlers)


def publish_on_commit(event: DomainEvent) -> None:
    """Run the event's in-transaction handlers now, and its other handlers once the current
    transaction commits (at once outside one).

    A failing on-commit handler is logged and does not stop the others: the data is already
    committed.
    """
    for handler in _in_transaction_handlers[type(event)]:
        handler(event)
    for handler in _handlers[type(event)]:
        delivery = partial(handler, event)
        # Django names a failed robust callback by its __qualname__, which a partial lacks:
        # without it the logging itself raises and the remaining handlers never run.
        delivery.__qualname__ = getattr(handler, "__qualname__", repr(handler))
        transaction.on_commit(delivery, robust=True)
