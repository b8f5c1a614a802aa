"""One JSON shape for every error the API answers:

    {"error": {"code": "invalid", "message": "…", "fields": {"rows.0.price": ["…"]}}}

Validation errors (DRF's and Django's) are 400 with the path of each field, like values the
database refuses; business rules
(ApplicationError) 409 with the rule's code; missing or wrong credentials 401; permission 403;
not found 404; throttled 429. Anything else is a bug and stays a 500.
"""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
    schema,
)
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from core.errors import ApplicationError


def field_paths(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail flattened into {"a.0.b": ["message", …]}."""
    if isinstance(detail, dict):
        paths: dict[str, list[str]] = {}
        for name, inner in detail.items():
            key = "" if name in ("non_field_errors", "__all__") else str(name)
            paths |= field_paths(inner, f"{prefix}.{key}".strip(".") if key else prefix)
        return paths
    if isinstance(detail, list) and detail and not all(isinstance(i, str) for i in detail):
        paths = {}
        for index, inner in enumerate(detail):
            if inner:
                paths |= field_paths(inner, f"{prefix}.{index}".strip("."))
        return paths
    messages = [str(item) for item in (detail if isinstance(detail, list) else [detail])]
    return {prefix or "non_field_errors": messages}


def error_response(code: str, message: str, http_status: int, fields=None, headers=None):
    body = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return Response(body, status=http_status, headers=headers)


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError | DataError):
        # answered here, not by DRF's handler: roll the request's atomic block back as it does
        # (with ATOMIC_REQUESTS an aborted transaction must not be committed)
        set_rollback()
    if isinstance(exc, ApplicationError):
        return error_response(exc.code, exc.message, status.HTTP_409_CONFLICT)
    if isinstance(exc, DataError):
        # a value the serializers let through but the database cannot hold (a date with a
        # time-zone offset PostgreSQL refuses, a number too large): bad input, not a bug
        return error_response("invalid", _("A value is out of the range the database holds."),
                              status.HTTP_400_BAD_REQUEST)  # fmt: skip
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    if isinstance(exc, ObjectDoesNotExist | Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    headers = {name: value for name, value in response.items() if name != "Content-Type"}
    if isinstance(exc, exceptions.ValidationError):
        return error_response("invalid", _("Some fields are not valid."), response.status_code,
                              fields=field_paths(exc.detail), headers=headers)  # fmt: skip
    code = exc.get_codes() if isinstance(exc.get_codes(), str) else "error"
    return error_response(code, str(exc.detail), response.status_code, headers=headers)


@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([AllowAny])
@schema(None)
def not_found(request, *args, **kwargs):
    """The answer to a path under /api/v1/ that names no resource."""
    return error_response("not_found", _("There is no such resource."), status.HTTP_404_NOT_FOUND)
