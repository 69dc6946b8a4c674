"""Live "buy now" for a signed-in buyer with a saved address: one request, order placed, the
payment form in the answer; a double tap is one order; sold out is a clear refusal."""

import uuid

import pytest
from django.http import HttpRequest
from django.urls import reverse
from oscar.core.loading import get_model

from livestream import services
from livestream.models import LineAttribution
from orders import statuses
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

Order = get_model("order", "Order")
UserAddress = get_model("address", "UserAddress")
StockRecord = get_model("partner", "StockRecord")


@pytest.fixture
def buyer(china):
    user = UserFactory()
    UserAddress.objects.create(
        user=user,
        first_name="王小明",
        phone_number="13800138000",
        state="北京市",
        line4="北京市",
        line3="朝阳区",
        line1="建国路 88 号 1 号楼 1201",
        country=china,
        is_default_for_shipping=True,
    )
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
