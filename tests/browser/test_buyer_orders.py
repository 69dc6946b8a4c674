"""Real browser, on a phone: the buyer's order list. A paid order waits under 待发货; an unpaid
order cancelled from 待付款 leaves that tab and its stock goes back on sale."""

import pytest
from oscar.core.loading import get_model
from playwright.sync_api import expect

from orders import statuses
from tests.factories import make_order, make_product

from .test_payment_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

StockRecord = get_model("partner", "StockRecord")


def test_the_buyer_finds_a_paid_order_and_cancels_an_unpaid_one(
    chromium_path, journey_device, live_server, browser, cooperative, consumer
):
    carrots = make_product(cooperative, title="察右中旗草原胡萝卜", price="29.90", num_in_stock=10)
    oats = make_product(cooperative, title="察右中旗燕麦米", price="18.80", num_in_stock=10)
    paid = make_order([(carrots, 1)], user=consumer, status=statuses.PAID)
    unpaid = make_order([(oats, 3)], user=consumer)
    assert StockRecord.objects.get(product=oats).num_allocated == 3

    context = browser.new_context(**journey_device)
    page = context.new_page()
    sign_in(page, live_server, consumer)

    page.goto(f"{live_server.url}/accounts/orders/")
    page.locator("#order-tabs [data-tab=to_ship]").click()
    expect(page.locator("#order-tabs .active")).to_have_attribute("data-tab", "to_ship")
    card = page.locator(f"[data-order='{paid.number}']")
    expect(card).to_be_visible()
    expect(card.locator(".order-status")).to_have_text("已付款")
    expect(page.locator(f"[data-order='{unpaid.number}']")).to_have_count(0)

    page.locator("#order-tabs [data-tab=unpaid]").click()
    card = page.locator(f"[data-order='{unpaid.number}']")
    expect(card).to_be_visible()
    expect(card.locator("[data-action=pay]")).to_have_attribute(
        "href", f"/payments/{unpaid.number}/"
    )
    page.once("dialog", lambda dialog: dialog.accept())
    card.locator("[data-action=cancel]").click()

    expect(page.locator(".alert")).to_contain_text("已取消")
    expect(page.locator("#order-tabs .active")).to_have_attribute("data-tab", "unpaid")
    expect(page.locator(f"[data-order='{unpaid.number}']")).to_have_count(0)
    expect(page.locator("#order-empty")).to_contain_text("暂无待付款订单")
    assert StockRecord.objects.get(product=oats).num_allocated == 0
    unpaid.refresh_from_db()
    assert unpaid.status == statuses.CANCELLED
    context.close()
