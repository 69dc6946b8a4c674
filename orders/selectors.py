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
    events.extend(after_sales_timeline(order))
    return sorted(events, key=lambda e: e["when"])


def after_sales_timeline(order) -> list[dict]:
    """Each step of the order's after-sales cases (``orders.aftersales``), for the buyer's
    timeline (a failed refund shows as in progress, without its technical note)."""
    from oscar.core.loading import get_model

    AfterSalesEvent = get_model("order", "AfterSalesEvent")
    return [
        {
            "when": event.created,
            "kind": f"after_sales_{event.kind}",
            "title": event.title(for_buyer=True),
            "note": event.buyer_note,
        }
        for event in AfterSalesEvent.objects.filter(request__order=order).select_related("request")
    ]


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


def units_sold_by_product() -> dict[int, int]:
    """Units sold of each browsable product (a 规格's units count for its parent): lines of orders
    that are paid (and what became of them), refunded orders left out."""
    from django.db.models import Sum
    from oscar.core.loading import get_model

    Line = get_model("order", "Line")
    units: dict[int, int] = {}
    rows = (
        Line.objects.filter(order__status__in=statuses.PAID_STATUSES, product__isnull=False)
        .values("product_id", "product__parent_id")
        .annotate(units=Sum("quantity"))
    )
    for row in rows:
        owner = row["product__parent_id"] or row["product_id"]
        units[owner] = units.get(owner, 0) + (row["units"] or 0)
    return units


def units_held_by_refund_cases(line_ids) -> dict[int, int]:
    """{line id: units in an open refund-only (仅退款) after-sales case} for these lines, in one
    query: units the buyer asked not to be sent, held back from shipping until the case is
    decided (refused: they ship; refunded: they are gone)."""
    from django.db.models import Sum
    from oscar.core.loading import get_model

    AfterSalesLine = get_model("order", "AfterSalesLine")
    AfterSalesRequest = get_model("order", "AfterSalesRequest")
    return dict(
        AfterSalesLine.objects.filter(
            line_id__in=line_ids,
            request__kind=AfterSalesRequest.Kind.REFUND,
            request__status__in=AfterSalesRequest.OPEN,
        )
        .values("line_id")
        .annotate(units=Sum("quantity"))
        .values_list("line_id", "units")
    )


def parcels_with_tracking_numbers(numbers) -> dict[tuple[str, str], list[dict]]:
    """{(carrier, tracking number): [{order_id, order number, partner_id}]}: the parcels that
    already carry one of these numbers, any order's, in one query."""
    from oscar.core.loading import get_model

    Parcel = get_model("order", "Parcel")
    found: dict[tuple[str, str], list[dict]] = {}
    rows = Parcel.objects.filter(tracking_number__in=set(numbers)).values(
        "carrier", "tracking_number", "order_id", "order__number", "partner_id"
    )
    for row in rows:
        found.setdefault((row["carrier"], row["tracking_number"]), []).append(row)
    return found
