"""Thin views: the payment page, its confirm and status calls, and Stripe's webhook."""

import json
import logging

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from oscar.apps.payment.exceptions import PaymentError, UnableToTakePayment
from oscar.core.loading import get_model

from orders import statuses

from . import client, events, intents
from .tasks import process_webhook_event

logger = logging.getLogger(__name__)
Order = get_model("order", "Order")

def order_for_buyer(request, number):
    """The order, if this request's buyer may see it (``Order.objects.for_buyer``), else 404."""
    return get_object_or_404(Order.objects.for_buyer(request), number=number)


# The buyer has done their part; Stripe (or its webhook) has not yet told us the outcome.
PROCESSING_STATES = {
    "processing",
    "succeeded",
    "requires_capture",
    "requires_action",
    "requires_confirmation",
}


def payment_state(order) -> str:
    """What the buyer should be told: paid / processing / failed / pending / closed."""
    if order.status in statuses.PAID_STATUSES:
        return "paid"
    if order.status in (statuses.CANCELLED, statuses.REFUNDED):
        return "closed"
    latest = order.intents.order_by("-attempt").first()
    if latest is None:
        return "pending"
    if latest.status == intents.FAILED:
        return "failed"
    if latest.status in PROCESSING_STATES:
        return "processing"
    return "pending"


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class PayView(View):
    """The payment page: Stripe.js form for the order's PaymentIntent (made here, outside any
    stock lock, with the order number in its idempotency key)."""

    template_name = "orders/payments/pay.html"

    def get(self, request, number):
        return pay_page(request, order_for_buyer(request, number))


def pay_page(request, order, *, placed_now=False):
    """The payment form for ``order`` (also the answer to a live "buy now", whose URL the page
    then replaces with its own, so a reload shows this page again). ``placed_now``: the order
    was placed in this request (``intents.payable_intent``)."""
    if order.status != statuses.PENDING_PAYMENT:
        return redirect("payments:done", number=order.number)
    try:
        record = intents.payable_intent(order, placed_now=placed_now)
    except PaymentError as error:
        logger.warning("Order %s: could not start payment: %s", order.number, error)
        record = None
        messages.error(request, _("Payment is unavailable just now. Please try again soon."))
    return render(
        request,
        PayView.template_name,
        {
            "order": order,
            "intent": record,
            "stripe_js_url": settings.STRIPE_JS_URL,
            "stripe_publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
            "payment_methods": settings.STRIPE_PAYMENT_METHOD_TYPES,
            "payment_timeout": settings.PAYMENT_TIMEOUT_MINUTES,
        },
    )


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class ConfirmView(View):
    """POST {payment_method}: confirm the order's PaymentIntent with it. The order itself changes
    only when Stripe's webhook says the payment succeeded."""

    def post(self, request, number):
        order = order_for_buyer(request, number)
        try:
            payment_method = json.loads(request.body or b"{}").get("payment_method", "")
        except (ValueError, AttributeError):
            payment_method = ""
        if not isinstance(payment_method, str) or not payment_method.startswith("pm_"):
            return JsonResponse({"error": _("Please enter your card details.")}, status=400)
        record = order.intents.order_by("-attempt").first()
        if order.status != statuses.PENDING_PAYMENT or record is None:
            return JsonResponse({"status": payment_state(order), "next": _done_url(order)})
        if record.status not in intents.OPEN_INTENT_STATES:
            return JsonResponse(
                {
                    "error": _("This payment form has expired; the page will reload."),
                    "reload": True,
                },
                status=409,
            )
        try:
            result = intents.confirm_intent(record, payment_method)
        except UnableToTakePayment as error:
            return JsonResponse({"error": str(error), "reload": True}, status=402)
        except PaymentError as error:
            logger.warning("Order %s: confirm failed: %s", order.number, error)
            return JsonResponse(
                {"error": _("The payment could not be made. No money was taken."), "reload": True},
                status=502,
            )
        return JsonResponse({**result, "next": _done_url(order)})


def _done_url(order):
    return reverse("payments:done", kwargs={"number": order.number})


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class DoneView(View):
    """After paying: the order's state, told honestly, polled until the webhook has arrived."""

    def get(self, request, number):
        order = order_for_buyer(request, number)
        latest = order.intents.order_by("-attempt").first()
        if order.status == statuses.PENDING_PAYMENT and latest is not None:
            intents.refresh_intent(latest)  # e.g. after 3-D Secure or an Alipay return
        return render(
            request,
            "oscar/checkout/thank_you.html",
            {"order": order, "state": payment_state(order)},
        )


class StatusView(View):
    def get(self, request, number):
        order = order_for_buyer(request, number)
        return JsonResponse(
            {"state": payment_state(order), "status": order.status, "number": order.number}
        )


@csrf_exempt
def stripe_webhook(request):
    """Verify, check, store once, queue, answer: the work is done by a Celery task after commit.

    Refused with a 400 and the reason, storing nothing: a bad signature, and a signed body that is
    not an event we can keep (Stripe retries 5xx answers for days; a 400 shows in its dashboard).
    The body is never logged: it may carry a buyer's name, email or address."""
    if request.method != "POST":
        return HttpResponse(status=405)
    try:
        event = client.construct_event(request.body, request.headers.get("Stripe-Signature"))
    except client.InvalidSignature as error:
        logger.warning("Stripe webhook refused: %s", error)
        return JsonResponse({"error": "invalid signature"}, status=400)
    except client.MalformedEvent as error:
        return _malformed(error)
    try:
        stored, new = events.store_event(event)
    except client.MalformedEvent as error:
        return _malformed(error, event)
    if new or stored.processed is None:  # a redelivery of an event whose task was lost: again
        process_webhook_event.delay_on_commit(stored.pk)
    return JsonResponse({"received": True, "duplicate": not new})


def _malformed(error, event=None):
    event_id = event.get("id") if isinstance(event, dict) else None
    named = event_id if isinstance(event_id, str) and events.EVENT_ID.fullmatch(event_id) else "-"
    logger.warning("Stripe webhook refused: signed but malformed (event %s): %s", named, error)
    return JsonResponse({"error": f"malformed event: {error}"}, status=400)
