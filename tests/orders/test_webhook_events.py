"""Stripe webhooks that are signed but malformed are refused with a 400 and the reason, store
nothing and are logged without the body; whatever was stored, the Celery side always ends with an
outcome instead of retrying for ever."""

import json
import logging

import pytest
from django.urls import reverse

from orders.payments import events
from orders.payments.models import PaymentIntentRecord, WebhookEvent
from orders.payments.tasks import process_webhook_event
from tests.factories import make_order, make_product

from .stripe_support import signature

pytestmark = pytest.mark.django_db

BUYER_EMAIL = "wang.fang@example.com"  # personal data a real event carries: never logged


def event(**overrides):
    """A well-formed payment_intent event (for an intent that is not the store's)."""
    body = {
        "id": "evt_1QmalformedTest",
        "object": "event",
        "type": "payment_intent.succeeded",
        "data": {"object": {"id": "pi_1QnotOurs", "receipt_email": BUYER_EMAIL}},
    }
    body.update(overrides)
    return body


def post_signed(client, payload: bytes):
    return client.post(
        reverse("payments:stripe-webhook"),
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature(payload),
    )


def encoded(value) -> bytes:
    return json.dumps(value).encode()


MALFORMED = {
    "no id": encoded({k: v for k, v in event().items() if k != "id"}),
    "id not a string": encoded(event(id=12345)),
    "id not an event id": encoded(event(id="pi_1QnotAnEvent")),
    "type not a string": encoded(event(type=["payment_intent.succeeded"])),
    "data missing": encoded({k: v for k, v in event().items() if k != "data"}),
    "data not an object": encoded(event(data="pi_1QnotOurs")),
    "data.object a list": encoded(event(data={"object": [{"id": "pi_1QnotOurs"}]})),
    "data.object missing": encoded(event(data={"previous_attributes": {}})),
    "intent without an id": encoded(event(data={"object": {"receipt_email": BUYER_EMAIL}})),
    "intent id not a string": encoded(event(data={"object": {"id": {"id": "pi_1Q"}}})),
    "intent id of another kind": encoded(event(data={"object": {"id": "ch_1QaCharge"}})),
    "thin v2 notification": encoded(event(object="v2.core.event")),
    "body a JSON array": encoded([event()]),
    "body a JSON string": encoded("evt_1QmalformedTest"),
    "body JSON null": b"null",
    "body not JSON": b'{"id": "evt_1Q", ' + BUYER_EMAIL.encode(),
    "body not UTF-8": b'{"id": "evt_1Q\xff\xfe"}',
    "body nested past the parser's limit": b"[" * 100_000 + b"]" * 100_000,
}


@pytest.mark.parametrize("payload", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_signed_but_malformed_event_is_refused_stored_nowhere_and_logged(client, caplog, payload):
    with caplog.at_level(logging.WARNING, logger="orders.payments"):
        response = post_signed(client, payload)
    assert response.status_code == 400
    reason = response.json()["error"]
    assert reason.startswith("malformed event: ") and len(reason) > len("malformed event: ")
    assert not WebhookEvent.objects.exists()
    [record] = [r for r in caplog.records if r.name == "orders.payments.views"]
    assert record.levelno == logging.WARNING
    assert "malformed" in record.getMessage()
    assert BUYER_EMAIL not in record.getMessage() and BUYER_EMAIL not in reason


def test_the_reason_names_what_is_wrong(client):
    response = post_signed(client, encoded(event(data={"object": []})))
    assert response.json() == {"error": 'malformed event: "data.object" is not an object'}


def test_a_bad_signature_is_still_told_apart_from_a_malformed_body(client):
    payload = encoded([event()])
    response = client.post(
        reverse("payments:stripe-webhook"),
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature(payload, secret="whsec_someone_else"),
    )
    assert response.status_code == 400
    assert response.json() == {"error": "invalid signature"}
    assert not WebhookEvent.objects.exists()


def test_well_formed_events_we_do_not_act_on_are_stored_and_closed(
    client, django_capture_on_commit_callbacks
):
    """A type the store ignores, an object without an id (a balance), an intent not ours: 200."""
    bodies = [
        event(),
        event(id="evt_1Qbalance", type="balance.available", data={"object": {"object": "x"}}),
        event(id="evt_1Qcoupon", type="coupon.created", data={"object": {"id": "SPRING_25"}}),
    ]
    for body in bodies:
        with django_capture_on_commit_callbacks(execute=True):
            assert post_signed(client, encoded(body)).status_code == 200
    outcomes = dict(WebhookEvent.objects.values_list("event_id", "outcome"))
    assert outcomes == {
        "evt_1QmalformedTest": "ignored: not one of ours",
        "evt_1Qbalance": "ignored",
        "evt_1Qcoupon": "ignored",
    }
    assert not WebhookEvent.objects.filter(processed__isnull=True).exists()


# --- The asynchronous side: every stored event ends with an outcome ---------------------------


@pytest.mark.parametrize(
    ("type_", "object_id", "outcome"),
    [
        # What the view stored before its shape was checked: str() of whatever came.
        ("payment_intent.succeeded", "{'id': 'pi_1Q'}", "ignored: not one of ours"),
        ("payment_intent.succeeded", "", "ignored: no object"),
        ("['payment_intent.succeeded']", "pi_1Q", "ignored"),
        ("invoice.paid", "in_1Q", "ignored"),
    ],
)
def test_an_odd_stored_event_is_closed_with_an_outcome(type_, object_id, outcome):
    row = WebhookEvent.objects.create(event_id="evt_old", type=type_, object_id=object_id)
    assert process_webhook_event.delay(row.pk).get() == outcome
    row.refresh_from_db()
    assert row.processed is not None and row.outcome == outcome


def test_an_event_whose_row_is_gone_is_not_retried():
    assert process_webhook_event.delay(987654).get() == "gone"


def test_an_intent_stripe_does_not_know_is_recorded_not_retried(
    cooperative, consumer, stripe_server, caplog
):
    """One of our intents that Stripe answers "no such payment_intent" for (e.g. made with
    another account's key): asking again would get the same answer, so it is recorded."""
    order = make_order([(make_product(cooperative), 1)], user=consumer)
    PaymentIntentRecord.objects.create(
        order=order,
        intent_id="pi_1QunknownToStripe",
        client_secret="pi_1QunknownToStripe_secret_x",
        amount=order.total_incl_tax,
        status="requires_payment_method",
    )
    row = WebhookEvent.objects.create(
        event_id="evt_1Qlate", type="payment_intent.succeeded", object_id="pi_1QunknownToStripe"
    )
    with caplog.at_level(logging.ERROR, logger="orders.payments"):
        assert process_webhook_event.delay(row.pk).get() == "failed: RequestRefused"
    row.refresh_from_db()
    assert row.processed is not None
    assert not events.unprocessed_events(older_than_seconds=-60).exists()  # the sweep skips it
    assert any("evt_1Qlate" in r.getMessage() for r in caplog.records)
    order.refresh_from_db()
    assert order.status == "待付款"


def test_an_outage_is_still_retried(cooperative, consumer, settings):
    """Stripe unreachable is not a verdict on the event: it is raised for the task to retry."""
    from oscar.apps.payment.exceptions import PaymentError

    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    order = make_order([(make_product(cooperative), 1)], user=consumer)
    PaymentIntentRecord.objects.create(
        order=order,
        intent_id="pi_1Qoutage",
        client_secret="pi_1Qoutage_secret_x",
        amount=order.total_incl_tax,
        status="processing",
    )
    row = WebhookEvent.objects.create(
        event_id="evt_1Qoutage", type="payment_intent.succeeded", object_id="pi_1Qoutage"
    )
    with pytest.raises(PaymentError):
        events.process_event(row.pk)
    row.refresh_from_db()
    assert row.processed is None  # the sweep queues it again
