"""Talking to the localstripe server the way Stripe.js and Stripe's webhooks do.

Nothing here imitates Stripe: payment methods are made on localstripe with the publishable key
(as Stripe.js does in the browser) and events are localstripe's own, read back from its API. Only
the webhook signature is computed here, to Stripe's published scheme (HMAC-SHA256 over
``timestamp.payload``), so that a test can deliver an event again, late, or tampered with.
"""

import hashlib
import hmac
import json
import time

import requests
from django.conf import settings
from django.urls import reverse

TEST_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000341"  # attaches, then the charge is declined


def card_payment_method(number=TEST_CARD) -> str:
    response = requests.post(
        f"{settings.STRIPE_API_BASE}/v1/payment_methods",
        json={
            "key": settings.STRIPE_PUBLISHABLE_KEY,
            "type": "card",
            "card": {"number": number, "exp_month": "12", "exp_year": "2034", "cvc": "123"},
        },
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["id"]


def stripe_get(path, **params):
    response = requests.get(
        f"{settings.STRIPE_API_BASE}{path}",
        params=params,
        auth=(settings.STRIPE_SECRET_KEY, ""),
        timeout=10,
    )
    response.raise_for_status()
    return response.json()


def events_for(intent_id, type_=None) -> list[dict]:
    """localstripe's events about one PaymentIntent, oldest first."""
    events = stripe_get("/v1/events", limit=100, **({"type": type_} if type_ else {}))["data"]
    mine = [e for e in events if e["data"]["object"].get("id") == intent_id]
    return sorted(mine, key=lambda e: e["created"])


def signature(payload: bytes, secret=None, timestamp=None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    secret = secret or settings.STRIPE_WEBHOOK_SECRET
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def deliver(client, event: dict, **signing):
    payload = json.dumps(event).encode()
    return client.post(
        reverse("payments:stripe-webhook"),
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature(payload, **signing),
    )


def confirm(client, order, number=TEST_CARD):
    """What the payment page does: open it, make a card payment method, confirm with it."""
    page = client.get(reverse("payments:pay", kwargs={"number": order.number}))
    assert page.status_code == 200
    return client.post(
        reverse("payments:confirm", kwargs={"number": order.number}),
        data=json.dumps({"payment_method": card_payment_method(number)}),
        content_type="application/json",
    )


def pay(order):
    """Pay an order end to end as its buyer would: card on the payment page, then the webhook.

    Run on-commit callbacks (the webhook's Celery task) with django_capture_on_commit_callbacks
    in tests that are not transactional."""
    from django.test import Client

    buyer = Client()
    buyer.force_login(order.user)
    assert confirm(buyer, order).status_code == 200
    intent = order.intents.order_by("-attempt").first()
    [event] = events_for(intent.intent_id, "payment_intent.succeeded")
    assert deliver(buyer, event).status_code == 200
