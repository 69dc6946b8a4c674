"""Celery tasks of the order app (idempotent)."""

from celery import shared_task

from . import fulfilment


@shared_task(acks_late=True, reject_on_worker_lost=True)
def complete_shipped_orders() -> int:
    """Celery beat, hourly: shipped orders past AUTO_COMPLETE_DAYS become 已完成."""
    return fulfilment.complete_shipped_orders()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def record_order_analytics(order_id: int) -> None:
    """Oscar's product and customer purchase counters for a placed order (see receivers)."""
    from oscar.apps.analytics import receivers as oscar_analytics
    from oscar.core.loading import get_model

    order = get_model("order", "Order").objects.select_related("user").filter(pk=order_id).first()
    if order is not None:
        oscar_analytics.receive_order_placed(None, order=order, user=order.user)
