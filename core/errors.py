class ApplicationError(Exception):
    """A business rule refused the operation. `message` is shown to the user as it is.

    Field-level problems raise django.core.exceptions.ValidationError instead.
    """

    def __init__(self, message: str, *, code: str = "refused", extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}
