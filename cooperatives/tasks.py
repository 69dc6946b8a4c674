"""Celery tasks: thin wrappers (idempotent, safe to retry)."""

from celery import shared_task

from . import imports


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_household_import(import_id: int) -> str:
    """Run a queued household import; idempotent (a finished import is left as it is)."""
    return imports.run_household_import(import_id)
