"""Celery tasks for Stripe: idempotent, queued after commit, acknowledged only when done."""

from celery import shared_task

from orders.tasks import MONEY_TASK

from . import events, intents, transfers


@shared_task(**MONEY_TASK)
def process_webhook_event(event_pk: int) -> str:
    return events.process_event(event_pk)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def cancel_abandoned_orders() -> int:
    """Celery beat, every minute: orders unpaid past their time are cancelled, stock released;
    webhook events whose task was lost are queued again."""
    for event_pk in events.unprocessed_events().values_list("pk", flat=True)[:500]:
        process_webhook_event.delay(event_pk)
    return len(intents.cancel_abandoned_orders())


@shared_task(acks_late=True, reject_on_worker_lost=True)
def sweep_transfers() -> dict:
    """Celery beat, hourly: 对公转账 reminders before the due date, cancellations after it."""
    return transfers.sweep()
