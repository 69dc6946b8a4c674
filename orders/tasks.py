"""Celery tasks of the order app (idempotent)."""

from celery import shared_task

from . import fulfilment


@shared_task(acks_late=True, reject_on_worker_lost=True)
def complete_shipped_orders() -> int:
    """Celery beat, hourly: shipped orders past AUTO_COMPLETE_DAYS become 已完成."""
    return fulfilment.complete_shipped_orders()
