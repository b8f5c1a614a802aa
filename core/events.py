"""The in-process domain event bus.

Services publish frozen dataclasses (ids and primitives only) with `publish_on_commit`; the
handlers subscribed to that event class run after the surrounding transaction commits, and
never if it rolls back. Handlers usually just enqueue a Celery task. A handler subscribed
with `subscribe_in_transaction` runs instead at once, inside the transaction.

A service that makes many items at once publishes their events with `publish_many_on_commit`:
a handler with a batch form (`batch_form_of`) then takes them all in one call, in a fixed
number of queries instead of some per event.
"""

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import ClassVar

from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DomainEvent:
    key: ClassVar[str]


Handler = Callable[[DomainEvent], None]
BatchHandler = Callable[[list[DomainEvent]], None]
_handlers: dict[type[DomainEvent], list[Handler]] = defaultdict(list)
_in_transaction_handlers: dict[type[DomainEvent], list[Handler]] = defaultdict(list)
_batch_forms: dict[Handler, BatchHandler] = {}


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
        _on_commit(handler, event)


def batch_form_of(handler: Handler) -> Callable[[BatchHandler], BatchHandler]:
    """Declare the decorated function the batch form of `handler`: given a list of events
    (in the order published), it does what `handler` does for each of them.
    publish_many_on_commit calls it instead of `handler`, once per publication."""

    def decorator(batch_handler: BatchHandler) -> BatchHandler:
        _batch_forms[handler] = batch_handler
        return batch_handler

    return decorator


def publish_many_on_commit(events: Sequence[DomainEvent]) -> None:
    """publish_on_commit for many events: each handler gets the events of the types it is
    subscribed to in the order published, in one call of its batch form if it has one (a
    single on-commit callback), else one by one as publish_on_commit delivers them."""
    for handler, handled in _events_by_handler(_in_transaction_handlers, events).items():
        if handler in _batch_forms:
            _batch_forms[handler](handled)
        else:
            for event in handled:
                handler(event)
    for handler, handled in _events_by_handler(_handlers, events).items():
        if handler in _batch_forms:
            _on_commit(_batch_forms[handler], handled)
        else:
            for event in handled:
                _on_commit(handler, event)


def _events_by_handler(
    registry: dict[type[DomainEvent], list[Handler]], events: Sequence[DomainEvent]
) -> dict[Handler, list[DomainEvent]]:
    handled: dict[Handler, list[DomainEvent]] = defaultdict(list)
    for event in events:
        for handler in registry[type(event)]:
            handled[handler].append(event)
    return handled


def _on_commit(handler: Callable, argument) -> None:
    delivery = partial(handler, argument)
    # Django names a failed robust callback by its __qualname__, which a partial lacks:
    # without it the logging itself raises and the remaining handlers never run.
    delivery.__qualname__ = getattr(handler, "__qualname__", repr(handler))
    transaction.on_commit(delivery, robust=True)
