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
