"""Celery tasks: thin wrappers around the ledger services (idempotent, safe to retry)."""

from celery import shared_task
from oscar.core.loading import get_model

from . import ledger, services

Order = get_model("order", "Order")


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def post_order_benefits(order_id: int) -> int:
    """Post a paid order's household shares; returns how many entries were added (0 if done)."""
    order = Order.objects.get(pk=order_id)
    return len(ledger.post_sale_shares(order))


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_household_import(import_id: int) -> str:
    """Run a queued household import; idempotent (a finished import is left as it is)."""
    return services.run_household_import(import_id)
