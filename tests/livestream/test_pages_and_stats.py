"""The live pages, buy now, and stats computed from the attributed orders."""

import random
from decimal import Decimal

import pytest
from django.http import HttpRequest
from django.urls import reverse
from oscar.core.loading import get_model

from livestream import selectors, services
from livestream.models import BasketAdd, LineAttribution
from orders import statuses
from tests.factories import PASSWORD, UserFactory, make_order, make_product

from .conftest import new_session

pytestmark = pytest.mark.django_db

Basket = get_model("basket", "Basket")


def test_the_live_room_shows_the_pinned_product_with_its_live_price(client, live, carrots):
    services.pin(live.items.get())
    page = client.get(reverse("livestream:detail", kwargs={"pk": live.pk})).content.decode()
    assert 'id="pinned-product"' in page and carrots.title in page
    assert "¥19.90" in page and "¥29.90" in page
    assert 'class="units-left">30<' in page
    assert "vendor/hls/hls.min.js" in page and 'data-src="https://live.jingmeng.example' in page
    state = client.get(reverse("livestream:state", kwargs={"pk": live.pk})).json()
    assert state["pinned"] == live.items.get().pk and state["status"] == "live"


def test_the_list_has_live_upcoming_and_past(client, host_user, cooperative, live):
    from datetime import timedelta

    upcoming = new_session(
        host_user, cooperative, title="明晚燕麦专场", starts_in=timedelta(days=1)
    )
    past = new_session(host_user, cooperative, title="上周胡麻油专场")
    services.go_live(past)
    services.end_session(past)
    page = client.get(reverse("livestream:list")).content.decode()
    assert live.title in page and upcoming.title in page and past.title in page
    assert page.index(live.title) < page.index(upcoming.title) < page.index(past.title)


def test_product_pages_show_sessions_featuring_them(client, live, carrots, oats):
    assert live.title in client.get(carrots.get_absolute_url()).content.decode()
    assert live.title not in client.get(oats.get_absolute_url()).content.decode()


def test_buy_now_goes_to_checkout_with_just_that_product(client, live, carrots, oats):
    user = UserFactory()
    assert client.login(request=HttpRequest(), username=user.email, password=PASSWORD)
    client.post(reverse("basket:add", kwargs={"pk": oats.pk}), {"quantity": 2})
    item = live.items.get()
    response = client.post(
        reverse("livestream:buy-now", kwargs={"pk": live.pk, "item_pk": item.pk})
    )
    assert response.url == reverse("checkout:index")
    basket = Basket.open.get(owner=user)
    assert [(line.product, line.quantity) for line in basket.all_lines()] == [(carrots, 1)]
    assert basket.all_lines()[0].live.session == live
    saved = Basket.saved.get(owner=user)
    assert [(line.product, line.quantity) for line in saved.all_lines()] == [(oats, 2)]


def test_stats_equal_the_sums_over_the_attributed_orders(host_user, cooperative, carrots, oats):
    session = new_session(host_user, cooperative)
    services.add_item(session, carrots, live_price=Decimal("19.90"), quota=500)
    services.add_item(session, oats)
    services.go_live(session)
    other = make_product(cooperative, title="不在直播间的胡麻油", price="45.00")
    rng = random.Random(20261122)
    buyers = [UserFactory() for _ in range(6)]
    orders = []
    for _ in range(25):
        items = rng.sample([(carrots, rng.randint(1, 3)), (oats, rng.randint(1, 2)), (other, 1)], 2)
        order = make_order(items, user=rng.choice(buyers))
        for line in order.lines.exclude(product=other):  # lines that came from the session
            LineAttribution.objects.create(line=line, session=session)
        status = rng.choice(
            [statuses.PAID, statuses.PAID, statuses.PENDING_PAYMENT, statuses.CANCELLED]
        )
        if status != statuses.PENDING_PAYMENT:
            order.set_status(status)
        orders.append(order)
    basket = Basket.objects.create()
    for _ in range(40):
        BasketAdd.objects.create(session=session, product=carrots, basket=basket)

    stats = selectors.session_stats(session)

    attributed = [o for o in orders if o.lines.filter(live__session=session).exists()]
    paid = [o for o in attributed if o.status in statuses.PAID_STATUSES]
    paid_lines = [line for o in paid for line in o.lines.filter(live__session=session)]
    assert stats["orders"] == len(attributed)
    assert stats["paid_orders"] == len(paid)
    assert stats["units"] == sum(line.quantity for line in paid_lines)
    assert Decimal(stats["gmv"]) == sum(line.line_price_incl_tax for line in paid_lines)
    assert stats["unique_buyers"] == len({o.user_id for o in paid})
    assert stats["baskets"] == 1 and stats["conversion"] == len(paid)
    for row in stats["products"]:
        mine = [line for line in paid_lines if line.product_id == row["product_id"]]
        assert row["units"] == sum(line.quantity for line in mine)
        assert Decimal(row["gmv"]) == sum(line.line_price_incl_tax for line in mine)
    assert Decimal(stats["gmv"]) > 0 and any(Decimal(r["gmv"]) > 0 for r in stats["products"])


def test_the_host_sees_stats_and_their_json(client, host_user, live):
    assert client.login(request=HttpRequest(), username=host_user.email, password=PASSWORD)
    page = client.get(reverse("livestream:stats", kwargs={"pk": live.pk}))
    assert page.status_code == 200 and 'id="live-stats"' in page.content.decode()
    data = client.get(reverse("livestream:stats-json", kwargs={"pk": live.pk})).json()
    assert data["orders"] == 0 and data["gmv"] == "0.00"


def test_the_home_page_and_menu_lead_to_the_live_room(client, live):
    page = client.get("/").content.decode()
    assert reverse("livestream:list") in page
    assert reverse("livestream:detail", kwargs={"pk": live.pk}) in page and live.title in page
