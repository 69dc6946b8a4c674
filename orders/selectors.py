"""Reads of the order app: a consumer's order timeline."""

from django.utils.translation import gettext as _

from . import statuses


def order_timeline(order) -> list[dict]:
    """Placed, paid, each parcel (carrier and number), completed, refunds, cancellation."""
    events = [{"when": order.date_placed, "kind": "placed", "title": _("Order placed")}]
    for event in order.payment_events.select_related("event_type"):
        if event.event_type.code == "paid":
            events.append({"when": event.date_created, "kind": "paid", "title": _("Paid")})
        elif event.event_type.code == "refunded":
            events.append(
                {
                    "when": event.date_created,
                    "kind": "refunded",
                    "title": _("Refunded ¥%(amount)s") % {"amount": event.amount},
                }
            )
    for parcel in order.parcels.prefetch_related("lines"):
        events.append(
            {
                "when": parcel.shipped_at,
                "kind": "shipped",
                "title": _("Shipped"),
                "carrier": parcel.carrier_label,
                "tracking_number": parcel.tracking_number,
                "lines": list(parcel.lines.all()),
            }
        )
    for change in order.status_changes.filter(
        new_status__in=(statuses.COMPLETED, statuses.CANCELLED)
    ):
        events.append(
            {
                "when": change.date_created,
                "kind": "completed" if change.new_status == statuses.COMPLETED else "cancelled",
                "title": change.new_status,
            }
        )
    return sorted(events, key=lambda e: e["when"])


def lines_to_ship(partner_ids=None, *, date_from=None, date_to=None, shipped=False):
    """Paid order lines for the workspace: waiting to ship (or already shipped), newest order
    last, limited to ``partner_ids`` (a manager's cooperatives) and a local date range."""
    from oscar.core.loading import get_model

    Line = get_model("order", "Line")
    lines = Line.objects.filter(
        order__status__in=(statuses.PAID, statuses.PARTLY_SHIPPED, statuses.SHIPPED)
    ).exclude(status=statuses.REFUNDED)
    lines = lines.filter(parcels__isnull=not shipped)
    if partner_ids is not None:
        lines = lines.filter(partner_id__in=partner_ids)
    if date_from:
        lines = lines.filter(order__date_placed__date__gte=date_from)
    if date_to:
        lines = lines.filter(order__date_placed__date__lte=date_to)
    return lines.select_related("order", "order__shipping_address", "partner", "product").order_by(
        "order__date_placed", "order_id", "pk"
    )


def cooperative_sales(partner_ids, *, today=None, days=30) -> dict:
    """A cooperative's sales from its paid order lines (by order date, Asia/Shanghai):
    today, this month, a daily series, top products this month."""
    from datetime import timedelta
    from decimal import Decimal

    from django.db.models import Count, Sum
    from django.db.models.functions import TruncDate
    from django.utils import timezone
    from oscar.core.loading import get_model

    Line = get_model("order", "Line")
    today = today or timezone.localdate()
    paid = Line.objects.filter(
        partner_id__in=partner_ids, order__status__in=statuses.PAID_STATUSES
    ).exclude(status=statuses.REFUNDED)

    def summary(lines):
        data = lines.aggregate(
            orders=Count("order_id", distinct=True), revenue=Sum("line_price_incl_tax")
        )
        return {"orders": data["orders"], "revenue": data["revenue"] or Decimal("0.00")}

    month_start = today.replace(day=1)
    start = today - timedelta(days=days - 1)
    by_day = dict(
        paid.filter(order__date_placed__date__gte=start)
        .annotate(day=TruncDate("order__date_placed"))
        .values("day")
        .annotate(revenue=Sum("line_price_incl_tax"))
        .values_list("day", "revenue")
    )
    series = [
        {"day": (start + timedelta(days=n)).isoformat(),
         "revenue": str(by_day.get(start + timedelta(days=n)) or Decimal("0.00"))}
        for n in range(days)
    ]  # fmt: skip
    month = paid.filter(order__date_placed__date__gte=month_start)
    top = list(
        month.values("product_id", "title")
        .annotate(units=Sum("quantity"), revenue=Sum("line_price_incl_tax"))
        .order_by("-revenue")[:5]
    )
    return {
        "today": summary(paid.filter(order__date_placed__date=today)),
        "month": summary(month),
        "series": series,
        "top": top,
    }
