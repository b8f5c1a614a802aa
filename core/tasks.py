"""Celery conventions shared by every app's tasks.py."""

from collections.abc import Callable

from celery import Task, shared_task

from core.api.idempotency import idempotency_records_purge


class RetryableError(Exception):
    """A passing failure (network, remote 5xx, a held lock): the task is retried with backoff."""


def crm_task(function: Callable) -> Task:
    """`shared_task` with the project's defaults: retried on RetryableError with exponential
    backoff and jitter, five times at most. Acknowledged late (settings), so a task whose
    worker dies is delivered again: tasks must be idempotent.
    """
    return shared_task(
        function,
        autoretry_for=(RetryableError,),
        retry_backoff=True,
        retry_backoff_max=600,
        retry_jitter=True,
        max_retries=5,
    )


@crm_task
def idempotency_records_purge_task() -> int:
    return idempotency_records_purge()
