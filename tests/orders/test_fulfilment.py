"""Shipping: a cooperative ships only its own lines, with a checked tracking number; the order is
部分发货 then 已发货; the buyer follows it and completes it, which consumes the stock."""

from datetime import timedelta

import pytest
from django.core import mail
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from orders import services, statuses
from tests.factories import PASSWORD, make_order, make_product
from tests.orders.stripe_support import pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared_order(
    cooperative, other_cooperative, consumer, stripe_server, django_capture_on_commit_callbacks
):
    ours = make_product(cooperative, title="我家的胡萝卜", price="29.90", num_in_stock=10)
    theirs = make_product(other_cooperative, title="别家的雪菊茶", price="68.00", num_in_stock=5)
    order = make_order([(ours, 2), (theirs, 1)], user=consumer)
    with django_capture_on_commit_callbacks(execute=True):
        pay(order)
    order.refresh_from_db()
    return order


def lines(order):
    return {line.title: line for line in order.lines.all()}


def login(client, user):
    assert client.login(request=HttpRequest(), username=user.email, password=PASSWORD)


def ship(client, order, line, carrier="SF", number="SF1234567890123"):
    return client.post(
        reverse("dashboard:order-ship", kwargs={"number": order.number}),
        {"line": [line.pk], "carrier": carrier, "tracking_number": number},
    )


def test_two_cooperatives_ship_their_lines_and_the_buyer_follows(
    client, manager, other_manager, shared_order, django_capture_on_commit_callbacks
):
    ours, theirs = lines(shared_order)["我家的胡萝卜"], lines(shared_order)["别家的雪菊茶"]
    login(client, manager)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        ship(client, shared_order, ours, "SF", "sf 1234567890123")
    shared_order.refresh_from_db()
    assert shared_order.status == statuses.PARTLY_SHIPPED
    parcel = shared_order.parcels.get()
    assert parcel.tracking_number == "SF1234567890123" and list(parcel.lines.all()) == [ours]
    assert "SF1234567890123" in mail.outbox[0].body and "部分发货" in mail.outbox[0].body

    client.logout()
    login(client, other_manager)
    with django_capture_on_commit_callbacks(execute=True):
        ship(client, shared_order, theirs, "YTO", "YT1234567890123")
    shared_order.refresh_from_db()
    assert shared_order.status == statuses.SHIPPED
    assert len(mail.outbox) == 2

    client.logout()
    client.force_login(shared_order.user)
    page = client.get(reverse("tracking:order", kwargs={"number": shared_order.number}))
    html = page.content.decode()
    assert "SF1234567890123" in html and "YT1234567890123" in html and "已发货" in html


def test_a_manager_cannot_ship_another_cooperatives_line(client, manager, shared_order):
    theirs = lines(shared_order)["别家的雪菊茶"]
    login(client, manager)
    ship(client, shared_order, theirs)
    shared_order.refresh_from_db()
    assert shared_order.status == statuses.PAID and not shared_order.parcels.exists()


@pytest.mark.parametrize(
    ("carrier", "number"), [("SF", "12345"), ("YTO", "SF1234567890123"), ("XX", "123456789012")]
)
def test_a_bad_tracking_number_is_refused_and_changes_nothing(
    client, manager, shared_order, carrier, number
):
    """Refused (too short, no carrier) or a warning to confirm (another carrier's shape): back
    on the order page with what was typed, nothing shipped."""
    ours = lines(shared_order)["我家的胡萝卜"]
    login(client, manager)
    response = ship(client, shared_order, ours, carrier, number)
    assert response.status_code == 302
    page = client.get(response.url)
    assert f'value="{number}"' in page.content.decode()
    shared_order.refresh_from_db()
    assert shared_order.status == statuses.PAID and not shared_order.parcels.exists()
    ours.refresh_from_db()
    assert ours.status == statuses.PAID


def test_completion_consumes_the_stock_allocation(shared_order, staff):
    for line in shared_order.lines.all():
        services.ship(
            shared_order, [line], carrier="EMS", tracking_number="1234567890123", user=staff
        )
    carrots = lines(shared_order)["我家的胡萝卜"].stockrecord
    carrots.refresh_from_db()
    assert (carrots.num_in_stock, carrots.num_allocated) == (10, 2)
    assert services.complete_shipped_orders() == 0  # not yet
    later = timezone.now() + timedelta(days=11)
    assert services.complete_shipped_orders(now=later) == 1
    shared_order.refresh_from_db()
    carrots.refresh_from_db()
    assert shared_order.status == statuses.COMPLETED
    assert (carrots.num_in_stock, carrots.num_allocated) == (8, 0)


def test_the_buyer_confirms_receipt(client, shared_order, staff):
    services.ship(
        shared_order,
        list(shared_order.lines.filter(title="我家的胡萝卜")),
        carrier="ZTO",
        tracking_number="731234567890",
        user=staff,
    )
    services.ship(
        shared_order,
        list(shared_order.lines.filter(title="别家的雪菊茶")),
        carrier="OTHER",
        tracking_number="DBL-123456",
        user=staff,
    )
    client.force_login(shared_order.user)
    client.post(reverse("tracking:received", kwargs={"number": shared_order.number}))
    shared_order.refresh_from_db()
    assert shared_order.status == statuses.COMPLETED


def test_a_guest_finds_an_order_by_number_and_phone_or_email(client, cooperative, china):
    carrots = make_product(cooperative, title="胡萝卜")
    order = make_order([(carrots, 1)], guest_email="guest@example.com")
    from oscar.core.loading import get_model

    address = get_model("order", "ShippingAddress").objects.create(
        first_name="李华",
        phone_number="+8613912345678",
        state="北京市",
        line4="北京市",
        line3="房山区",
        line1="良乡镇 1 号",
        country=china,
    )
    type(order).objects.filter(pk=order.pk).update(shipping_address=address)
    url = reverse("tracking:lookup")
    wrong = client.post(url, {"number": order.number, "contact": "13900000000"})
    assert wrong.status_code == 200 and "没有" in wrong.content.decode()
    track = reverse("tracking:order", kwargs={"number": order.number})
    assert client.get(track).status_code == 404
    assert client.post(url, {"number": order.number, "contact": "139 1234 5678"}).url == track
    assert client.get(track).status_code == 200
    other = client.__class__()
    assert other.post(url, {"number": order.number, "contact": "GUEST@example.com"}).url == track


def test_refunding_the_last_unshipped_line_makes_the_order_shipped(shared_order, staff):
    from orders.payments import refunds

    ours, theirs = lines(shared_order)["我家的胡萝卜"], lines(shared_order)["别家的雪菊茶"]
    services.ship(shared_order, [ours], carrier="EMS", tracking_number="1234567890123", user=staff)
    refunds.make_refund(refunds.request_refund(shared_order, {theirs: 1}, user=staff), user=staff)
    shared_order.refresh_from_db()
    assert shared_order.status == statuses.SHIPPED
    assert services.complete_shipped_orders(now=timezone.now() + timedelta(days=11)) == 1


def test_completion_survives_stock_lowered_by_hand(shared_order, staff):
    for line in shared_order.lines.all():
        services.ship(
            shared_order, [line], carrier="EMS", tracking_number="1234567890123", user=staff
        )
    carrots = lines(shared_order)["我家的胡萝卜"].stockrecord
    # A manager sets the stock to what is held (lower is refused: form and, on PostgreSQL, CHECK).
    type(carrots).objects.filter(pk=carrots.pk).update(num_in_stock=2)
    assert services.complete(shared_order, by_buyer=True)
    carrots.refresh_from_db()
    assert (carrots.num_in_stock, carrots.num_allocated) == (0, 0)


def test_full_width_digits_are_accepted(shared_order, staff):
    ours = lines(shared_order)["我家的胡萝卜"]
    parcel = services.ship(
        shared_order,
        [ours],
        carrier="SF",
        tracking_number="ＳＦ１２３４５６７８９０１２３",
        user=staff,
    )
    assert parcel.tracking_number == "SF1234567890123"


def test_guest_lookups_are_limited(client, cooperative):
    url = reverse("tracking:lookup")
    for n in range(10):
        client.post(url, {"number": str(100000 + n), "contact": "13912345678"})
    response = client.post(url, {"number": "100099", "contact": "13912345678"})
    assert "稍后" in response.content.decode() or "十分钟" in response.content.decode()
