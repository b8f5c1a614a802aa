"""The standard reports: importing this package registers every one of them."""

from . import (
    deals,  # noqa: F401 (registration)
    leads_and_activity,  # noqa: F401 (registration)
)
