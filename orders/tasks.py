"""Celery tasks of the order app (idempotent)."""

import logging

from celery import shared_task
from oscar.apps.analytics import receivers as oscar_analytics
from oscar.core.loading import get_model

from . import fulfilment
from .payments.tasks import MONEY_TASK, send_email_for

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def complete_shipped_orders() -> int:
    """Celery beat, hourly: shipped orders past AUTO_COMPLETE_DAYS become 已完成."""
    return fulfilment.complete_shipped_orders()


@shared_task(bind=True, **MONEY_TASK)
def after_order_placed(self, order_id: int, confirmation: bool = False) -> None:
    """Everything a placed order needs after its commit, in one task (one message, one trip
    through the worker, for each of a flash sale's orders): Oscar's purchase counters, then the
    buyer's "order placed" email when the placement asked for it
    (``orders.utils.with_confirmation``), both from the order loaded once with its lines.

    The counters are recorded on the first attempt only (a failure there is logged: counting
    again could count the order twice), so a mail server that is down delays the email's retries
    and never the counters; the email is sent once per order, so a retry does not send it twice.
    """
    order = _placed_order(order_id)
    if order is None:
        return
    if not self.request.retries:
        try:
            oscar_analytics.receive_order_placed(None, order=order, user=order.user)
        except Exception:
            logger.exception("Order %s: purchase counters not recorded", order_id)
    if confirmation:
        send_email_for(order, "ORDER_PLACED")


@shared_task(acks_late=True, reject_on_worker_lost=True)
def record_order_analytics(order_id: int) -> None:
    """Oscar's purchase counters alone (queued by earlier releases; ``after_order_placed`` now)."""
    order = _placed_order(order_id)
    if order is not None:
        oscar_analytics.receive_order_placed(None, order=order, user=order.user)


def _placed_order(order_id):
    """The order with its buyer and lines: Oscar's counters and the email read them (Oscar's
    ``num_lines`` and ``num_items`` then count the loaded lines instead of querying)."""
    Order = get_model("order", "Order")
    return (
        Order.objects.select_related("user").prefetch_related("lines").filter(pk=order_id).first()
    )
