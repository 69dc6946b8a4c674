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


@shared_task(name="organisations.tasks.batch_paid_email")
def batch_paid_email(batch_id: int) -> bool:
    """The one "paid" email of a purchase batch (its orders send none each: ``orders.services.
    BATCHED_NOTICES``), to the member who made it and the organisation's contact email; no
    recipient's name or address in it, a link to the batch page. A failure is logged (the
    reference only) and not retried: the batch page shows it paid anyway."""
    from django.conf import settings
    from django.contrib.sites.models import Site
    from django.core.mail import send_mail
    from django.urls import reverse
    from django.utils import translation
    from django.utils.translation import gettext as _

    from .models import PurchaseBatch

    batch = (
        PurchaseBatch.objects.select_related("organisation", "created_by")
        .filter(pk=batch_id, status=PurchaseBatch.Status.PAID)
        .first()
    )
    if batch is None:
        return False
    to = []
    for address in (batch.created_by.email, batch.organisation.contact_email):
        if address and address.lower() not in {a.lower() for a in to}:
            to.append(address)
    if not to:
        return False
    scheme = "http" if settings.DEBUG else "https"
    link = f"{scheme}://{Site.objects.get_current().domain}" + reverse(
        "organisations:batch-detail", kwargs={"reference": batch.reference}
    )
    with translation.override("zh-hans"):
        subject = _("Purchase batch %(reference)s is paid") % {"reference": batch.reference}
        body = _(
            "%(organisation)s: the %(count)d orders of purchase batch %(reference)s "
            "(%(title)s) are paid, ¥%(total)s in all. The cooperatives now ship them to the "
            "recipients; each parcel's tracking number shows on the batch page."
        ) % {
            "organisation": batch.organisation.name,
            "count": batch.recipients,
            "reference": batch.reference,
            "title": batch.title or "—",
            "total": batch.total,
        }
    try:
        send_mail(subject, f"{body}\n\n{link}", settings.DEFAULT_FROM_EMAIL, to)
    except Exception:
        logger.error("Batch %s: the paid email could not be sent", batch.reference)
        return False
    return True
