"""Payments: starting and confirming a PaymentIntent, acting on Stripe's events, refunds, timeouts.

This module keeps Stripe's side (intents, events, refunds as Stripe makes them); what a payment,
a cancellation or a refund does to the order is the order's lifecycle (``orders.services``),
called from here.

The rule the whole module keeps: an order becomes 已付款 only from what Stripe says about its
PaymentIntent, re-read from Stripe (never from the browser, never from a webhook body alone), and
every change is made under a lock on the order row so that repeated, concurrent or out-of-order
events change nothing twice.
"""

import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import DataError, IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from oscar.apps.payment.exceptions import PaymentError, UnableToTakePayment
from oscar.core.loading import get_model

from orders import services as lifecycle
from orders import statuses

from . import client
from .models import PaymentIntentRecord, Refund, RefundLine, WebhookEvent

logger = logging.getLogger(__name__)

Order = get_model("order", "Order")
Source = get_model("payment", "Source")
STRIPE = ("stripe", "Stripe")  # the payment source type of what Stripe takes
FEN = Decimal("0.01")

# PaymentIntent states from which the buyer can still pay with the same intent.
OPEN_INTENT_STATES = {"requires_payment_method", "requires_confirmation", "requires_action"}
FAILED = "failed"  # ours: the intent's last attempt failed; a retry gets a new intent


class RefundError(Exception):
    """A refund that cannot be made as asked; the message is for the person who asked."""


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


# --- Webhook events ----------------------------------------------------------------------------


# Stripe's ids and event types (``evt_1Nx…``, ``payment_intent.succeeded``): what the store keeps of
# an event has to fit its columns and be safe to show and search (no control characters).
EVENT_ID = re.compile(r"evt_[A-Za-z0-9_]{1,251}")
EVENT_TYPE = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)+")
OBJECT_ID = re.compile(r"[A-Za-z0-9_]{1,255}")
# Events acted on by ``process_event``: the object's id is what it acts on.
OBJECT_ID_PREFIXES = {"payment_intent.": "pi_", "charge.": ""}


def check_event(event) -> dict:
    """``event`` if it has the shape ``store_event`` and ``process_event`` rely on, else
    ``client.MalformedEvent`` with the reason (made of names, never of the body's values).

    Stripe always sends this shape; a signed body that lacks it (a bug at either end, a tool
    replaying by hand) is refused with a 400 rather than crashing into a 500 that Stripe would
    retry for days.
    """
    if not isinstance(event, dict):
        raise client.MalformedEvent("the body is not a JSON object")
    if event.get("object", "event") != "event":
        raise client.MalformedEvent('"object" is not "event" (only snapshot events are handled)')
    event_id = event.get("id")
    if not isinstance(event_id, str) or not EVENT_ID.fullmatch(event_id):
        raise client.MalformedEvent('"id" is not an event id (evt_…)')
    event_type = event.get("type")
    if (
        not isinstance(event_type, str)
        or not EVENT_TYPE.fullmatch(event_type)
        or (len(event_type) > WebhookEvent._meta.get_field("type").max_length)
    ):
        raise client.MalformedEvent('"type" is not an event type')
    data = event.get("data")
    if not isinstance(data, dict):
        raise client.MalformedEvent('"data" is not an object')
    obj = data.get("object")
    if not isinstance(obj, dict):
        raise client.MalformedEvent('"data.object" is not an object')
    object_id = obj.get("id")
    prefix = next((p for t, p in OBJECT_ID_PREFIXES.items() if event_type.startswith(t)), None)
    if prefix is not None and object_id is None:
        raise client.MalformedEvent('"data.object.id" is missing')
    if object_id is not None and not (
        isinstance(object_id, str)
        and OBJECT_ID.fullmatch(object_id)
        and object_id.startswith(prefix or "")
    ):
        raise client.MalformedEvent('"data.object.id" is not an id of the expected kind')
    return event


def store_event(event) -> tuple[WebhookEvent, bool]:
    """Store a verified event once: (its row, whether it is new). A malformed one raises
    ``client.MalformedEvent`` and stores nothing (``check_event``)."""
    check_event(event)
    try:
        with transaction.atomic():
            row = WebhookEvent.objects.create(
                event_id=event["id"],
                type=event["type"],
                object_id=event["data"]["object"].get("id") or "",
            )
            return row, True
    except IntegrityError:
        return WebhookEvent.objects.get(event_id=event["id"]), False


def unprocessed_events(older_than_seconds=120):
    """Events stored but not processed a while after they came (a lost task): the beat sweep
    queues them again."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return WebhookEvent.objects.filter(processed__isnull=True, received__lt=cutoff)


# Failures that asking again will not cure: the event (or what it names) is not as expected.
# Recorded as the event's outcome and logged, so neither Celery's retries nor the beat sweep
# (``unprocessed_events``) go round them for ever. An outage (``PaymentError``, a database that
# is down) is raised instead and retried: the event may be a payment. A payment whose event failed
# here is not lost: the abandoned-order sweep asks Stripe about every unpaid order's intents.
PERMANENT_FAILURES = (
    client.RequestRefused,
    ObjectDoesNotExist,
    DataError,
    LookupError,
    TypeError,
    ValueError,
    AttributeError,
)


def process_event(event_pk: int) -> str:
    """Act on a stored event (the Celery task's body); safe to run any number of times.

    Every event ends with an outcome, odd ones too (stored before its shape was checked, of a
    type we do not act on, about an intent Stripe no longer knows): only an outage is raised,
    for the task to retry."""
    event = WebhookEvent.objects.filter(pk=event_pk).first()
    if event is None:
        logger.warning("Webhook event pk=%s is gone: nothing to do", event_pk)
        return "gone"
    if event.processed is not None:
        return event.outcome
    try:
        outcome = _act_on(event)
    except PERMANENT_FAILURES as error:
        logger.exception("Webhook event %s (%s) could not be acted on", event.event_id, event.type)
        outcome = f"failed: {type(error).__name__}"
    WebhookEvent.objects.filter(pk=event.pk).update(processed=timezone.now(), outcome=outcome)
    return outcome


def _act_on(event: WebhookEvent) -> str:
    if event.type.startswith("payment_intent.") and not event.object_id:
        return "ignored: no object"
    if (
        event.type.startswith("payment_intent.")
        and not PaymentIntentRecord.objects.filter(intent_id=event.object_id).exists()
    ):
        return "ignored: not one of ours"
    if event.type.startswith("payment_intent."):
        return sync_intent(event.object_id)
    if event.type == "charge.refunded":
        # Refunds are made (and recorded) by the store; one made in Stripe's own dashboard is
        # only logged here for staff to see (see README).
        return "stored, not acted on: refunds are made from the store's dashboard"
    return "ignored"


def sync_intent(intent_id: str) -> str:
    """Bring the order in line with its PaymentIntent as Stripe reports it now."""
    intent = client.retrieve_payment_intent(intent_id)
    record = PaymentIntentRecord.objects.filter(intent_id=intent["id"]).first()
    if record is None:
        return "unknown intent"
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=record.order_id)
        record = PaymentIntentRecord.objects.select_for_update().get(pk=record.pk)
        if intent["status"] != "succeeded":
            if record.status == "succeeded":
                return "already succeeded"  # a late payment_failed never un-pays an order
            failed = intent["status"] == "requires_payment_method" and intent.get(
                "last_payment_error"
            )
            record.status = FAILED if failed else intent["status"]
            record.save(update_fields=["status", "updated"])
            return "payment failed" if failed else f"intent {intent['status']}"
        record.status = "succeeded"
        record.save(update_fields=["status", "updated"])
        paid_by = order.sources.filter(reference__startswith="pi_").first()
        if paid_by is None and lifecycle.mark_paid(
            order,
            amount=client.from_fen(intent["amount"]),
            reference=intent["id"],
            source=STRIPE,
            label=_payment_label(intent),
        ):
            return "paid"
        if paid_by is not None and paid_by.reference == intent["id"]:
            return "already paid"
    # Money arrived for an order that no longer takes it: cancelled after its time ran out, or
    # paid twice through two intents. Give it back, and record that we did.
    refund_unwanted_payment(order.pk, record.pk)
    return "refunded: order no longer payable"


def _payment_label(intent) -> str:
    charge = intent.get("latest_charge")  # an id, or the charge itself when expanded
    details = (charge.get("payment_method_details") or {}) if hasattr(charge, "get") else {}
    card = details.get("card")
    if card:
        return f"{card.get('brand', 'card')} •••• {card.get('last4', '')}"
    return ", ".join(intent.get("payment_method_types") or ["Stripe"])[:128]


# --- Abandoned payments ------------------------------------------------------------------------


def cancel_abandoned_orders(now=None) -> list[str]:
    """Cancel orders left unpaid past ``PAYMENT_TIMEOUT_MINUTES``, releasing their stock.

    Each order's intents are asked first: one that succeeded meanwhile (a late webhook) pays the
    order instead. Returns the numbers of the orders cancelled.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.PAYMENT_TIMEOUT_MINUTES)
    cancelled = []
    candidates = Order.objects.filter(
        status=statuses.PENDING_PAYMENT, date_placed__lt=cutoff
    ).values_list("pk", flat=True)
    for order_pk in list(candidates[:500]):
        try:
            if cancel_if_unpaid(order_pk):
                cancelled.append(Order.objects.values_list("number", flat=True).get(pk=order_pk))
        except Exception:  # one bad order must not hold up the others' stock
            logger.exception("Could not cancel abandoned order pk=%s", order_pk)
    return cancelled


def cancel_if_unpaid(order_pk: int) -> bool:
    for record in PaymentIntentRecord.objects.filter(order_id=order_pk).exclude(status="canceled"):
        try:
            intent = client.retrieve_payment_intent(record.intent_id)
        except PaymentError:
            return False  # Stripe unreachable: try again at the next sweep
        if intent["status"] in ("succeeded", "processing"):
            sync_intent(record.intent_id)
            return False
        if intent["status"] != "canceled":
            try:
                client.cancel_payment_intent(record.intent_id)
            except PaymentError:
                return False
        PaymentIntentRecord.objects.filter(pk=record.pk).update(status="canceled")
    return lifecycle.cancel_unpaid(
        Order.objects.get(pk=order_pk),
        note=_("Cancelled: not paid within %(minutes)d minutes; stock released.")
        % {"minutes": settings.PAYMENT_TIMEOUT_MINUTES},
    )


# --- Refunds -----------------------------------------------------------------------------------
#
# A refund is a row first (committed, so its idempotency key ``refund-<pk>`` survives anything),
# then one Stripe call made outside any transaction by whoever moves it from REQUESTED to
# PROCESSING, then a short transaction that records it: payment event, ledger reversal, stock,
# statuses. Views that make refunds are not wrapped in the request's transaction.

# Refunds that hold units of a line (asked for, being made, or made).
HOLDING = (Refund.Status.REQUESTED, Refund.Status.PROCESSING, Refund.Status.REFUNDED)


@dataclass(frozen=True)
class RefundableLine:
    line: object
    refunded_quantity: int
    refunded_amount: Decimal

    @property
    def quantity(self):
        return self.line.quantity - self.refunded_quantity


def refundable_lines(order, statuses_=HOLDING) -> list[RefundableLine]:
    done = {
        row["line"]: row
        for row in RefundLine.objects.filter(line__order=order, refund__status__in=statuses_)
        .values("line")
        .annotate(units=Sum("quantity"), amount=Sum("amount"))
    }
    return [
        RefundableLine(
            line,
            done.get(line.pk, {}).get("units") or 0,
            done.get(line.pk, {}).get("amount") or Decimal("0.00"),
        )
        for line in order.lines.order_by("pk")
    ]


def line_refund_amount(item: RefundableLine, quantity: int) -> Decimal:
    """What the buyer paid for ``quantity`` more units of a line (after discounts), to the fen;
    the last units take whatever is left, so the parts add up to exactly what was paid."""
    net = Decimal(item.line.line_price_incl_tax)
    if quantity == item.quantity:
        return net - item.refunded_amount
    return (net * quantity / item.line.quantity).quantize(FEN, rounding=ROUND_HALF_UP)


def request_refund(order, quantities: dict, *, user, reason="") -> Refund:
    """Record a refund request for ``{line: quantity}``; staff make it with ``make_refund``."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status not in statuses.PAID_STATUSES:
            raise RefundError(_("Only a paid order can be refunded."))
        available = {r.line.pk: r for r in refundable_lines(order)}
        wanted = {line: qty for line, qty in quantities.items() if qty}
        if not wanted:
            raise RefundError(_("Choose at least one line and quantity to refund."))
        for line, qty in wanted.items():
            if line.order_id != order.pk:
                raise RefundError(_("That line is not part of this order."))
            if qty < 0 or qty > available[line.pk].quantity:
                raise RefundError(
                    _("At most %(n)d of “%(title)s” can still be refunded.")
                    % {"n": available[line.pk].quantity, "title": line.title}
                )
        refund = Refund.objects.create(order=order, amount=0, reason=reason, requested_by=user)
        parts = [
            RefundLine(
                refund=refund,
                line=line,
                quantity=qty,
                amount=line_refund_amount(available[line.pk], qty),
            )
            for line, qty in wanted.items()
        ]
        RefundLine.objects.bulk_create(parts)
        refund.amount = sum((p.amount for p in parts), Decimal("0.00"))
        refund.save(update_fields=["amount"])
    return refund


def make_refund(refund: Refund, *, user, retry=False) -> Refund:
    """Refund through Stripe, then reverse the ledger, return the stock and record it all.

    ``retry`` makes again a refund left PROCESSING (a crash between Stripe and our commit): the
    same idempotency key makes Stripe answer with the refund it already made."""
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.status == Refund.Status.REFUNDED:
            return refund
        if refund.status == Refund.Status.PROCESSING and not retry:
            raise RefundError(_("This refund is being made; reload the page in a moment."))
        if refund.status not in (Refund.Status.REQUESTED, Refund.Status.PROCESSING):
            raise RefundError(_("This refund request has already been decided."))
        order = Order.objects.select_for_update().get(pk=refund.order_id)
        source = order.sources.filter(reference__startswith="pi_").first()
        if source is None:
            raise RefundError(_("This order has no Stripe payment to refund."))
        if order.status not in statuses.PAID_STATUSES:
            raise RefundError(_("Only a paid order can be refunded."))
        if refund.status == Refund.Status.REQUESTED:
            # Shipping goes back with whatever empties the order: decided now, not when asked.
            others = refundable_lines(order, (Refund.Status.PROCESSING, Refund.Status.REFUNDED))
            mine = dict(refund.lines.values_list("line_id", "quantity"))
            if all(r.quantity - mine.get(r.line.pk, 0) == 0 for r in others) and not (
                Refund.objects.filter(order=order, shipping__gt=0).exclude(pk=refund.pk).exists()
            ):
                refund.shipping = order.shipping_incl_tax
                refund.amount += refund.shipping
            refund.status = Refund.Status.PROCESSING
            refund.decided_by = user
            refund.save()
    try:
        stripe_refund = client.create_refund(
            intent_id=source.reference,
            amount=refund.amount,
            reference=refund.reference,
            order_number=order.number,
        )
    except PaymentError:
        Refund.objects.filter(pk=refund.pk, status=Refund.Status.PROCESSING).update(
            status=Refund.Status.FAILED, decided=timezone.now()
        )
        raise
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.status == Refund.Status.REFUNDED:
            return refund
        order = Order.objects.select_for_update().get(pk=refund.order_id)
        _apply_refund(order, source, refund, stripe_refund["id"], user)
    return refund


def _apply_refund(order, source, refund, stripe_refund_id, user):
    """Stripe gave the money back: the refund and the payment's source say so, and the order's
    lifecycle records what it means (``orders.services.refund``)."""
    refund.status = Refund.Status.REFUNDED
    refund.stripe_refund_id = stripe_refund_id
    refund.decided_by = user
    refund.decided = timezone.now()
    refund.save()
    Source.objects.filter(pk=source.pk).update(amount_refunded=F("amount_refunded") + refund.amount)
    lifecycle.refund(
        order,
        [
            lifecycle.RefundedPart(part.line, part.quantity, part.amount)
            for part in refund.lines.select_related("line", "line__stockrecord")
        ],
        amount=refund.amount,
        reference=stripe_refund_id,
        user=user,
        note=_("Refunded ¥%(amount)s (%(reference)s).")
        % {"amount": refund.amount, "reference": stripe_refund_id},
    )


def refund_unwanted_payment(order_pk: int, record_pk: int) -> Refund | None:
    """Refund in full a payment the order cannot take (cancelled order, or paid twice).

    The refund row is committed before Stripe is called, under a key made from the intent
    (``auto-<intent>``), so a retry after any failure refunds once."""
    record = PaymentIntentRecord.objects.get(pk=record_pk)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_pk)
        refund, _created = Refund.objects.get_or_create(
            order=order,
            reason=f"auto:{record.intent_id}",
            defaults={"amount": record.amount, "automatic": True},
        )
    if refund.status == Refund.Status.REFUNDED:
        return refund
    stripe_refund = client.create_refund(
        intent_id=record.intent_id,
        amount=record.amount,
        reference=f"auto-{record.intent_id}",
        order_number=order.number,
    )
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.status == Refund.Status.REFUNDED:
            return refund
        refund.status = Refund.Status.REFUNDED
        refund.stripe_refund_id = stripe_refund["id"]
        refund.decided = timezone.now()
        refund.save()
        lifecycle.refund(
            order,
            [],  # the whole payment, which the (closed) order never took
            amount=refund.amount,
            reference=stripe_refund["id"],
            note=_(
                "A payment of ¥%(amount)s (%(intent)s) arrived after the order was closed; "
                "it was refunded automatically (%(refund)s)."
            )
            % {"amount": refund.amount, "intent": record.intent_id, "refund": stripe_refund["id"]},
        )
    return refund
