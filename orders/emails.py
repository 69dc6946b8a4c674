"""The order emails (Oscar's communications), in Chinese: placed, paid, shipped, refunded; and the
Celery tasks that send them, which the lifecycle (``orders.services``) queues after each change
commits. (``orders.tasks`` imports this module, so Celery finds them.)

A buyer with no email address (a guest who gave only a mobile number, an account made by
signing in with a text-message code) is told of the placed (while unpaid), paid and shipped
steps by text message instead: ``orders.signals.order_notice_without_email``, which shop
answers with its SMS provider (``shop.order_texts``); a buyer with an email gets the email only.
"""

import logging

from celery import shared_task
from django.conf import settings
from django.contrib.sites.models import Site
from django.utils import translation
from oscar.apps.analytics import receivers as oscar_analytics

# Oscar's own (the fork's order.utils re-exports it): not looked up by label, as order.utils
# places orders through the lifecycle, which imports this module.
from oscar.apps.order.utils import OrderDispatcher
from oscar.core.loading import get_class, get_model

from orders import paylink, statuses
from orders.signals import order_notice_without_email

logger = logging.getLogger(__name__)

CommunicationEvent = get_model("order", "CommunicationEvent")
CommunicationEventType = get_model("communication", "CommunicationEventType")
PaymentEvent = get_model("order", "PaymentEvent")
Order = get_model("order", "Order")
Dispatcher = get_class("communication.utils", "Dispatcher")

# Tasks about money and the buyer's emails: acknowledged only when done, retried with backoff.
MONEY_TASK = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (Exception,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 10,
}

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
    if not email_address(order):
        # (an account deleted since, which leaves the order without a user, has nobody either)
        return _text_instead(order, code, extra)
    event_type = _event_type(code)
    if _sent_already(order, event_type, extra):
        return False
    context = {"order": order, "lines": order.lines.all(), **_extra_context(order, extra)}
    with translation.override("zh-hans"):
        # Oscar's Dispatcher.get_messages, from the event type already here (not looked up again)
        messages = event_type.get_messages(Dispatcher().get_base_context(**context))
        OrderDispatcher().dispatch_order_messages(order, messages, code)
    return True


def email_address(order) -> str:
    """Where the order's emails go: the guest's email, or the buyer's account's ("" for none)."""
    if order.user_id is None:
        return order.guest_email or ""
    return order.user.email or ""


def _event_type(code):
    return CommunicationEventType.objects.get_or_create(
        code=code, defaults={"name": NAMES.get(code, code), "category": "Order related"}
    )[0]


def _sent_already(order, event_type, extra) -> bool:
    """Once per order and code, except refunds and parcels (one each): Oscar's communication
    events record what was sent, by email or by text."""
    # ("refund_id": what an earlier release queued for a refund; sent, without its amount)
    if {"payment_event_id", "refund_id", "parcel_id"} & set(extra):
        return False
    return CommunicationEvent.objects.filter(order=order, event_type=event_type).exists()


# The order emails a buyer with no email address gets as text messages instead (the event names
# of ``orders.signals.order_notice_without_email``).
TEXTED = {"ORDER_PLACED": "placed", "ORDER_PAID": "paid", "ORDER_SHIPPED": "shipped"}


def _text_instead(order, code, extra) -> bool:
    """The buyer has no email address: the placed (while unpaid: its signed pay link), paid and
    shipped steps are texted to them by whoever answers ``order_notice_without_email`` (shop's
    SMS provider), once like the emails; True when a text went out. A failing receiver is
    logged, never raised: the order and the task that follows it stand."""
    event = TEXTED.get(code)
    if event is None:
        return False
    if event == "placed" and order.status != statuses.PENDING_PAYMENT:
        return False  # paid (or cancelled) before this ran: no "pay now" text; "paid" follows
    event_type = _event_type(code)
    if _sent_already(order, event_type, extra):
        return False
    params = {"order": str(order.number)}
    if event == "placed":
        params["link"] = pay_url(order)
    elif event == "shipped":
        parcel = order.parcels.get(pk=extra["parcel_id"])
        with translation.override("zh-hans"):
            params["carrier"] = str(parcel.carrier_label)
        params["tracking"] = parcel.tracking_number
    address = order.shipping_address
    mobile = str(address.phone_number or "") if address is not None else ""
    texted = False
    for receiver, answer in order_notice_without_email.send_robust(
        sender=Order, order=order, event=event, params=params, mobile=mobile
    ):
        if isinstance(answer, Exception):
            logger.error(
                "Order %s: the %s text message failed in %s: %s",
                order.number,
                event,
                getattr(receiver, "__qualname__", receiver),
                type(answer).__name__,
                exc_info=answer,
            )
        elif answer:
            texted = True
    if texted:
        CommunicationEvent.objects.create(order=order, event_type=event_type)
    return texted


def pay_url(order) -> str:
    """The signed pay link as the buyer opens it: the site's scheme and host, and the path."""
    scheme = "http" if settings.DEBUG else "https"
    return f"{scheme}://{Site.objects.get_current().domain}{paylink.pay_path(order)}"


def _extra_context(order, extra):
    context = {"payment_timeout": settings.PAYMENT_TIMEOUT_MINUTES}
    if order.status == statuses.PENDING_PAYMENT:  # the order-placed email's signed "pay now" link
        context["pay_link_path"] = paylink.pay_path(order)
        context["pay_link_scheme"] = "http" if settings.DEBUG else "https"
    if "payment_event_id" in extra:  # the refund's payment event: its amount
        context["refund"] = order.payment_events.get(pk=extra["payment_event_id"])
    if "parcel_id" in extra:
        context["parcel"] = order.parcels.get(pk=extra["parcel_id"])
    return context


# Named as before they moved here (from orders.payments.tasks and orders.tasks), so that
# messages queued by earlier releases still find them.
@shared_task(name="orders.payments.tasks.send_order_email", **MONEY_TASK)
def send_order_email(order_pk: int, code: str, extra: dict | None = None) -> bool:
    """Send one of the order emails."""
    return send_email_for(Order.objects.select_related("user").get(pk=order_pk), code, extra)


@shared_task(name="orders.tasks.after_order_placed", bind=True, **MONEY_TASK)
def after_order_placed(self, order_id: int, confirmation: bool = False) -> None:
    """Everything a placed order needs after its commit, in one task (one message, one trip
    through the worker, for each of a flash sale's orders): Oscar's purchase counters, then the
    buyer's "order placed" email when the placement asked for it
    (``orders.services.with_confirmation``), both from the order loaded once with its lines.

    The counters are recorded on the first attempt only (a failure there is logged: counting
    again could count the order twice), so a mail server that is down delays the email's retries
    and never the counters; the email is sent once per order, so a retry does not send it twice.
    """
    order = placed_order(order_id)
    if order is None:
        return
    if not self.request.retries:
        try:
            oscar_analytics.receive_order_placed(None, order=order, user=order.user)
        except Exception:
            logger.exception("Order %s: purchase counters not recorded", order_id)
    if confirmation:
        send_email_for(order, "ORDER_PLACED")


def placed_order(order_id):
    """The order with its buyer and lines: Oscar's counters and the email read them (Oscar's
    ``num_lines`` and ``num_items`` then count the loaded lines instead of querying)."""
    return (
        Order.objects.select_related("user").prefetch_related("lines").filter(pk=order_id).first()
    )
