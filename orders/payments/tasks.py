"""Celery tasks for money: idempotent, queued after commit, acknowledged only when done."""

from celery import shared_task
from django.conf import settings
from django.utils import translation
from oscar.core.loading import get_class, get_model

from . import services

Order = get_model("order", "Order")
CommunicationEvent = get_model("order", "CommunicationEvent")
CommunicationEventType = get_model("communication", "CommunicationEventType")
Dispatcher = get_class("communication.utils", "Dispatcher")
OrderDispatcher = get_class("order.utils", "OrderDispatcher")

MONEY_TASK = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (Exception,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 10,
}

EMAIL_NAMES = {
    "ORDER_PLACED": "订单已提交",
    "ORDER_PAID": "订单已付款",
    "ORDER_SHIPPED": "订单已发货",
    "ORDER_REFUNDED": "订单已退款",
}


@shared_task(**MONEY_TASK)
def process_webhook_event(event_pk: int) -> str:
    return services.process_event(event_pk)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def cancel_abandoned_orders() -> int:
    """Celery beat, every minute: orders unpaid past their time are cancelled, stock released;
    webhook events whose task was lost are queued again."""
    for event_pk in services.unprocessed_events().values_list("pk", flat=True)[:500]:
        process_webhook_event.delay(event_pk)
    return len(services.cancel_abandoned_orders())


@shared_task(**MONEY_TASK)
def send_order_email(order_pk: int, code: str, extra: dict | None = None) -> bool:
    """Send one of the order emails (Oscar communications), in Chinese; once per order and code,
    except refunds and parcels, which have one each."""
    return send_email_for(Order.objects.select_related("user").get(pk=order_pk), code, extra)


def send_email_for(order, code: str, extra: dict | None = None) -> bool:
    """``send_order_email`` for an order already loaded (its lines prefetched, if the caller
    reads them too)."""
    extra = extra or {}
    event_type, _created = CommunicationEventType.objects.get_or_create(
        code=code, defaults={"name": EMAIL_NAMES.get(code, code), "category": "Order related"}
    )
    once_per_order = not ({"refund_id", "parcel_id"} & set(extra))
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
    from .models import Refund

    context = {"payment_timeout": settings.PAYMENT_TIMEOUT_MINUTES}
    if "refund_id" in extra:
        context["refund"] = Refund.objects.get(pk=extra["refund_id"])
    if "parcel_id" in extra:
        context["parcel"] = order.parcels.get(pk=extra["parcel_id"])
    return context
