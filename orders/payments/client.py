"""The Stripe gateway: one function per Stripe call, and nothing else.

Every call goes through a ``StripeClient`` built from settings (``STRIPE_SECRET_KEY`` and
``STRIPE_API_BASE``, which points at localstripe in the demo and the tests). Stripe's errors
become Oscar's payment exceptions: a declined card is ``UnableToTakePayment`` (the buyer can try
again; ``CardDeclined``, with Stripe's codes), any other failure ``PaymentError``. Every create
carries an idempotency key.
"""

import json
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

import stripe
from django.conf import settings
from oscar.apps.payment.exceptions import PaymentError, UnableToTakePayment


@cache
def _client(api_key: str, api_base: str) -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base},
        max_network_retries=2,
    )


def client() -> stripe.StripeClient:
    return _client(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE)


def to_fen(amount: Decimal) -> int:
    """Yuan (Decimal) to Stripe's smallest unit for CNY, the fen."""
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_fen(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


class CardDeclined(UnableToTakePayment):
    """A card Stripe refused: its ``code`` and the issuer's ``decline_code`` (either may be None)
    say why (``orders.payments.declines`` words it for the buyer); the message is Stripe's."""

    def __init__(self, message, *, code=None, decline_code=None):
        super().__init__(message)
        self.code = code
        self.decline_code = decline_code


class RequestRefused(PaymentError):
    """Stripe understood the call and refused it (no such object, a bad parameter): asking again
    gets the same answer, so a task records it instead of retrying (an outage is retried)."""


def _call(function, *args, **kwargs):
    """Make one Stripe call; the answer comes back as a plain dict."""
    try:
        return function(*args, **kwargs).to_dict()
    except stripe.CardError as error:
        raise CardDeclined(
            error.user_message or str(error),
            code=error.code,
            decline_code=getattr(error.error, "decline_code", None) if error.error else None,
        ) from error
    except stripe.InvalidRequestError as error:
        raise RequestRefused(error.user_message or str(error)) from error
    except stripe.StripeError as error:
        raise PaymentError(error.user_message or str(error)) from error


def create_payment_intent(*, amount: Decimal, currency: str, order_number: str, attempt: int):
    return _call(
        client().v1.payment_intents.create,
        params={
            "amount": to_fen(amount),
            "currency": currency.lower(),
            "payment_method_types": list(settings.STRIPE_PAYMENT_METHOD_TYPES),
            "metadata": {"order_number": order_number, "attempt": str(attempt)},
        },
        options={"idempotency_key": f"order-{order_number}-intent-{attempt}"},
    )


def retrieve_payment_intent(intent_id: str):
    return _call(client().v1.payment_intents.retrieve, intent_id)


def attach_and_confirm(intent_id: str, payment_method_id: str):
    """Confirm a PaymentIntent with a payment method made by Stripe.js in the buyer's browser."""
    _call(
        client().v1.payment_intents.update, intent_id, params={"payment_method": payment_method_id}
    )
    return _call(client().v1.payment_intents.confirm, intent_id)


def cancel_payment_intent(intent_id: str):
    return _call(client().v1.payment_intents.cancel, intent_id)


def create_refund(*, intent_id: str, amount: Decimal, reference: str, order_number: str):
    return _call(
        client().v1.refunds.create,
        params={
            "payment_intent": intent_id,
            "amount": to_fen(amount),
            "metadata": {"order_number": order_number, "reference": reference},
        },
        options={"idempotency_key": reference},
    )


class InvalidSignature(ValueError):
    """A webhook whose ``Stripe-Signature`` does not hold: not from Stripe, or too old."""


class MalformedEvent(ValueError):
    """A webhook body that is not a Stripe event the store can keep; the message says why and
    holds nothing of the body (it may carry a buyer's details)."""


def construct_event(payload: bytes, signature: str | None):
    """Verify ``Stripe-Signature`` over the raw body, then parse it: the JSON value as sent,
    whatever its shape (``services.check_event`` says whether it is an event we can keep).

    ``InvalidSignature`` when the signature does not hold, ``MalformedEvent`` when the body is not
    UTF-8 JSON (Stripe signs the body as text; one that is not text cannot be verified at all).
    """
    try:
        text = payload.decode("utf-8") if isinstance(payload, bytes | bytearray) else payload
    except UnicodeDecodeError as error:
        raise MalformedEvent("the body is not UTF-8 text") from error
    try:
        stripe.WebhookSignature.verify_header(
            text, signature, settings.STRIPE_WEBHOOK_SECRET, settings.STRIPE_WEBHOOK_TOLERANCE
        )
    except stripe.SignatureVerificationError as error:
        raise InvalidSignature(str(error)) from error
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as error:  # (RecursionError: nested past Python's limit)
        raise MalformedEvent("the body is not JSON") from error
