"""Errors as Bitrix24 answers them: `{"error": CODE, "error_description": text}` with its HTTP
status. CRM refusals carry an empty code and status 400, as Bitrix24's own do."""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404

from core.errors import ApplicationError

from .params import ParamsError


class B24Error(Exception):
    def __init__(self, description: str, *, code: str = "", status: int = 400):
        super().__init__(description)
        self.description, self.code, self.status = description, code, status


def not_found() -> B24Error:
    return B24Error("Not found")


def b24_error_of(error: Exception) -> B24Error | None:
    """The Bitrix24 answer for an exception our services and selectors raise; None for one
    they do not (a bug: the view answers 500)."""
    if isinstance(error, B24Error):
        return error
    if isinstance(error, Http404 | ObjectDoesNotExist):
        return not_found()
    if isinstance(error, PermissionDenied):
        return B24Error("Access denied.")
    if isinstance(error, ValidationError):
        return B24Error(" ".join(_messages(error)))
    if isinstance(error, ApplicationError | ParamsError):
        return B24Error(str(error))
    return None


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [f"{field}: {message}" if field != "__all__" else message
                for field, messages in error.message_dict.items() for message in messages]  # fmt: skip
    return list(error.messages)
