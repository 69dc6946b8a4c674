"""Celery tasks of the order app: thin, idempotent wrappers, queued after commit by the
lifecycle (``orders.services``)."""

import logging

from celery import shared_task
from oscar.apps.analytics import receivers as oscar_analytics
from oscar.core.loading import get_model

from cooperatives import ledger

from . import services
from .emails import send_email_for

logger = logging.getLogger(__name__)

# Tasks about money and the buyer's emails: acknowledged only when done, retried with backoff.
MONEY_TASK = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (Exception,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 10,
}


@shared_task(acks_late=True, reject_on_worker_lost=True)
def complete_shipped_orders() -> int:
    """Celery beat, hourly: shipped orders past AUTO_COMPLETE_DAYS become 已完成."""
    return services.complete_shipped_orders()


@shared_task(bind=True, **MONEY_TASK)
def after_order_placed(self, order_id: int, confirmation: bool = False) -> None:
    """Everything a placed order needs after its commit, in one task (one message, one trip
    through the worker, for each of a flash sale's orders): Oscar's purchase counters, then the
    buyer's "order placed" email when the placement asked for it
    (``orders.services.with_confirmation``), both from the order loaded once with its lines.

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


# Named as before it moved here (from orders.payments.tasks), so that messages queued by the
# previous release still find it.
@shared_task(name="orders.payments.tasks.send_order_email", **MONEY_TASK)
def send_order_email(order_pk: int, code: str, extra: dict | None = None) -> bool:
    """Send one of the order emails (``orders.emails``)."""
    Order = get_model("order", "Order")
    return send_email_for(Order.objects.select_related("user").get(pk=order_pk), code, extra)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def record_order_analytics(order_id: int) -> None:
    """Oscar's purchase counters alone (queued by earlier releases; ``after_order_placed`` now)."""
    order = _placed_order(order_id)
    if order is not None:
        oscar_analytics.receive_order_placed(None, order=order, user=order.user)


@shared_task(name="cooperatives.tasks.post_order_benefits", **MONEY_TASK)
def post_order_benefits(order_id: int) -> int:
    """A paid order's households' shares (queued by earlier releases, when the ledger was posted
    after the payment's commit; ``services.mark_paid`` posts them itself now). Idempotent."""
    Order = get_model("order", "Order")
    return len(ledger.post_sale_shares(Order.objects.get(pk=order_id)))


def _placed_order(order_id):
    """The order with its buyer and lines: Oscar's counters and the email read them (Oscar's
    ``num_lines`` and ``num_items`` then count the loaded lines instead of querying)."""
    Order = get_model("order", "Order")
    return (
        Order.objects.select_related("user").prefetch_related("lines").filter(pk=order_id).first()
    )
