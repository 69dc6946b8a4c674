"""The buyer's side after paying: cancelling an unpaid order, the order list's tabs and cards,
after-sales requests, the order page and the thank-you page."""

import pytest
from django.urls import reverse
from oscar.core.loading import get_model

from orders import statuses
from tests.factories import UserFactory, make_order, make_product

Order = get_model("order", "Order")
StockRecord = get_model("partner", "StockRecord")

pytestmark = pytest.mark.django_db


@pytest.fixture
def carrots(cooperative):
    return make_product(cooperative, title="察右中旗草原胡萝卜 5斤装", num_in_stock=10)


@pytest.fixture
def buyer(client, consumer):
    client.force_login(consumer)
    return consumer


def placed(items, *, user=None, status=None, **fields):
    """``make_order``, then along the pipeline to ``status`` (completed goes through shipped)."""
    if status == statuses.COMPLETED:
        order = make_order(items, user=user, status=statuses.SHIPPED, **fields)
        order.set_status(statuses.COMPLETED)
        return order
    return make_order(items, user=user, status=status, **fields)


def allocated(product):
    return StockRecord.objects.get(product=product).num_allocated


# --- Cancelling an unpaid order -----------------------------------------------------------------


def test_the_buyer_cancels_an_unpaid_order_and_its_stock_returns(client, buyer, carrots):
    order = placed([(carrots, 3)], user=buyer)
    assert allocated(carrots) == 3
    back = reverse("customer:order-list") + "?tab=unpaid"
    response = client.post(
        reverse("tracking:cancel", args=[order.number]), {"next": back}, follow=True
    )
    assert response.redirect_chain[0][0] == back
    order.refresh_from_db()
    assert order.status == statuses.CANCELLED
    assert allocated(carrots) == 0
    assert "已取消" in response.content.decode() or order.number in response.content.decode()


def test_cancelling_a_paid_order_is_refused_and_changes_nothing(client, buyer, carrots):
    order = placed([(carrots, 2)], user=buyer, status=statuses.PAID)
    response = client.post(reverse("tracking:cancel", args=[order.number]), follow=True)
    order.refresh_from_db()
    assert order.status == statuses.PAID
    assert allocated(carrots) == 2
    assert not order.notes.filter(message__contains="buyer").exists()
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_an_unsafe_next_is_ignored(client, buyer, carrots):
    order = placed([(carrots, 1)], user=buyer)
    response = client.post(
        reverse("tracking:cancel", args=[order.number]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("tracking:order", args=[order.number])


def test_another_buyers_order_cannot_be_cancelled(client, buyer, carrots):
    theirs = placed([(carrots, 1)], user=UserFactory())
    response = client.post(reverse("tracking:cancel", args=[theirs.number]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == statuses.PENDING_PAYMENT and allocated(carrots) == 1


def test_cancelling_needs_a_post(client, buyer, carrots):
    order = placed([(carrots, 1)], user=buyer)
    assert client.get(reverse("tracking:cancel", args=[order.number])).status_code == 405


def test_a_guest_cancels_the_order_this_browser_placed(client, carrots):
    order = placed([(carrots, 2)], guest_email="guest@example.com")
    session = client.session
    session["payable_order_ids"] = [order.pk]
    session.save()
    client.post(reverse("tracking:cancel", args=[order.number]))
    order.refresh_from_db()
    assert order.status == statuses.CANCELLED and allocated(carrots) == 0


def test_an_open_payment_that_cannot_be_stopped_refuses_the_cancel(client, buyer, carrots):
    from orders.signals import unpaid_order_cancelling

    order = placed([(carrots, 2)], user=buyer)

    def payment_going_through(sender, order, **kwargs):
        return False

    unpaid_order_cancelling.connect(payment_going_through, dispatch_uid="test-refuse")
    try:
        response = client.post(reverse("tracking:cancel", args=[order.number]), follow=True)
    finally:
        unpaid_order_cancelling.disconnect(dispatch_uid="test-refuse")
    order.refresh_from_db()
    assert order.status == statuses.PENDING_PAYMENT and allocated(carrots) == 2
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


# --- The order list's tabs ----------------------------------------------------------------------


@pytest.fixture
def orders_in_every_state(buyer, carrots):
    made = {
        status: placed([(carrots, 1)], user=buyer, status=status)
        for status in (
            statuses.PENDING_PAYMENT,
            statuses.PAID,
            statuses.PARTLY_SHIPPED,
            statuses.SHIPPED,
            statuses.COMPLETED,
            statuses.REFUNDED,
            statuses.CANCELLED,
        )
    }
    made["other buyer's"] = placed([(carrots, 1)], user=UserFactory(), status=statuses.PAID)
    return made


def listed(client, tab=None):
    url = reverse("customer:order-list") + (f"?tab={tab}" if tab else "")
    response = client.get(url)
    assert response.status_code == 200
    return response, {order.number for order in response.context["orders"]}


@pytest.mark.parametrize(
    ("tab", "expected"),
    [
        (None, [statuses.PENDING_PAYMENT, statuses.PAID, statuses.PARTLY_SHIPPED,
                statuses.SHIPPED, statuses.COMPLETED, statuses.REFUNDED, statuses.CANCELLED]),
        ("unpaid", [statuses.PENDING_PAYMENT]),
        ("to_ship", [statuses.PAID, statuses.PARTLY_SHIPPED]),
        ("to_receive", [statuses.SHIPPED]),
        ("completed", [statuses.COMPLETED]),
        ("after_sales", [statuses.REFUNDED]),
    ],
)  # fmt: skip
def test_each_tab_lists_the_buyers_own_orders_in_its_states(
    client, orders_in_every_state, tab, expected
):
    response, numbers = listed(client, tab)
    assert numbers == {str(orders_in_every_state[status].number) for status in expected}
    assert orders_in_every_state["other buyer's"].number not in response.content.decode()


def test_an_unknown_tab_lists_everything(client, orders_in_every_state):
    _response, numbers = listed(client, "nonsense")
    assert len(numbers) == 7


def test_a_card_offers_the_actions_of_its_state(client, orders_in_every_state):
    html = listed(client)[0].content.decode()
    unpaid = orders_in_every_state[statuses.PENDING_PAYMENT].number
    shipped = orders_in_every_state[statuses.SHIPPED].number
    assert f'href="/payments/{unpaid}/"' in html
    assert f'action="/track/{unpaid}/cancel/"' in html
    assert f'href="/track/{shipped}/"' in html
    assert f'action="/track/{shipped}/received/"' in html
    assert f'href="/track/{orders_in_every_state[statuses.PAID].number}/after-sales/' in html
    cancelled = orders_in_every_state[statuses.CANCELLED].number
    assert f"/track/{cancelled}/after-sales/" not in html
    assert f"/track/{cancelled}/cancel/" not in html


def test_an_empty_tab_says_so(client, buyer):
    response, numbers = listed(client, "to_receive")
    assert numbers == set()
    assert "暂无待收货订单" in response.content.decode()


def test_the_list_is_paginated_within_a_tab(client, buyer, carrots, settings):
    for _n in range(3):
        placed([(carrots, 1)], user=buyer, status=statuses.PAID)
    placed([(carrots, 1)], user=buyer)
    from oscar.apps.customer.views import OrderHistoryView

    OrderHistoryView.paginate_by, before = 2, OrderHistoryView.paginate_by
    try:
        first, numbers = listed(client, "to_ship")
        second = client.get(reverse("customer:order-list") + "?tab=to_ship&page=2")
    finally:
        OrderHistoryView.paginate_by = before
    assert len(numbers) == 2 and len(second.context["orders"]) == 1
    assert "tab=to_ship&amp;page=2" in first.content.decode()


def test_the_order_list_needs_a_sign_in(client):
    response = client.get(reverse("customer:order-list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_confirming_receipt_returns_to_the_list(client, buyer, carrots):
    order = placed([(carrots, 1)], user=buyer, status=statuses.SHIPPED)
    back = reverse("customer:order-list") + "?tab=to_receive"
    response = client.post(reverse("tracking:received", args=[order.number]), {"next": back})
    assert response["Location"] == back
    order.refresh_from_db()
    assert order.status == statuses.COMPLETED


def test_confirming_receipt_of_an_unshipped_order_changes_nothing(client, buyer, carrots):
    order = placed([(carrots, 1)], user=buyer, status=statuses.PAID)
    client.post(reverse("tracking:received", args=[order.number]))
    order.refresh_from_db()
    assert order.status == statuses.PAID


def test_buy_again_puts_the_lines_back_in_the_basket(client, buyer, carrots):
    order = placed([(carrots, 2)], user=buyer, status=statuses.COMPLETED)
    response = client.post(
        reverse("customer:order", args=[order.number]),
        {"order_id": order.pk, "action": "reorder"},
    )
    assert response["Location"] == reverse("basket:summary")
    basket = client.get(reverse("basket:summary")).context["basket"]
    assert [(line.product, line.quantity) for line in basket.all_lines()] == [(carrots, 2)]


# --- After-sales: tests/orders/test_after_sales.py --------------------------------------------


# --- The order page and the thank-you page ------------------------------------------------------


@pytest.fixture
def addressed_order(buyer, carrots, china):
    ShippingAddress = get_model("order", "ShippingAddress")
    address = ShippingAddress.objects.create(
        first_name="王小明",
        phone_number="+8613812345678",
        state="北京市",
        line4="北京市",
        line3="朝阳区",
        line1="建国路 88 号",
        country=china,
    )
    order = placed([(carrots, 2)], user=buyer, shipping_address=address)
    from orders import services

    services.mark_paid(
        order, amount=order.total_incl_tax, reference="pi_123secret", source=("stripe", "Stripe")
    )
    order.refresh_from_db()
    return order


def test_the_thank_you_page_masks_the_phone_and_hides_the_payment_reference(
    client, addressed_order
):
    response = client.get(reverse("payments:done", args=[addressed_order.number]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "138****5678" in html
    assert "13812345678" not in html
    assert "pi_123secret" not in html and "Stripe" not in html.replace("stripe", "")
    assert "察右中旗草原胡萝卜 5斤装" in html and "× 2" in html
    assert "合作社将为您打包发货" in html and "我的订单" in html
    assert 'class="checkout-nav' not in html and "nav-checkout" not in html


def test_the_order_page_has_one_price_column_and_the_cards_actions(client, addressed_order):
    response = client.get(reverse("customer:order", args=[addressed_order.number]))
    html = response.content.decode()
    assert "含税" not in html and "不含税" not in html
    assert "138****5678" in html and "13812345678" not in html
    assert f"/track/{addressed_order.number}/after-sales/" in html
    assert 'data-action="reorder"' in html


# --- Cancelling with a payment started (a real localstripe) ------------------------------------


def test_cancelling_cancels_the_open_payment_first(client, buyer, carrots, stripe_server):
    from .stripe_support import stripe_get

    order = placed([(carrots, 2)], user=buyer)
    client.get(reverse("payments:pay", args=[order.number]))  # the intent is made
    client.post(reverse("tracking:cancel", args=[order.number]))
    order.refresh_from_db()
    assert order.status == statuses.CANCELLED and allocated(carrots) == 0
    intent = order.intents.get()
    assert intent.status == "canceled"
    assert stripe_get(f"/v1/payment_intents/{intent.intent_id}")["status"] == "canceled"


def test_a_payment_already_made_wins_over_the_cancel(client, buyer, carrots, stripe_server):
    from .stripe_support import confirm

    order = placed([(carrots, 2)], user=buyer)
    confirm(client, order)  # paid at Stripe; its webhook has not come yet
    response = client.post(reverse("tracking:cancel", args=[order.number]), follow=True)
    order.refresh_from_db()
    assert order.status == statuses.PAID  # the payment is taken, not lost
    assert allocated(carrots) == 2
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
