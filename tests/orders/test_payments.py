"""Paying through Stripe (a real localstripe server): the webhook, not the browser, makes an order
paid; signatures are checked; repeats and late events change nothing twice; declines, timeouts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model

from cooperatives.models import BenefitEntry
from orders import statuses
from orders.payments import events, intents, refunds
from orders.payments.models import PaymentIntentRecord, Refund, WebhookEvent
from tests.factories import MembershipFactory, make_order, make_product

from .stripe_support import DECLINED_CARD, confirm, deliver, events_for, stripe_get

pytestmark = pytest.mark.django_db

OrderStatusChange = get_model("order", "OrderStatusChange")


@pytest.fixture
def carrots(cooperative):
    MembershipFactory(cooperative=cooperative)
    MembershipFactory(cooperative=cooperative)
    return make_product(cooperative, title="察右中旗胡萝卜 5斤装", price="29.90", num_in_stock=10)


@pytest.fixture
def order(carrots, consumer, client, stripe_server):
    client.force_login(consumer)
    return make_order([(carrots, 2)], user=consumer)


def succeeded_event(order):
    intent = order.intents.get()
    [event] = events_for(intent.intent_id, "payment_intent.succeeded")
    return event


def test_order_is_paid_when_the_webhook_arrives_not_when_the_browser_returns(
    client, order, django_capture_on_commit_callbacks
):
    assert order.status == statuses.PENDING_PAYMENT
    response = confirm(client, order)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "succeeded"
    order.refresh_from_db()
    assert order.status == statuses.PENDING_PAYMENT  # the browser's word is not enough

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(client, succeeded_event(order)).status_code == 200

    order.refresh_from_db()
    assert order.status == statuses.PAID
    source = order.sources.get()
    intent = order.intents.get()
    assert source.reference == intent.intent_id
    assert source.amount_debited == order.total_incl_tax == Decimal("59.80")
    assert order.payment_events.get().event_type.code == "paid"
    assert BenefitEntry.objects.filter(order_line__order=order).count() == 2
    [email] = mail.outbox
    assert "订单已付款" in email.subject and order.number in email.subject
    assert "察右中旗胡萝卜" in email.body
    assert email.to == [order.user.email]


def test_the_paid_page_polls_until_the_webhook_has_arrived(client, order):
    confirm(client, order)
    done = reverse("payments:done", kwargs={"number": order.number})
    page = client.get(done).content.decode()
    assert 'data-state="processing"' in page and "等待" in page
    status = reverse("payments:status", kwargs={"number": order.number})
    assert client.get(status).json()["state"] == "processing"


def test_a_bad_or_missing_signature_is_refused_and_changes_nothing(client, order):
    confirm(client, order)
    event = succeeded_event(order)
    url = reverse("payments:stripe-webhook")
    assert client.post(url, data=event, content_type="application/json").status_code == 400
    assert deliver(client, event, secret="whsec_someone_else").status_code == 400
    stale = int((timezone.now() - timedelta(minutes=6)).timestamp())
    assert deliver(client, event, timestamp=stale).status_code == 400
    response = client.post(
        url,
        data=b'{"id": "evt_forged", "type": "payment_intent.succeeded"}',
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE="t=1,v1=" + "0" * 64,
    )
    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == statuses.PENDING_PAYMENT
    assert not WebhookEvent.objects.exists()
    assert not order.sources.exists()


def test_the_same_event_ten_times_changes_the_order_once(
    client, order, django_capture_on_commit_callbacks
):
    confirm(client, order)
    event = succeeded_event(order)
    mail.outbox.clear()
    for _ in range(10):
        with django_capture_on_commit_callbacks(execute=True):
            assert deliver(client, event).status_code == 200
    order.refresh_from_db()
    assert order.status == statuses.PAID
    assert WebhookEvent.objects.count() == 1
    assert order.sources.count() == 1 and order.payment_events.count() == 1
    assert OrderStatusChange.objects.filter(order=order).count() == 1
    assert BenefitEntry.objects.filter(order_line__order=order).count() == 2
    assert len(mail.outbox) == 1


def test_a_failed_attempt_reported_after_success_does_not_unpay(
    client, order, django_capture_on_commit_callbacks
):
    declined = confirm(client, order, number=DECLINED_CARD)
    assert declined.status_code == 402
    assert declined.json()["error"]
    first = order.intents.get()
    assert first.status == intents.FAILED
    [failed_event] = events_for(first.intent_id, "payment_intent.payment_failed")

    assert confirm(client, order).json()["status"] == "succeeded"  # a new intent, attempt 2
    second = order.intents.get(attempt=2)
    [succeeded] = events_for(second.intent_id, "payment_intent.succeeded")
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, succeeded)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, failed_event)  # late, out of order
    order.refresh_from_db()
    assert order.status == statuses.PAID
    assert order.sources.get().reference == second.intent_id
    assert not Refund.objects.exists()


def test_a_declined_card_leaves_the_order_payable_with_a_fresh_intent(client, order):
    response = confirm(client, order, number=DECLINED_CARD)
    assert response.status_code == 402
    order.refresh_from_db()
    assert order.status == statuses.PENDING_PAYMENT
    page = client.get(reverse("payments:pay", kwargs={"number": order.number}))
    assert page.status_code == 200
    assert order.intents.count() == 2
    assert order.intents.get(attempt=2).client_secret in page.content.decode()


def test_another_buyer_cannot_open_or_pay_the_order(client, order):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    pay = reverse("payments:pay", kwargs={"number": order.number})
    assert client.get(pay).status_code == 404
    status = reverse("payments:status", kwargs={"number": order.number})
    assert client.get(status).status_code == 404
    assert not order.intents.exists()


def test_unpaid_orders_are_cancelled_after_the_timeout_and_their_stock_released(
    client, order, carrots
):
    client.get(reverse("payments:pay", kwargs={"number": order.number}))
    stock = carrots.stockrecords.get()
    assert stock.num_allocated == 2

    assert intents.cancel_abandoned_orders() == []  # not yet: 30 minutes
    later = timezone.now() + timedelta(minutes=31)
    assert intents.cancel_abandoned_orders(now=later) == [str(order.number)]

    order.refresh_from_db()
    stock.refresh_from_db()
    assert order.status == statuses.CANCELLED
    assert stock.num_allocated == 0
    intent = order.intents.get()
    assert intent.status == "canceled"
    assert stripe_get(f"/v1/payment_intents/{intent.intent_id}")["status"] == "canceled"
    assert intents.cancel_abandoned_orders(now=later) == []  # nothing twice


def test_the_sweep_pays_an_order_whose_webhook_is_late(client, order):
    confirm(client, order)  # paid at Stripe; the webhook has not come
    later = timezone.now() + timedelta(minutes=31)
    assert intents.cancel_abandoned_orders(now=later) == []
    order.refresh_from_db()
    assert order.status == statuses.PAID


def test_a_payment_that_succeeds_after_cancellation_is_refunded_automatically(
    client, order, carrots, django_capture_on_commit_callbacks
):
    client.get(reverse("payments:pay", kwargs={"number": order.number}))
    intents.cancel_abandoned_orders(now=timezone.now() + timedelta(minutes=31))
    order.refresh_from_db()
    assert order.status == statuses.CANCELLED

    # A second tab had an intent of its own that the sweep never saw, and the buyer paid it.
    from orders.payments import client as gateway

    stray = gateway.create_payment_intent(
        amount=order.total_incl_tax, currency="CNY", order_number=order.number, attempt=9
    )
    PaymentIntentRecord.objects.create(
        order=order,
        intent_id=stray["id"],
        client_secret=stray["client_secret"],
        attempt=9,
        amount=order.total_incl_tax,
        status=stray["status"],
    )
    from .stripe_support import card_payment_method

    gateway.attach_and_confirm(stray["id"], card_payment_method())
    [event] = events_for(stray["id"], "payment_intent.succeeded")
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, event)
        deliver(client, {**event, "id": event["id"] + "_retry"})

    order.refresh_from_db()
    assert order.status == statuses.CANCELLED
    refund = Refund.objects.get(order=order)
    assert refund.automatic and refund.status == Refund.Status.REFUNDED
    assert refund.amount == Decimal("59.80")
    [at_stripe] = stripe_get("/v1/refunds", payment_intent=stray["id"])["data"]
    assert at_stripe["id"] == refund.stripe_refund_id and at_stripe["amount"] == 5980
    assert carrots.stockrecords.get().num_allocated == 0  # stock stays released
    assert order.notes.filter(message__contains="已自动退款").exists()


def test_placing_an_order_the_shop_cannot_fill_allocates_nothing(cooperative, consumer):
    from oscar.apps.order.exceptions import UnableToPlaceOrder

    carrots = make_product(cooperative, title="胡萝卜", num_in_stock=3)
    oats = make_product(cooperative, title="燕麦", num_in_stock=1)
    make_order([(oats, 1)])
    with pytest.raises(UnableToPlaceOrder, match="燕麦"):
        make_order([(carrots, 2), (oats, 1)], user=consumer)
    assert carrots.stockrecords.get().num_allocated in (0, None)
    assert oats.stockrecords.get().num_allocated == 1
    assert not consumer.orders.exists()


# --- Refunds -----------------------------------------------------------------------------------


@pytest.fixture
def paid_order(client, cooperative, consumer, stripe_server, django_capture_on_commit_callbacks):
    """A paid two-line order: 2 bags of carrots and 3 of oats, with member households."""
    MembershipFactory(cooperative=cooperative)
    MembershipFactory(cooperative=cooperative, weight=Decimal("2"))
    carrots = make_product(cooperative, title="胡萝卜 5斤装", price="29.90", num_in_stock=10)
    oats = make_product(cooperative, title="燕麦米", price="18.80", num_in_stock=10)
    client.force_login(consumer)
    order = make_order([(carrots, 2), (oats, 3)], user=consumer)
    confirm(client, order)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, succeeded_event(order))
    order.refresh_from_db()
    assert order.status == statuses.PAID
    return order


def ledger_sum(lines):
    return sum(
        BenefitEntry.objects.filter(order_line__in=lines).values_list("amount", flat=True),
        Decimal("0"),
    )


def test_a_full_refund_goes_through_stripe_reverses_the_ledger_and_returns_stock(
    paid_order, staff, django_capture_on_commit_callbacks
):
    lines = list(paid_order.lines.all())
    assert ledger_sum(lines) > 0
    mail.outbox.clear()
    refund = refunds.request_refund(
        paid_order, {line: line.quantity for line in lines}, user=staff, reason="买家取消"
    )
    with django_capture_on_commit_callbacks(execute=True):
        refunds.make_refund(refund, user=staff)

    paid_order.refresh_from_db()
    refund.refresh_from_db()
    assert paid_order.status == statuses.REFUNDED
    assert refund.status == Refund.Status.REFUNDED
    assert refund.amount == paid_order.total_incl_tax  # lines and, emptying the order, shipping
    intent = paid_order.sources.get().reference
    [at_stripe] = stripe_get("/v1/refunds", payment_intent=intent)["data"]
    assert at_stripe["id"] == refund.stripe_refund_id
    assert at_stripe["amount"] == int(paid_order.total_incl_tax * 100)
    assert ledger_sum(lines) == 0
    for line in lines:
        stock = line.stockrecord
        stock.refresh_from_db()
        assert stock.num_allocated == 0 and stock.num_in_stock == 10
    assert paid_order.sources.get().amount_refunded == paid_order.total_incl_tax
    [email] = mail.outbox
    assert "订单已退款" in email.subject
    with pytest.raises(refunds.RefundError):  # nothing left to refund
        refunds.request_refund(paid_order, {lines[0]: 1}, user=staff)


def test_a_line_refund_leaves_the_rest_of_the_order_paid(paid_order, staff):
    carrots, oats = paid_order.lines.order_by("pk")
    refund = refunds.request_refund(paid_order, {oats: 3}, user=staff)
    assert refund.amount == Decimal("56.40")  # no shipping: the order is not wholly refunded
    refunds.make_refund(refund, user=staff)
    paid_order.refresh_from_db()
    oats.refresh_from_db()
    assert paid_order.status == statuses.PAID
    assert oats.status == statuses.REFUNDED
    assert ledger_sum([oats]) == 0 and ledger_sum([carrots]) > 0
    assert oats.stockrecord.num_allocated == 0
    carrots.stockrecord.refresh_from_db()
    assert carrots.stockrecord.num_allocated == 2


def test_partial_quantities_add_up_to_a_full_reversal(paid_order, staff):
    _carrots, oats = paid_order.lines.order_by("pk")
    for _ in range(3):
        refunds.make_refund(refunds.request_refund(paid_order, {oats: 1}, user=staff), user=staff)
    assert ledger_sum([oats]) == 0
    with pytest.raises(refunds.RefundError, match="0"):
        refunds.request_refund(paid_order, {oats: 1}, user=staff)


def test_a_refund_request_for_too_much_changes_nothing(paid_order, staff):
    carrots, _oats = paid_order.lines.order_by("pk")
    with pytest.raises(refunds.RefundError):
        refunds.request_refund(paid_order, {carrots: 5}, user=staff)
    with pytest.raises(refunds.RefundError):
        refunds.request_refund(paid_order, {}, user=staff)
    assert not Refund.objects.exists()


def test_making_the_same_refund_twice_refunds_once(paid_order, staff):
    carrots, _oats = paid_order.lines.order_by("pk")
    refund = refunds.request_refund(paid_order, {carrots: 1}, user=staff)
    refunds.make_refund(refund, user=staff)
    refunds.make_refund(refund, user=staff)
    intent = paid_order.sources.get().reference
    assert len(stripe_get("/v1/refunds", payment_intent=intent)["data"]) == 1
    assert paid_order.payment_events.filter(event_type__code="refunded").count() == 1


def test_unit_refunds_of_a_discounted_line_add_up_to_what_was_paid():
    from oscar.core.loading import get_model

    line = get_model("order", "Line")(quantity=3, line_price_incl_tax=Decimal("88.70"))
    refunded_units, refunded = 0, Decimal("0.00")
    for _ in range(3):
        item = refunds.RefundableLine(line, refunded_units, refunded)
        amount = refunds.line_refund_amount(item, 1)
        refunded_units, refunded = refunded_units + 1, refunded + amount
    assert refunded == Decimal("88.70")


def test_the_shares_are_posted_with_the_payment_and_a_refund_nets_them_to_zero(
    client, order, staff, cooperative
):
    """Paid and posted are one step (orders.services.mark_paid): no refund can come between
    them (one used to, when a task posted the shares after the payment's commit)."""
    confirm(client, order)
    events.sync_intent(order.intents.get().intent_id)  # no task runs in this test
    order.refresh_from_db()
    assert order.status == statuses.PAID
    assert BenefitEntry.objects.filter(order_line__order=order).exists()
    line = order.lines.get()
    refunds.make_refund(refunds.request_refund(order, {line: 2}, user=staff), user=staff)
    entries = BenefitEntry.objects.filter(order_line__order=order)
    assert entries.exists()
    assert sum(entries.values_list("amount", flat=True)) == 0


def test_a_redelivered_event_whose_task_was_lost_is_processed(
    client, order, django_capture_on_commit_callbacks
):
    confirm(client, order)
    event = succeeded_event(order)
    deliver(client, event)  # stored; its task never ran (lost)
    assert WebhookEvent.objects.get().processed is None
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(client, event).json()["duplicate"] is True
    order.refresh_from_db()
    assert order.status == statuses.PAID
    assert WebhookEvent.objects.get().outcome == "paid"


def test_one_broken_order_does_not_stop_the_sweep(cooperative, consumer, stripe_server):
    oats = make_product(cooperative, title="燕麦米")
    carrots = make_product(cooperative, title="胡萝卜")
    broken = make_order([(oats, 1)], user=consumer)
    fine = make_order([(carrots, 1)], user=consumer)
    broken.lines.update(stockrecord=None)  # e.g. a stock record removed meanwhile
    later = timezone.now() + timedelta(minutes=31)
    cancelled = intents.cancel_abandoned_orders(now=later)
    assert str(fine.number) in cancelled
    fine.refresh_from_db()
    assert fine.status == statuses.CANCELLED
    assert carrots.stockrecords.get().num_allocated == 0
