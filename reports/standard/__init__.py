"""The standard reports: importing this package registers every one of them."""

from . import deals  # noqa: F401 (registration)
