"""Celery conventions shared by every app's tasks.py."""

from collections.abc import Callable
from functools import partial

from celery import Task, shared_task
from django.db import transaction


class RetryableError(Exception):
    """A passing failure (network, remote 5xx, a held lock): the task is retried with backoff."""


def crm_task(function: Callable | None = None, **options) -> Task:
    """`shared_task` with the project's defaults: retried on RetryableError with exponential
    backoff and jitter, five times at most. Acknowledged late (settings), so a task whose
    worker dies is delivered again: tasks must be idempotent.
    """
    defaults = {
        "autoretry_for": (RetryableError,),
        "retry_backoff": True,
        "retry_backoff_max": 600,
        "retry_jitter": True,
        "max_retries": 5,
    }
    defaults.update(options)
    if function is None:
        return partial(crm_task, **defaults)
    return shared_task(function, **defaults)


def enqueue_on_commit(task: Task, *args, **kwargs) -> None:
    """Send `task` once the current transaction commits, so the worker sees committed rows."""
    transaction.on_commit(partial(task.delay, *args, **kwargs))
