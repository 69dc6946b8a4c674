"""Real browser: two cooperatives ship their own lines of one order; the buyer's order page
shows 部分发货 with the first tracking number, then 已发货."""

import pytest
from playwright.sync_api import expect

from orders import statuses
from tests.factories import make_order, make_product
from tests.orders.stripe_support import pay

from .test_payment_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_each_cooperative_ships_its_line_and_the_buyer_sees_it(
    journey_device,
    chromium_path,
    live_server,
    stripe_server,
    browser,
    manager,
    other_manager,
    cooperative,
    other_cooperative,
    consumer,
):
    ours = make_product(cooperative, title="察右中旗草原胡萝卜", price="29.90")
    theirs = make_product(other_cooperative, title="武川雪菊茶", price="68.00")
    order = make_order([(ours, 2), (theirs, 1)], user=consumer)
    pay(order)  # transactional test: the webhook's task runs on commit
    order.refresh_from_db()
    assert order.status == statuses.PAID

    def ship_as(user, number):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        sign_in(page, live_server, user)
        page.goto(f"{live_server.url}/dashboard/orders/{order.number}/")
        form = page.locator("#ship-form")
        expect(form).to_have_count(1)
        assert form.locator("input[name=line]").count() == 1  # only their own line
        form.locator("#ship-carrier").select_option("SF")
        form.locator("#ship-tracking").fill(number)
        form.locator("#ship-button").click()
        expect(page.locator("#parcel-list")).to_contain_text(number)
        context.close()

    buyer = browser.new_context(**journey_device)  # 确认收货 on a phone and on a desktop
    buyer_page = buyer.new_page()
    sign_in(buyer_page, live_server, consumer)

    ship_as(manager, "SF1111222233334")
    buyer_page.goto(f"{live_server.url}/accounts/orders/{order.number}/")
    expect(buyer_page.locator("#order-status")).to_have_text("部分发货")
    expect(buyer_page.locator("#order-timeline")).to_contain_text("SF1111222233334")

    ship_as(other_manager, "SF5555666677778")
    buyer_page.reload()
    expect(buyer_page.locator("#order-status")).to_have_text("已发货")
    expect(buyer_page.locator("#order-timeline")).to_contain_text("SF5555666677778")
    buyer_page.locator("#confirm-receipt").click()
    expect(buyer_page.locator("#order-status")).to_have_text("已完成")
    buyer.close()
