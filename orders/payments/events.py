"""Payments, Stripe's side: webhook events, checked, stored once and acted on; a succeeded
PaymentIntent pays its order (``orders.services.mark_paid``), money for an order that can no
longer take it is given back (``refunds.refund_unwanted_payment``)."""

import logging
import re
from datetime import timedelta

from django.core.exceptions import ObjectDoesNotExist
from django.db import DataError, IntegrityError, transaction
from django.utils import timezone
from oscar.core.loading import get_model

from orders import services as lifecycle

from . import client
from .models import PaymentIntentRecord, WebhookEvent
from .refunds import refund_unwanted_payment

logger = logging.getLogger(__name__)

Order = get_model("order", "Order")
STRIPE = ("stripe", "Stripe")  # the payment source type of what Stripe takes
FAILED = PaymentIntentRecord.FAILED


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
