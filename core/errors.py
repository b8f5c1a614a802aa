from django.core.exceptions import ValidationError


class ApplicationError(Exception):
    """A business rule refused the operation. `message` is shown to the user as it is.

    Field-level problems raise django.core.exceptions.ValidationError instead.
    """

    def __init__(self, message: str, *, code: str = "refused", extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}


def error_text(error: Exception) -> str:
    """What to show a user for a refused operation: an ApplicationError's message, a
    ValidationError's messages, or the text of a PermissionDenied."""
    if isinstance(error, ApplicationError):
        return error.message
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)
