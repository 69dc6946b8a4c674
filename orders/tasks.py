"""Celery tasks of the order app that call its services (beat's sweep), and what earlier
releases queued. The tasks the lifecycle queues after commit (the emails, the placed order's
counters) are in ``orders.emails``, imported here so that Celery finds them."""

from celery import shared_task
from oscar.apps.analytics import receivers as oscar_analytics
from oscar.core.loading import get_model

from cooperatives import ledger

from . import aftersales, services
from .emails import MONEY_TASK, after_order_placed, placed_order, send_order_email

__all__ = ["MONEY_TASK", "after_order_placed", "send_order_email"]  # (registered with Celery)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def complete_shipped_orders() -> int:
    """Celery beat, hourly: shipped orders past AUTO_COMPLETE_DAYS become 已完成."""
    return services.complete_shipped_orders()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def record_order_analytics(order_id: int) -> None:
    """Oscar's purchase counters alone (queued by earlier releases; ``after_order_placed`` now)."""
    order = placed_order(order_id)
    if order is not None:
        oscar_analytics.receive_order_placed(None, order=order, user=order.user)


@shared_task(name="cooperatives.tasks.post_order_benefits", **MONEY_TASK)
def post_order_benefits(order_id: int) -> int:
    """A paid order's households' shares (queued by earlier releases, when the ledger was posted
    after the payment's commit; ``services.mark_paid`` posts them itself now). Idempotent; dated
    at the order's payment, however late it runs."""
    Order = get_model("order", "Order")
    order = Order.objects.get(pk=order_id)
    paid = (
        order.payment_events.filter(event_type__code="paid")
        .order_by("date_created")
        .values_list("date_created", flat=True)
        .first()
    )
    return len(ledger.post_sale_shares(order, at=paid))


@shared_task
def refresh_search_figures():
    """Sales, prices and stock in the search documents (ranking, the 销量 sort, facets)."""
    from catalog.search import documents

    from .selectors import units_sold_by_product

    return {
        "sales": documents.set_sales(units_sold_by_product()),
        "stock": documents.refresh_stock(),
    }


@shared_task(acks_late=True, reject_on_worker_lost=True)
def escalate_after_sales() -> int:
    """Celery beat, every ten minutes: after-sales requests the cooperative left undecided past
    AFTER_SALES_DECISION_HOURS go to staff (``orders.aftersales.escalate_overdue``)."""
    return aftersales.escalate_overdue()
