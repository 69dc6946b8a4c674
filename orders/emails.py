"""The order emails (Oscar's communications), in Chinese: placed, paid, shipped, refunded.

Sent by the Celery task ``orders.tasks.send_order_email``, which the lifecycle
(``orders.services``) queues after each change commits.
"""

from django.conf import settings
from django.utils import translation
from oscar.core.loading import get_class, get_model

CommunicationEvent = get_model("order", "CommunicationEvent")
CommunicationEventType = get_model("communication", "CommunicationEventType")
PaymentEvent = get_model("order", "PaymentEvent")
Dispatcher = get_class("communication.utils", "Dispatcher")
OrderDispatcher = get_class("order.utils", "OrderDispatcher")

NAMES = {
    "ORDER_PLACED": "订单已提交",
    "ORDER_PAID": "订单已付款",
    "ORDER_SHIPPED": "订单已发货",
    "ORDER_REFUNDED": "订单已退款",
}


def send_email_for(order, code: str, extra: dict | None = None) -> bool:
    """Send one of the order emails for an order already loaded (its lines prefetched, if the
    caller reads them too); once per order and code, except refunds and parcels, which have one
    each. ``extra``: ``{"parcel_id": …}`` (shipped) or ``{"payment_event_id": …}`` (refunded)."""
    extra = extra or {}
    if order.user_id is None and not order.guest_email:
        return False  # nobody to write to (a buyer who deleted their account, a test's order)
    event_type, _created = CommunicationEventType.objects.get_or_create(
        code=code, defaults={"name": NAMES.get(code, code), "category": "Order related"}
    )
    # ("refund_id": what an earlier release queued for a refund; sent, without its amount)
    once_per_order = not ({"payment_event_id", "refund_id", "parcel_id"} & set(extra))
    if (
        once_per_order
        and CommunicationEvent.objects.filter(order=order, event_type=event_type).exists()
    ):
        return False
    context = {"order": order, "lines": order.lines.all(), **_extra_context(order, extra)}
    with translation.override("zh-hans"):
        # Oscar's Dispatcher.get_messages, from the event type already here (not looked up again)
        messages = event_type.get_messages(Dispatcher().get_base_context(**context))
        OrderDispatcher().dispatch_order_messages(order, messages, code)
    return True


def _extra_context(order, extra):
    context = {"payment_timeout": settings.PAYMENT_TIMEOUT_MINUTES}
    if "payment_event_id" in extra:  # the refund's payment event: its amount
        context["refund"] = order.payment_events.get(pk=extra["payment_event_id"])
    if "parcel_id" in extra:
        context["parcel"] = order.parcels.get(pk=extra["parcel_id"])
    return context
