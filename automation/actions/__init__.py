"""The robot actions: importing this package registers every one of them."""

from . import activities, item_changes, messages, people, wait, webhook  # noqa: F401 (registration)
from .base import ACTIONS, Action, ActionForm, ActionRefused, RunContext, WaitAgain, register

__all__ = [
    "ACTIONS", "Action", "ActionForm", "ActionRefused", "RunContext", "WaitAgain", "register",
]  # fmt: skip
