"""Orders dashboard: a manager sees only their cooperative's lines and may ask for refunds of them;
staff refund through Stripe; nobody sets 已付款 or 已退款 by hand."""

import pytest
from django.http import HttpRequest
from django.urls import reverse

from orders import statuses
from orders.payments.models import Refund
from tests.factories import PASSWORD, make_order, make_product
from tests.orders.stripe_support import pay, stripe_get

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared_order(
    cooperative, other_cooperative, consumer, stripe_server, django_capture_on_commit_callbacks
):
    """A paid order with a line from each of two cooperatives."""
    ours = make_product(cooperative, title="我家的胡萝卜", price="29.90")
    theirs = make_product(other_cooperative, title="别家的雪菊茶", price="68.00")
    order = make_order([(ours, 2), (theirs, 1)], user=consumer)
    with django_capture_on_commit_callbacks(execute=True):
        pay(order)
    order.refresh_from_db()
    assert order.status == statuses.PAID
    return order


def login(client, user):
    assert client.login(request=HttpRequest(), username=user.email, password=PASSWORD)


def lines(order):
    return {line.title: line for line in order.lines.all()}


def test_a_manager_sees_only_their_cooperatives_lines(client, manager, shared_order):
    login(client, manager)
    page = client.get(reverse("dashboard:order-detail", kwargs={"number": shared_order.number}))
    html = page.content.decode()
    assert page.status_code == 200
    assert "我家的胡萝卜" in html
    assert "别家的雪菊茶" not in html
    assert "¥59.80" in html  # their lines' total
    assert f"{shared_order.total_incl_tax:,}" not in html  # not the whole order's (¥127.80)
    theirs = lines(shared_order)["别家的雪菊茶"]
    url = reverse(
        "dashboard:order-line-detail", kwargs={"number": shared_order.number, "line_id": theirs.pk}
    )
    assert client.get(url).status_code == 404


def test_staff_see_every_line(client, staff, shared_order):
    login(client, staff)
    html = client.get(
        reverse("dashboard:order-detail", kwargs={"number": shared_order.number})
    ).content.decode()
    assert "我家的胡萝卜" in html and "别家的雪菊茶" in html


def test_a_manager_cannot_change_the_order_status(client, manager, shared_order):
    login(client, manager)
    url = reverse("dashboard:order-detail", kwargs={"number": shared_order.number})
    client.post(url, {"order_action": "change_order_status", "new_status": statuses.CANCELLED})
    shared_order.refresh_from_db()
    assert shared_order.status == statuses.PAID


def test_nobody_sets_refunded_by_hand(client, staff, shared_order):
    login(client, staff)
    url = reverse("dashboard:order-detail", kwargs={"number": shared_order.number})
    page = client.get(url).content.decode()
    assert f'value="{statuses.REFUNDED}"' not in page
    client.post(url, {"order_action": "change_order_status", "new_status": statuses.REFUNDED})
    shared_order.refresh_from_db()
    assert shared_order.status == statuses.PAID


def test_a_manager_requests_a_refund_of_their_line_and_staff_make_it(
    client, manager, staff, shared_order
):
    ours = lines(shared_order)["我家的胡萝卜"]
    theirs = lines(shared_order)["别家的雪菊茶"]
    login(client, manager)
    url = reverse("dashboard:order-refund-request", kwargs={"number": shared_order.number})

    client.post(url, {f"refund_qty_{theirs.pk}": "1", "reason": "不是我家的"})
    assert not Refund.objects.exists()  # another cooperative's line: refused

    client.post(url, {f"refund_qty_{ours.pk}": "1", "reason": "胡萝卜压坏了", "refund_now": "1"})
    refund = Refund.objects.get()
    assert refund.status == Refund.Status.REQUESTED  # a manager only asks
    intent = shared_order.sources.get().reference
    assert stripe_get("/v1/refunds", payment_intent=intent)["data"] == []

    decide = reverse(
        "dashboard:order-refund-decide", kwargs={"number": shared_order.number, "pk": refund.pk}
    )
    response = client.post(decide, {"decision": "refund"})
    assert response.status_code in (302, 403) and "login" in response.get("Location", "login")
    refund.refresh_from_db()
    assert refund.status == Refund.Status.REQUESTED

    client.logout()
    login(client, staff)
    client.post(decide, {"decision": "refund"})
    refund.refresh_from_db()
    assert refund.status == Refund.Status.REFUNDED
    assert refund.amount == ours.line_price_incl_tax / 2
    [at_stripe] = stripe_get("/v1/refunds", payment_intent=intent)["data"]
    assert at_stripe["amount"] == int(refund.amount * 100)
    shared_order.refresh_from_db()
    assert shared_order.status == statuses.PAID  # the rest of the order stands


def test_staff_refund_a_whole_order_from_the_dashboard(client, staff, shared_order):
    login(client, staff)
    url = reverse("dashboard:order-refund-request", kwargs={"number": shared_order.number})
    form = {f"refund_qty_{line.pk}": str(line.quantity) for line in shared_order.lines.all()}
    response = client.post(url, {**form, "reason": "买家取消", "refund_now": "1"})
    assert response.status_code == 302
    shared_order.refresh_from_db()
    assert shared_order.status == statuses.REFUNDED
    page = client.get(
        reverse("dashboard:order-detail", kwargs={"number": shared_order.number})
    ).content.decode()
    assert Refund.objects.get().stripe_refund_id in page


def test_a_bad_refund_quantity_changes_nothing(client, staff, shared_order):
    ours = lines(shared_order)["我家的胡萝卜"]
    login(client, staff)
    url = reverse("dashboard:order-refund-request", kwargs={"number": shared_order.number})
    for bad in ("abc", "-1", "9"):
        client.post(url, {f"refund_qty_{ours.pk}": bad, "refund_now": "1"})
    assert not Refund.objects.exists()
    shared_order.refresh_from_db()
    assert shared_order.status == statuses.PAID


def test_nobody_changes_statuses_in_bulk_from_the_order_list(client, manager, staff, shared_order):
    url = reverse("dashboard:order-list")
    for user, status in ((manager, statuses.CANCELLED), (staff, statuses.REFUNDED)):
        client.logout()
        login(client, user)
        client.post(
            url,
            {
                "action": "change_order_statuses",
                "selected_order": [shared_order.pk],
                "new_status": status,
            },
        )
        shared_order.refresh_from_db()
        assert shared_order.status == statuses.PAID


def test_a_paid_order_is_not_cancelled_by_hand(client, staff, shared_order):
    login(client, staff)
    url = reverse("dashboard:order-detail", kwargs={"number": shared_order.number})
    assert f'value="{statuses.CANCELLED}"' not in client.get(url).content.decode()
    client.post(url, {"order_action": "change_order_status", "new_status": statuses.CANCELLED})
    shared_order.refresh_from_db()
    assert shared_order.status == statuses.PAID


def test_a_manager_sees_neither_other_lines_notes_nor_the_address_editor(
    client, manager, staff, shared_order
):
    theirs = lines(shared_order)["别家的雪菊茶"]
    login(client, staff)
    url = reverse("dashboard:order-refund-request", kwargs={"number": shared_order.number})
    client.post(url, {f"refund_qty_{theirs.pk}": "1", "refund_now": "1"})
    client.logout()
    login(client, manager)
    detail = client.get(
        reverse("dashboard:order-detail", kwargs={"number": shared_order.number})
    ).content.decode()
    assert "别家的雪菊茶" not in detail
    assert "¥68.00" not in detail  # the other cooperative's refund
    address = reverse("dashboard:order-shipping-address", kwargs={"number": shared_order.number})
    assert client.get(address).status_code in (302, 403)


def test_a_manager_sees_no_unpaid_orders(client, manager, cooperative, consumer):
    carrots = make_product(cooperative, title="待付款的胡萝卜")
    unpaid = make_order([(carrots, 1)], user=consumer)
    login(client, manager)
    url = reverse("dashboard:order-detail", kwargs={"number": unpaid.number})
    assert client.get(url).status_code == 404
    assert "待付款的胡萝卜" not in client.get(reverse("dashboard:order-list")).content.decode()


def test_nobody_completes_an_order_by_hand(client, staff, shared_order):
    login(client, staff)
    url = reverse("dashboard:order-detail", kwargs={"number": shared_order.number})
    for status in (statuses.SHIPPED, statuses.COMPLETED):
        client.post(url, {"order_action": "change_order_status", "new_status": status})
    shared_order.refresh_from_db()
    assert shared_order.status == statuses.PAID


def test_a_manager_lists_only_their_share_of_a_shared_order(client, manager, staff, shared_order):
    login(client, manager)
    html = client.get(reverse("dashboard:order-list")).content.decode()
    assert "¥59.80" in html  # 2 × ¥29.90, their lines
    assert f"{shared_order.total_incl_tax:,}" not in html  # not the whole order's ¥127.80

    csv = client.post(
        reverse("dashboard:order-list"),
        {"action": "download_selected_orders", "selected_order": [shared_order.pk]},
    )
    assert csv["Content-Type"] == "text/csv"
    rows = csv.content.decode("utf-8-sig").splitlines()
    assert "59.80" in rows[1] and str(shared_order.total_incl_tax) not in rows[1]

    client.logout()
    login(client, staff)
    html = client.get(reverse("dashboard:order-list")).content.decode()
    assert f"{shared_order.total_incl_tax:,}" in html or str(shared_order.total_incl_tax) in html
