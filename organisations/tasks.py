"""After a purchase batch's commit: one task for the whole batch (one message, one transaction)
instead of the one per order that ``orders.services.place`` queues."""

import logging
from decimal import Decimal

from celery import shared_task
from django.db import transaction
from django.db.models import Count, F, Max, Sum
from oscar.apps.analytics import receivers as oscar_analytics
from oscar.core.loading import get_model

logger = logging.getLogger(__name__)
Order = get_model("order", "Order")
Line = get_model("order", "Line")
ProductRecord = get_model("analytics", "ProductRecord")
UserRecord = get_model("analytics", "UserRecord")


@shared_task(name="organisations.tasks.after_batch_placed")
def after_batch_placed(batch_id: int) -> None:
    """Oscar's purchase counters for the batch's orders: what its ``receive_order_placed``
    adds for each order (a product's purchases, the buyer's orders, lines, items and spending),
    added once for all of them, in one transaction; on a failure nothing (logged; not retried,
    so nothing is counted twice). No email: the recipients did not buy."""
    try:
        with transaction.atomic():
            _record(batch_id)
    except Exception:
        logger.exception("Batch %s: purchase counters not recorded", batch_id)


def _record(batch_id):
    lines = Line.objects.filter(order__batch_id=batch_id)
    for row in lines.values("product_id").annotate(units=Sum("quantity")).order_by("product_id"):
        if row["product_id"]:
            oscar_analytics._update_counter(
                ProductRecord, "num_purchases", {"product_id": row["product_id"]}, row["units"]
            )
    orders = Order.objects.filter(batch_id=batch_id, user__isnull=False)
    for user_id in orders.order_by().values_list("user_id", flat=True).distinct():
        mine = orders.filter(user_id=user_id)
        sums = mine.aggregate(
            orders=Count("pk"), spent=Sum("total_incl_tax"), last=Max("date_placed")
        )
        counts = Line.objects.filter(order__in=mine).aggregate(
            lines=Count("pk"), items=Sum("quantity")
        )
        if not sums["orders"]:
            continue
        added = {
            "num_orders": sums["orders"],
            "num_order_lines": counts["lines"] or 0,
            "num_order_items": counts["items"] or 0,
            "total_spent": sums["spent"] or Decimal("0.00"),
        }
        updated = UserRecord.objects.filter(user_id=user_id).update(
            **{field: F(field) + value for field, value in added.items()},
            date_last_order=sums["last"],
        )
        if not updated:
            UserRecord.objects.create(user_id=user_id, date_last_order=sums["last"], **added)
