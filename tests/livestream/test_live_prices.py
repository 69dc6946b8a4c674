"""Live prices are an Oscar offer: only while live, only on the session's products, within the
flash quota and the per-customer limit; the order keeps the discount and the session."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from oscar.apps.partner.strategy import Default
from oscar.core.loading import get_class, get_model

from livestream import services
from livestream.models import LineAttribution, LiveSession, QuotaClaim
from orders import statuses
from tests.factories import UserFactory, make_order

from .conftest import new_session

pytestmark = pytest.mark.django_db

Basket = get_model("basket", "Basket")
Applicator = get_class("offer.applicator", "Applicator")
UnableToPlaceOrder = get_class("order.exceptions", "UnableToPlaceOrder")


def priced(items, user=None):
    basket = Basket.objects.create(owner=user)
    basket.strategy = Default()
    for product, quantity in items:
        basket.add_product(product, quantity)
    Applicator().apply(basket, user)
    return basket


def total(basket):
    return basket.total_incl_tax


def test_the_live_price_applies_while_live_to_the_sessions_products_only(live, carrots, oats):
    basket = priced([(carrots, 1), (oats, 1)], UserFactory())
    assert total(basket) == Decimal("19.90") + Decimal("18.80")
    [line_carrots, _line_oats] = basket.all_lines()
    assert line_carrots.line_price_incl_tax_incl_discounts == Decimal("19.90")


def test_no_live_price_before_going_live_or_after_the_end(host_user, cooperative, carrots):
    start = timezone.now() + timedelta(hours=2)
    session = new_session(host_user, cooperative, starts_in=timedelta(hours=2))
    services.add_item(session, carrots, live_price=Decimal("19.90"))
    assert total(priced([(carrots, 1)])) == Decimal("29.90")  # scheduled, not live

    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        services.go_live(session)
        assert total(priced([(carrots, 1)])) == Decimal("19.90")
        assert total(priced([(carrots, 1)])) == Decimal("19.90")
    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        assert total(priced([(carrots, 1)])) == Decimal("19.90")
        services.end_session(session)
        assert total(priced([(carrots, 1)])) == Decimal("29.90")
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        assert total(priced([(carrots, 1)])) == Decimal("29.90")


def test_a_session_left_live_past_its_end_stops_giving_the_live_price(live, carrots):
    _start, end = live.window
    with time_machine.travel(end + timedelta(minutes=1), tick=False):
        assert total(priced([(carrots, 1)])) == Decimal("29.90")
    assert live.status == LiveSession.Status.LIVE


def test_units_beyond_the_customer_limit_are_at_the_normal_price(live, carrots):
    basket = priced([(carrots, 3)], UserFactory())
    assert total(basket) == Decimal("19.90") * 2 + Decimal("29.90")


def test_placing_the_order_claims_the_quota_and_keeps_the_discount(live, carrots, consumer):
    order = make_order([(carrots, 2)], user=consumer)
    assert order.total_incl_tax == Decimal("39.80")
    live.items.get().refresh_from_db()
    item = live.items.get()
    assert item.quota_used == 2 and item.units_left == 28
    assert order.discounts.get().offer_id == live.offer_id
    claim = QuotaClaim.objects.get(order=order)
    assert claim.units == 2 and claim.customer == f"user:{consumer.pk}"
    later = make_order([(carrots, 1)], user=consumer)  # the limit holds across orders
    assert later.total_incl_tax == Decimal("29.90")
    assert live.items.get().quota_used == 2


def test_a_cancelled_order_gives_its_units_back(live, carrots, consumer):
    order = make_order([(carrots, 2)], user=consumer)
    order.set_status(statuses.CANCELLED)
    item = live.items.get()
    assert item.quota_used == 0
    again = make_order([(carrots, 2)], user=consumer)
    assert again.total_incl_tax == Decimal("39.80")
    assert QuotaClaim.objects.filter(order=order, released=True).count() == 1


def test_the_quota_runs_out(host_user, cooperative, carrots):
    session = new_session(host_user, cooperative)
    services.add_item(session, carrots, live_price=Decimal("19.90"), quota=3)
    services.go_live(session)
    make_order([(carrots, 2)], user=UserFactory())
    basket = priced([(carrots, 2)], UserFactory())
    assert total(basket) == Decimal("19.90") + Decimal("29.90")  # 1 unit left at the live price
    make_order([(carrots, 1)], user=UserFactory())
    assert total(priced([(carrots, 1)], UserFactory())) == Decimal("29.90")
    assert session.items.get().quota_used == 3


def test_attributed_basket_lines_follow_into_the_order(
    client, live, carrots, consumer, stripe_server
):
    from django.urls import reverse

    from tests.orders.test_checkout import ADDRESS

    client.force_login(consumer)
    client.get(reverse("livestream:detail", kwargs={"pk": live.pk}))
    client.post(reverse("basket:add", kwargs={"pk": carrots.pk}), {"quantity": 1})
    token = client.get(reverse("checkout:index")).context["submission_token"]
    form = {"action": "place_order", "submission_token": token, **ADDRESS}
    assert client.post(reverse("checkout:index"), form).status_code == 302
    attribution = LineAttribution.objects.get()
    assert attribution.session == live and attribution.line.product == carrots
    assert attribution.line.order.total_incl_tax == Decimal("19.90")
    assert QuotaClaim.objects.get().customer == f"user:{consumer.pk}"


def test_a_limited_live_price_is_for_signed_in_buyers(live, carrots):
    """A per-customer limit needs to know the customer: guests pay the normal price for it."""
    assert total(priced([(carrots, 1)])) == Decimal("29.90")


def test_a_live_link_attributes_adds_from_the_product_page(client, live, carrots, oats):
    from django.urls import reverse

    from livestream.models import BasketAttribution

    client.get(carrots.get_absolute_url() + f"?live={live.pk}")
    client.post(reverse("basket:add", kwargs={"pk": carrots.pk}), {"quantity": 1})
    client.post(reverse("basket:add", kwargs={"pk": oats.pk}), {"quantity": 1})  # not on show
    assert [a.line.product for a in BasketAttribution.objects.all()] == [carrots]


def test_a_refunded_order_gives_its_units_back(live, carrots, consumer):
    order = make_order([(carrots, 2)], user=consumer)
    order.set_status(statuses.PAID)
    order.set_status(statuses.REFUNDED)
    assert live.items.get().quota_used == 0


def test_adds_long_after_the_show_are_not_attributed(client, live, carrots):
    from django.urls import reverse

    from livestream.models import BasketAttribution

    client.get(reverse("livestream:detail", kwargs={"pk": live.pk}))
    services.end_session(live, now=timezone.now() - timedelta(hours=3))
    client.post(reverse("basket:add", kwargs={"pk": carrots.pk}), {"quantity": 1})
    assert not BasketAttribution.objects.exists()


def test_the_room_stops_advertising_the_live_price_after_its_window(client, live, carrots):
    from django.urls import reverse

    _start, end = live.window
    url = reverse("livestream:detail", kwargs={"pk": live.pk})
    assert "live-price" in client.get(url).content.decode()
    with time_machine.travel(end + timedelta(minutes=5), tick=False):
        assert "live-price" not in client.get(url).content.decode()
