"""Live "buy now" for a signed-in buyer with a saved address: one request, order placed, the
payment form in the answer; a double tap is one order; sold out is a clear refusal."""

import uuid
from datetime import timedelta

import pytest
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse
from oscar.core.loading import get_model

from livestream import services
from livestream.models import LineAttribution
from orders import statuses
from tests.conftest import configure_celery
from tests.factories import PASSWORD, UserFactory, saved_address

pytestmark = pytest.mark.django_db

Order = get_model("order", "Order")
StockRecord = get_model("partner", "StockRecord")


@pytest.fixture
def buyer(china):
    user = UserFactory()
    saved_address(user, china)
    return user


def buy(client, live, token=None):
    item = live.items.get()
    data = {"submission_token": str(token)} if token else {}
    return client.post(
        reverse("livestream:buy-now", kwargs={"pk": live.pk, "item_pk": item.pk}), data
    )


def test_one_request_places_the_order_at_the_live_price_and_shows_the_payment_form(
    client, buyer, live, carrots, stripe_server
):
    services.pin(live.items.get())
    assert client.login(request=HttpRequest(), username=buyer.email, password=PASSWORD)
    response = buy(client, live, uuid.uuid4())

    assert response.status_code == 200
    order = Order.objects.get(user=buyer)
    page = response.content.decode()
    assert 'id="payment-form"' in page
    assert reverse("payments:pay", kwargs={"number": order.number}) in page  # its own URL
    assert order.status == statuses.PENDING_PAYMENT
    assert str(order.total_incl_tax) == "19.90"  # the live price, free shipping
    assert order.shipping_address.line1 == "建国路 88 号 1 号楼 1201"
    assert str(order.shipping_address.phone_number).endswith("13800138000")
    line = order.lines.get()
    assert line.product == carrots and line.quantity == 1
    assert LineAttribution.objects.get(line=line).session == live
    intent = order.intents.get()
    assert intent.client_secret in page
    assert StockRecord.objects.get(product=carrots).num_allocated == 1


def test_a_double_tap_is_one_order(client, buyer, live, carrots, stripe_server):
    assert client.login(request=HttpRequest(), username=buyer.email, password=PASSWORD)
    token = uuid.uuid4()
    first = buy(client, live, token)
    second = buy(client, live, token)
    assert first.status_code == second.status_code == 200
    order = Order.objects.get(user=buyer)
    assert order.intents.count() == 1
    assert order.intents.get().client_secret in second.content.decode()
    assert StockRecord.objects.get(product=carrots).num_allocated == 1
    # a new tap (new token) is a new order
    buy(client, live, uuid.uuid4())
    assert Order.objects.filter(user=buyer).count() == 2


def test_a_double_tap_that_took_the_last_unit_is_that_order_not_sold_out(
    client, buyer, live, carrots, stripe_server
):
    """The two taps of a double tap race: one places the order with the last unit, the other
    then finds the product sold out. The buyer sees the answer to their last tap; it must be
    their order's payment form, not "sold out" for an order they have (the flash-sale bench
    caught one in a hundred such taps)."""
    StockRecord.objects.filter(product=carrots).update(num_in_stock=1, num_allocated=0)
    assert client.login(request=HttpRequest(), username=buyer.email, password=PASSWORD)
    token = uuid.uuid4()
    first = buy(client, live, token)
    second = buy(client, live, token)  # sold out now, but this tap is the first one's order
    order = Order.objects.get(user=buyer)
    assert first.status_code == second.status_code == 200
    assert reverse("payments:pay", kwargs={"number": order.number}) in second.content.decode()
    assert order.intents.count() == 1
    assert StockRecord.objects.get(product=carrots).num_allocated == 1
    # another tap (a new token) is refused: sold out
    third = buy(client, live, uuid.uuid4())
    assert third.status_code == 302 and Order.objects.count() == 1


def test_sold_out_is_refused_and_nothing_is_written(client, buyer, live, carrots, stripe_server):
    record = StockRecord.objects.get(product=carrots)
    record.num_in_stock = 0
    record.save()
    assert client.login(request=HttpRequest(), username=buyer.email, password=PASSWORD)
    response = buy(client, live, uuid.uuid4())
    assert response.status_code == 302
    assert response.url == reverse("livestream:detail", kwargs={"pk": live.pk})
    assert not Order.objects.exists()
    record.refresh_from_db()
    assert record.num_allocated in (0, None)


def test_a_limit_lowered_while_the_tap_is_placed_refuses_it_and_writes_nothing(
    client, buyer, live, carrots, monkeypatch
):
    """The claim reads the item's limit as it is when the order is placed (a host may have
    changed it since the tap's request read the item), as Oscar's deferred benefit does."""
    from django.contrib.messages import get_messages

    from livestream.models import CustomerQuota, QuotaClaim, SessionProduct
    from orders.checkout import express

    lean, calls = express.place_single_line_order, []
    monkeypatch.setattr(
        express, "place_single_line_order", lambda *a, **k: calls.append(1) or lean(*a, **k)
    )
    item = live.items.get()
    SessionProduct.objects.filter(pk=item.pk).update(per_customer_limit=2)
    assert client.login(request=HttpRequest(), username=buyer.email, password=PASSWORD)

    def host_lowers_the_limit(session, now=None):
        SessionProduct.objects.filter(pk=item.pk).update(per_customer_limit=0)
        return True

    monkeypatch.setattr(services, "attributable", host_lowers_the_limit)
    response = buy(client, live, uuid.uuid4())
    assert calls == [1]  # the flash-sale path's own claim, not Oscar's deferred benefit
    assert response.status_code == 302
    assert response.url == reverse("livestream:detail", kwargs={"pk": live.pk})
    assert not Order.objects.exists()
    assert not QuotaClaim.objects.exists()
    assert not CustomerQuota.objects.filter(units__gt=0).exists()
    assert StockRecord.objects.get(product=carrots).num_allocated in (0, None)
    refusals = [str(message) for message in get_messages(response.wsgi_request)]
    assert len(refusals) == 1 and carrots.title in refusals[0]


def test_without_a_saved_address_buy_now_goes_to_checkout(client, live, carrots):
    user = UserFactory()
    assert client.login(request=HttpRequest(), username=user.email, password=PASSWORD)
    response = buy(client, live, uuid.uuid4())
    assert response.url == reverse("checkout:index")
    assert not Order.objects.exists()


def test_a_guest_goes_to_checkout(client, live, carrots):
    response = buy(client, live)
    assert response.url == reverse("checkout:index")


def test_offer_and_purchase_counters_are_kept_after_commit(
    client, buyer, live, carrots, stripe_server, django_capture_on_commit_callbacks
):
    ProductRecord = get_model("analytics", "ProductRecord")
    assert client.login(request=HttpRequest(), username=buyer.email, password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        buy(client, live, uuid.uuid4())
        buy(client, live, uuid.uuid4())
    assert callbacks  # counted after commit, not inside the order's transaction
    live.offer.refresh_from_db()
    assert live.offer.num_orders == 2 and live.offer.num_applications == 2
    assert str(live.offer.total_discount) == "20.00"  # 2 × (29.90 − 19.90)
    assert ProductRecord.objects.get(product=carrots).num_purchases == 2


def test_after_commit_one_task_sends_the_order_email_and_counts_the_purchase(
    client, buyer, live, carrots, stripe_server, django_capture_on_commit_callbacks, monkeypatch
):
    """A flash sale's orders each cost the workers one message: the email and Oscar's counters."""
    from django.core import mail

    from orders.emails import after_order_placed

    ProductRecord = get_model("analytics", "ProductRecord")
    queued = []
    delay = after_order_placed.delay

    def counted(*args, **kwargs):
        queued.append((args, kwargs))
        return delay(*args, **kwargs)

    monkeypatch.setattr(after_order_placed, "delay", counted)
    assert client.login(request=HttpRequest(), username=buyer.email, password=PASSWORD)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        buy(client, live, uuid.uuid4())
    order = Order.objects.get(user=buyer)
    assert queued == [((order.pk,), {"confirmation": True})]
    [email] = mail.outbox
    assert "订单已提交" in email.subject and order.number in email.subject
    assert email.to == [buyer.email]
    assert ProductRecord.objects.get(product=carrots).num_purchases == 1

    after_order_placed.apply(args=(order.pk,), kwargs={"confirmation": True}, retries=1)
    assert len(mail.outbox) == 1  # a retried task sends no second email…
    assert ProductRecord.objects.get(product=carrots).num_purchases == 1  # …nor counts again


def test_a_failing_email_is_retried_without_counting_the_purchase_again(
    client, buyer, live, carrots, stripe_server, monkeypatch
):
    """The counters are recorded on the task's first attempt, whatever the email does; its
    retry (the mail server back) sends the email and counts nothing more."""
    from django.core import mail

    from orders import emails as tasks  # the lifecycle's after-commit tasks

    ProductRecord = get_model("analytics", "ProductRecord")
    assert client.login(request=HttpRequest(), username=buyer.email, password=PASSWORD)
    buy(client, live, uuid.uuid4())  # (its after-commit task does not run in this test)
    order = Order.objects.get(user=buyer)
    send = tasks.send_email_for

    def mail_server_down(order, code):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(tasks, "send_email_for", mail_server_down)
    with pytest.raises(Exception, match="mail server down"):
        tasks.after_order_placed.apply(args=(order.pk,), kwargs={"confirmation": True}, throw=True)
    assert ProductRecord.objects.get(product=carrots).num_purchases == 1

    monkeypatch.setattr(tasks, "send_email_for", send)
    mail.outbox.clear()
    tasks.after_order_placed.apply(args=(order.pk,), kwargs={"confirmation": True}, retries=1)
    assert len(mail.outbox) == 1
    assert ProductRecord.objects.get(product=carrots).num_purchases == 1


def test_an_order_placed_outside_a_buyers_checkout_gets_no_email(
    carrots, django_capture_on_commit_callbacks
):
    """The demo's order history (Oscar's OrderCreator called directly) is counted, not emailed."""
    from django.core import mail

    from tests.factories import make_order

    ProductRecord = get_model("analytics", "ProductRecord")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        make_order([(carrots, 2)], user=UserFactory())
    assert mail.outbox == []
    assert ProductRecord.objects.get(product=carrots).num_purchases == 2


def test_the_buyers_own_basket_is_left_as_it_is(client, buyer, live, carrots, oats, stripe_server):
    Basket = get_model("basket", "Basket")
    assert client.login(request=HttpRequest(), username=buyer.email, password=PASSWORD)
    client.post(reverse("basket:add", kwargs={"pk": oats.pk}), {"quantity": 2})
    response = buy(client, live, uuid.uuid4())
    assert response.status_code == 200
    assert [(line.product, line.quantity) for line in Order.objects.get().lines.all()] == [
        (carrots, 1)
    ]
    basket = Basket.open.get(owner=buyer)
    assert [(line.product, line.quantity) for line in basket.all_lines()] == [(oats, 2)]


def test_the_rows_every_buyer_needs_are_written_last(client, buyer, live, carrots, stripe_server):
    """The stock record and the live quota are locked from their UPDATE until commit: the order,
    its lines, discounts and attribution are all written before them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert client.login(request=HttpRequest(), username=buyer.email, password=PASSWORD)
    with CaptureQueriesContext(connection) as captured:
        assert buy(client, live, uuid.uuid4()).status_code == 200
    sql = [q["sql"] for q in captured.captured_queries]
    hot = [
        i
        for i, q in enumerate(sql)
        if q.startswith("UPDATE")
        and (
            '"partner_stockrecord"' in q.split("SET")[0]
            or '"livestream_sessionproduct"' in q.split("SET")[0]
        )
    ]
    writes = [
        i
        for i, q in enumerate(sql)
        if q.startswith("INSERT INTO")
        and ('"order_' in q.split("(")[0] or '"livestream_' in q.split("(")[0])
        and '"payments_' not in q
    ]
    assert len(hot) == 2 and writes
    assert max(writes) < min(hot), "an order row was written after the hot rows were locked"


# --- The flash-sale path writes what Oscar's would ----------------------------------------------


def _with_address(user, china):
    saved_address(user, china)
    return user


def _rows(order):
    """Everything placing ``order`` wrote, without what differs between any two orders."""
    from django.forms.models import model_to_dict

    from livestream.models import BasketAdd, CustomerQuota, QuotaClaim

    skip = {"id", "order", "line", "number", "basket", "user", "submission_token", "date_placed"}

    def plain(obj, *more):
        return {k: v for k, v in model_to_dict(obj).items() if k not in skip | set(more)}

    line = order.lines.get()
    claims = list(QuotaClaim.objects.filter(order=order).values_list("item_id", "units"))
    return {
        "order": plain(order, "shipping_address"),
        "shipping_address": plain(order.shipping_address, "search_text"),
        "line": plain(line),
        "prices": [plain(p) for p in line.prices.all()],
        "discounts": [plain(d) for d in order.discounts.all()],
        "line_discounts": [plain(d, "order_discount") for d in line.discounts.all()],
        "attributed_to": getattr(
            LineAttribution.objects.filter(line=line).first(), "session_id", 0
        ),
        "funnel_adds": BasketAdd.objects.filter(basket_id=order.basket_id).count(),
        "claims": claims,
        "customer_units": list(
            CustomerQuota.objects.filter(customer=f"user:{order.user_id}").values_list(
                "item_id", "units"
            )
        ),
    }


@pytest.mark.parametrize(
    "situation", ["live price", "quota used up", "buyer's limit reached", "no live price"]
)
def test_the_flash_sale_path_writes_what_oscars_order_creator_writes(
    situation, live, carrots, china, stripe_server, monkeypatch
):
    from livestream.models import CustomerQuota
    from orders.checkout import express

    item = live.items.get()
    if situation == "quota used up":
        live.items.update(quota_used=item.quota)
    elif situation == "no live price":
        live.items.update(live_price=None)
    lean_buyer = _with_address(UserFactory(email="lean@example.com"), china)
    oscar_buyer = _with_address(UserFactory(email="oscar@example.com"), china)
    if situation == "buyer's limit reached":
        for user in (lean_buyer, oscar_buyer):
            CustomerQuota.objects.create(item=item, customer=f"user:{user.pk}", units=2)
    placed = {}
    lean = express.place_single_line_order
    calls = []
    monkeypatch.setattr(
        express, "place_single_line_order", lambda *a, **k: calls.append(1) or lean(*a, **k)
    )
    for name, user in (("lean", lean_buyer), ("oscar", oscar_buyer)):
        if name == "oscar":
            monkeypatch.setattr(express, "only_offer_running", lambda *a, **k: False)
        client = Client()
        client.force_login(user)
        assert buy(client, live, uuid.uuid4()).status_code == 200
        placed[name] = Order.objects.get(user=user)
    assert len(calls) == 1  # the lean path placed the first order, Oscar's the second
    lean_rows, oscar_rows = _rows(placed["lean"]), _rows(placed["oscar"])
    for rows in (lean_rows, oscar_rows):  # each buyer's own customer key
        rows["customer_units"] = sorted(units for _item, units in rows["customer_units"])
    assert lean_rows == oscar_rows
    expected = "19.90" if situation == "live price" else "29.90"
    assert str(placed["lean"].total_incl_tax) == expected


def test_another_running_offer_sends_buy_now_through_oscars_offers(
    live, carrots, china, stripe_server, monkeypatch
):
    """A store-wide 10 % off besides the live price: only Oscar's offers know how the two
    combine, so the flash-sale path steps aside and the order has both."""
    from orders.checkout import express

    Range = get_model("offer", "Range")
    Condition = get_model("offer", "Condition")
    Benefit = get_model("offer", "Benefit")
    ConditionalOffer = get_model("offer", "ConditionalOffer")
    everything = Range.objects.create(name="全场", includes_all_products=True)
    ConditionalOffer.objects.create(
        name="全场九折",
        offer_type=ConditionalOffer.SITE,
        priority=200,
        condition=Condition.objects.create(range=everything, type=Condition.COUNT, value=1),
        benefit=Benefit.objects.create(range=everything, type=Benefit.PERCENTAGE, value=10),
    )
    monkeypatch.setattr(
        express, "place_single_line_order", lambda *a, **k: pytest.fail("flash-sale path used")
    )
    client = Client()
    client.force_login(_with_address(UserFactory(), china))
    assert buy(client, live, uuid.uuid4()).status_code == 200
    order = Order.objects.get()
    assert {d.offer_name for d in order.discounts.all()} >= {"全场九折"}
    assert order.total_incl_tax < order.lines.get().line_price_before_discounts_incl_tax


def _ten_percent_off_everything(**dates):
    Range = get_model("offer", "Range")
    Condition = get_model("offer", "Condition")
    Benefit = get_model("offer", "Benefit")
    ConditionalOffer = get_model("offer", "ConditionalOffer")
    everything = Range.objects.create(name="全场", includes_all_products=True)
    return ConditionalOffer.objects.create(
        name="全场九折",
        offer_type=ConditionalOffer.SITE,
        priority=200,
        condition=Condition.objects.create(range=everything, type=Condition.COUNT, value=1),
        benefit=Benefit.objects.create(range=everything, type=Benefit.PERCENTAGE, value=10),
        **dates,
    )


def test_an_offer_added_during_the_sale_prices_the_next_tap(
    client, buyer, live, carrots, stripe_server
):
    """The flash-sale path's "no other offer" answer is cached for the sale's taps: an offer
    saved in the dashboard (or the admin) ends that at once."""
    client.force_login(buyer)
    assert buy(client, live, uuid.uuid4()).status_code == 200
    first = Order.objects.get()
    assert {d.offer_name for d in first.discounts.all()} == {live.offer.name}
    _ten_percent_off_everything()
    assert buy(client, live, uuid.uuid4()).status_code == 200
    second = Order.objects.exclude(pk=first.pk).get()
    assert {d.offer_name for d in second.discounts.all()} >= {"全场九折"}  # Oscar priced it


def test_the_cached_answer_ends_when_an_offer_starts_by_its_dates(live):
    """An offer that starts by its dates sends no signal: the answer is kept no longer than
    until it starts."""
    import time

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from orders.checkout import express

    starts = timezone.now() + timedelta(seconds=2)
    _ten_percent_off_everything(start_datetime=starts)
    assert express.only_offer_running(live.offer, key="product-1")
    with CaptureQueriesContext(connection) as again:
        assert express.only_offer_running(live.offer, key="product-1")
    assert len(again) == 0  # from the cache
    time.sleep((starts - timezone.now()).total_seconds() + 0.1)
    assert not express.only_offer_running(live.offer, key="product-1")


def test_a_flash_sale_buy_now_is_a_short_list_of_queries(
    client, buyer, live, carrots, stripe_server, django_assert_max_num_queries
):
    assert client.login(request=HttpRequest(), username=buyer.email, password=PASSWORD)
    buy(client, live, uuid.uuid4())  # the first order makes the buyer's basket and counters
    with django_assert_max_num_queries(27):
        assert buy(client, live, uuid.uuid4()).status_code == 200


def test_a_taxed_price_sends_buy_now_through_oscars_offers(
    live, carrots, china, stripe_server, monkeypatch
):
    """The flash-sale path takes a discount off the price as it is; with tax, only Oscar's lines
    know how a discount splits between tax and price, so they place it."""
    from decimal import Decimal

    from oscar.apps.partner import strategy

    from orders.checkout import express

    class Taxed13(
        strategy.UseFirstStockRecord,
        strategy.StockRequired,
        strategy.FixedRateTax,
        strategy.Structured,
    ):
        rate = Decimal("0.13")

    monkeypatch.setattr(
        strategy.Selector, "strategy", lambda self, request=None, user=None, **kw: Taxed13(request)
    )
    monkeypatch.setattr(
        express, "place_single_line_order", lambda *a, **k: pytest.fail("flash-sale path used")
    )
    client = Client()
    client.force_login(_with_address(UserFactory(), china))
    assert buy(client, live, uuid.uuid4()).status_code == 200
    order = Order.objects.get()
    assert order.total_incl_tax > order.total_excl_tax


@pytest.mark.django_db(transaction=True)
def test_a_failing_stock_alert_does_not_fail_the_buyers_committed_order(
    client, buyer, live, carrots, stripe_server, monkeypatch, caplog
):
    """The low-stock alert runs after the order's commit: if it fails, the buyer still gets
    their order's payment form (it used to be a 500 for an order already placed)."""
    from orders import stock

    def broken(stockrecord_id):
        raise RuntimeError("alert storage unavailable")

    monkeypatch.setattr(stock, "sync_stock_alert", broken)
    StockRecord.objects.filter(product=carrots).update(low_stock_threshold=1000)
    assert client.login(request=HttpRequest(), username=buyer.email, password=PASSWORD)
    response = buy(client, live, uuid.uuid4())
    assert response.status_code == 200
    assert 'id="payment-form"' in response.content.decode()
    assert Order.objects.filter(user=buyer).count() == 1
    assert "alert storage unavailable" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_refuses_the_email_task_does_not_fail_the_committed_order(
    client, buyer, live, carrots, stripe_server, monkeypatch, caplog
):
    """Tasks are queued after commit robustly (shop.celery.Task): the order stands, the buyer
    gets the payment form, the failure is logged and the task kept to be sent later."""
    from kombu.exceptions import OperationalError

    from orders.emails import after_order_placed
    from shop.breaker import Breaker
    from shop.models import UnsentTask

    def refused(*args, **kwargs):
        raise OperationalError("broker unreachable")

    monkeypatch.setattr(after_order_placed, "delay", refused)
    saved = configure_celery(task_always_eager=False)
    Breaker._all.clear()
    try:
        assert client.login(request=HttpRequest(), username=buyer.email, password=PASSWORD)
        response = buy(client, live, uuid.uuid4())
    finally:
        configure_celery(**saved)
        Breaker._all.clear()
    assert response.status_code == 200
    assert 'id="payment-form"' in response.content.decode()
    order = Order.objects.get(user=buyer)
    assert order.intents.count() == 1
    assert "Celery broker unreachable (OperationalError)" in caplog.text
    unsent = UnsentTask.objects.get()
    assert (unsent.name, unsent.args) == ("orders.tasks.after_order_placed", [order.pk])
