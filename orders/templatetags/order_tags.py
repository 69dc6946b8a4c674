from django import template

from orders import aftersales, statuses
from orders.selectors import order_timeline

register = template.Library()

SHIPPED_STATUSES = (statuses.PARTLY_SHIPPED, statuses.SHIPPED, statuses.COMPLETED)


@register.inclusion_tag("orders/_timeline_card.html")
def order_timeline_card(order):
    return {
        "order": order,
        "timeline": order_timeline(order),
        "can_confirm": order.status == statuses.SHIPPED,
    }


@register.simple_tag(name="order_timeline")
def order_timeline_tag(order):
    return order_timeline(order)


@register.inclusion_tag("orders/_after_sales_cases.html", takes_context=True)
def after_sales_cases(context, order):
    """The order's after-sales cases as the buyer sees them (status, refusal reason, the return's
    address and parcel form)."""
    cases = order.after_sales_requests.prefetch_related("lines__line", "photos").select_related(
        "partner"
    )
    return {
        "order": order,
        "cases": list(cases),
        "next": context.get("request").get_full_path() if context.get("request") else "",
        "can_request": aftersales.can_request(order),
    }


@register.simple_tag
def buyer_actions(order):
    """What the buyer can do with an order now (the order list's cards and the order page)."""
    requests = list(order.after_sales_requests.all())  # newest first; prefetched in the list
    status = order.status
    return {
        "pay": status == statuses.PENDING_PAYMENT,
        "cancel": status == statuses.PENDING_PAYMENT,
        "track": status in SHIPPED_STATUSES
        or (status == statuses.REFUNDED and bool(order.parcels.all())),
        "confirm": status == statuses.SHIPPED,
        "reorder": status != statuses.PENDING_PAYMENT and order.user_id is not None,
        "after_sales": status in aftersales.ALLOWED_STATUSES
        and not aftersales.window_closed(order)
        and _units_left(order, requests),
        "after_sales_request": requests[0] if requests else None,
    }


def _units_left(order, requests) -> bool:
    """Some unit neither refunded in full nor in an open after-sales case (from what the order
    list prefetched; the form itself counts partial refunds too)."""
    held = {}
    for case in requests:
        if case.is_open:
            for part in case.lines.all():
                held[part.line_id] = held.get(part.line_id, 0) + part.quantity
    return any(
        line.status != statuses.REFUNDED and line.quantity > held.get(line.pk, 0)
        for line in order.lines.all()
    )


@register.filter
def status_colour(status):
    """A Bootstrap 4 badge colour for an order status."""
    return {
        statuses.PENDING_PAYMENT: "warning",
        statuses.PAID: "info",
        statuses.PARTLY_SHIPPED: "info",
        statuses.SHIPPED: "primary",
        statuses.COMPLETED: "success",
        statuses.CANCELLED: "secondary",
        statuses.REFUNDED: "secondary",
    }.get(status, "light")
