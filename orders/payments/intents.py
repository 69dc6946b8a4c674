"""Payments, Stripe's side: starting, confirming and cancelling a PaymentIntent; the sweep that
closes orders left unpaid.

The rule every payments module keeps: an order becomes 已付款 only from what Stripe says about its
PaymentIntent, re-read from Stripe (never from the browser, never from a webhook body alone), and
every change is made under a lock on the order row so that repeated, concurrent or out-of-order
events change nothing twice. What a payment, a cancellation or a refund does to the order is the
order's lifecycle (``orders.services``), called from here.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.apps.payment.exceptions import PaymentError, UnableToTakePayment
from oscar.core.loading import get_model

from orders import services as lifecycle
from orders import statuses

from . import client
from .events import sync_intent
from .models import PaymentIntentRecord, TransferInstruction

logger = logging.getLogger(__name__)

Order = get_model("order", "Order")

OPEN_INTENT_STATES = PaymentIntentRecord.OPEN_STATES
FAILED = PaymentIntentRecord.FAILED


# --- Starting and confirming a payment -------------------------------------------------------


def payable_intent(order, *, placed_now=False) -> PaymentIntentRecord | None:
    """The PaymentIntent the buyer should pay this order with, made if needed (None once paid).
    ``placed_now``: the caller placed the order in this request, so it has no intent yet."""
    if order.status != statuses.PENDING_PAYMENT:
        return None
    latest = None if placed_now else order.intents.order_by("-attempt").first()
    if latest and latest.status in OPEN_INTENT_STATES:
        return latest
    if latest and latest.status in ("processing", "succeeded"):
        return latest
    attempt = latest.attempt + 1 if latest else 1
    if latest and latest.status != "canceled":
        _cancel_quietly(latest)
        if latest.status in ("processing", "succeeded"):
            return latest  # it went through after all: wait for its webhook, take no more money
    intent = client.create_payment_intent(
        amount=order.total_incl_tax,
        currency=order.currency,
        order_number=order.number,
        attempt=attempt,
    )
    try:
        with transaction.atomic():
            return PaymentIntentRecord.objects.create(
                order=order,
                intent_id=intent["id"],
                client_secret=intent["client_secret"],
                attempt=attempt,
                amount=order.total_incl_tax,
                currency=order.currency,
                status=intent["status"],
            )
    except IntegrityError:  # another request saved this attempt's intent first
        saved = order.intents.get(attempt=attempt)
        if saved.intent_id != intent["id"]:  # (Stripe's idempotency usually makes them one)
            _cancel_quietly_id(intent["id"])
        return saved


def confirm_intent(record: PaymentIntentRecord, payment_method_id: str) -> dict:
    """Confirm the intent with a payment method made by Stripe.js; the order is not touched.

    Returns ``{"status", "client_secret"}``: the page follows up a ``requires_action`` (3-D Secure)
    in the browser, then waits for the webhook. A declined card raises ``UnableToTakePayment``
    and marks the intent failed, so the next try gets a fresh one.
    """
    try:
        intent = client.attach_and_confirm(record.intent_id, payment_method_id)
    except UnableToTakePayment:  # declined: this intent is spent, the next try gets a new one
        PaymentIntentRecord.objects.filter(pk=record.pk).update(status=FAILED)
        raise
    except PaymentError:
        # A timeout or an outage may come after Stripe took the money: ask Stripe what happened.
        refresh_intent(record)
        raise
    PaymentIntentRecord.objects.filter(pk=record.pk).update(status=intent["status"])
    return {"status": intent["status"], "client_secret": record.client_secret}


def refresh_intent(record) -> str:
    """Record the intent's status as Stripe reports it (the order is left to ``sync_intent``)."""
    try:
        intent = client.retrieve_payment_intent(record.intent_id)
    except PaymentError:
        return record.status
    status = intent["status"]
    if status == "requires_payment_method" and intent.get("last_payment_error"):
        status = FAILED
    if record.status != "succeeded":
        PaymentIntentRecord.objects.filter(pk=record.pk).update(status=status)
        record.status = status
    return status


def _cancel_quietly(record):
    """Cancel an intent we are replacing; it is marked canceled only once Stripe says so."""
    if _cancel_quietly_id(record.intent_id):
        PaymentIntentRecord.objects.filter(pk=record.pk).update(status="canceled")
        record.status = "canceled"
    else:
        refresh_intent(record)


def _cancel_quietly_id(intent_id) -> bool:
    try:
        client.cancel_payment_intent(intent_id)
        return True
    except PaymentError as error:  # already canceled, succeeded, or Stripe unreachable
        logger.info("Could not cancel %s: %s", intent_id, error)
        return False


# --- Abandoned payments ------------------------------------------------------------------------


def cancel_abandoned_orders(now=None) -> list[str]:
    """Cancel orders left unpaid past ``PAYMENT_TIMEOUT_MINUTES``, releasing their stock.

    Each order's intents are asked first: one that succeeded meanwhile (a late webhook) pays the
    order instead. Returns the numbers of the orders cancelled.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.PAYMENT_TIMEOUT_MINUTES)
    cancelled = []
    # An order waiting for a bank transfer (对公转账) has days, not minutes, and so has every
    # order of a purchase batch from the moment it is made: orders.payments.transfers sweeps them.
    candidates = (
        Order.objects.filter(
            status=statuses.PENDING_PAYMENT, date_placed__lt=cutoff, batch__isnull=True
        )
        .exclude(transfer_instruction__status=TransferInstruction.Status.OPEN)
        .values_list("pk", flat=True)
    )
    for order_pk in list(candidates[:500]):
        try:
            if cancel_if_unpaid(order_pk):
                cancelled.append(Order.objects.values_list("number", flat=True).get(pk=order_pk))
        except Exception:  # one bad order must not hold up the others' stock
            logger.exception("Could not cancel abandoned order pk=%s", order_pk)
    return cancelled


def stop_payments(order_pk: int) -> bool:
    """Cancel every open intent of an unpaid order, so that no payment can still arrive. False
    when that cannot be made sure: one went through (it pays the order instead) or Stripe is
    unreachable."""
    for record in PaymentIntentRecord.objects.filter(order_id=order_pk).exclude(status="canceled"):
        try:
            intent = client.retrieve_payment_intent(record.intent_id)
        except PaymentError:
            return False  # Stripe unreachable: try again later
        if intent["status"] in ("succeeded", "processing"):
            sync_intent(record.intent_id)
            return False
        if intent["status"] != "canceled":
            try:
                client.cancel_payment_intent(record.intent_id)
            except PaymentError:
                return False
        PaymentIntentRecord.objects.filter(pk=record.pk).update(status="canceled")
    return True


def cancel_if_unpaid(order_pk: int) -> bool:
    if not stop_payments(order_pk):
        return False
    return lifecycle.cancel_unpaid(
        Order.objects.get(pk=order_pk),
        note=_("Cancelled: not paid within %(minutes)d minutes; stock released.")
        % {"minutes": settings.PAYMENT_TIMEOUT_MINUTES},
    )
