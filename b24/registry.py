"""The methods of the Bitrix24-compatible surface: each a function registered under its
lower-case name (clients send `crm.deal.Add`) with the scope a webhook needs to call it."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser

from .params import param


@dataclass
class Call:
    """One method call: who makes it (the webhook's user), through which webhook, with what."""

    user: AbstractBaseUser
    scopes: frozenset[str]
    params: dict

    def param(self, name: str, default=None):
        return param(self.params, name, default)


@dataclass(frozen=True)
class Page:
    """A list method's answer: the rows, the count of all matches, and the next `start`
    (None when no row follows)."""

    rows: list
    total: int
    next: int | None = None


@dataclass(frozen=True)
class Method:
    scope: str | None
    handler: Callable[[Call], Any] = field(compare=False)


METHODS: dict[str, Method] = {}


def b24_method(*names: str, scope: str | None):
    """Register the decorated function as the method(s) `names`; `scope` None: any webhook."""

    def register(handler: Callable[[Call], Any]):
        for name in names:
            METHODS[name.lower()] = Method(scope, handler)
        return handler

    return register
