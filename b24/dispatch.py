"""Running one method: found by its lower-case name, allowed by the webhook's scopes, run in
one transaction, its refusals turned into Bitrix24's errors."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from .errors import B24Error, b24_error_of
from .registry import METHODS, Call


def method_call(*, user: AbstractBaseUser, scopes: frozenset[str], name: str, params: dict):
    method = METHODS.get(name.lower())
    if method is None:
        raise B24Error(f"Method '{name}' not found", code="ERROR_METHOD_NOT_FOUND", status=404)
    if method.scope is not None and method.scope not in scopes:
        raise B24Error(
            "The request requires higher privileges than provided by the webhook token",
            code="insufficient_scope",
            status=403,
        )
    try:
        with transaction.atomic():
            return method.handler(Call(user=user, scopes=scopes, params=params))
    except Exception as error:
        answer = b24_error_of(error)
        if answer is None:
            raise
        raise answer from error
