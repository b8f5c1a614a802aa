"""Celery tasks of CSV imports: thin wrappers over imports.services."""

from core.tasks import crm_task

from .services import import_run


@crm_task
def import_run_task(import_id: int) -> None:
    """Run the import (idempotent: a finished import is left alone, an interrupted one resumes
    after its last committed chunk)."""
    import_run(import_id=import_id)
