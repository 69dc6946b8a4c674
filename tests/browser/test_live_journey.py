"""Real browser: a viewer opens a live session, sees the pinned product at its live price, buys it
now through the checkout, pays (localstripe); buys again with one tap now that their address is
known; and the host's stats page shows both orders and their GMV."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from livestream import services
from orders import statuses
from tests.factories import saved_address
from tests.livestream.conftest import new_session

from .test_payment_journey import fill_card, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_viewer_buys_the_pinned_product_and_the_host_sees_it(
    chromium_path,
    webhooks_to_live_server,
    browser,
    host_user,
    cooperative,
    carrots,
    consumer,
    china,
):
    url = webhooks_to_live_server.url
    session = new_session(host_user, cooperative)
    item = services.add_item(
        session, carrots, live_price=Decimal("19.90"), quota=30, per_customer_limit=2
    )
    services.go_live(session)
    services.pin(item)

    viewer = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = viewer.new_page()
    sign_in(page, webhooks_to_live_server, consumer)
    page.goto(f"{url}/live/{session.pk}/")
    pinned = page.locator("#pinned-product")
    expect(pinned).to_contain_text(carrots.title)
    expect(pinned.locator(".live-price")).to_have_text("¥19.90")
    expect(pinned.locator(".normal-price")).to_have_text("¥29.90")
    expect(pinned.locator(".units-left")).to_have_text("30")
    page.locator("#buy-pinned").click()

    page.fill("#id_first_name", "张伟")
    page.fill("#id_phone_number", "13700137000")
    page.select_option("#id_line4", "北京市")  # 北京市 is already chosen (the default)
    page.select_option("#id_line3", "通州区")
    page.fill("#id_line1", "梨园镇云景东路 1 号")
    expect(page.locator("#basket_totals")).to_contain_text("¥19.90")  # the live price
    page.locator("#place-order").click()
    expect(page.locator("#amount-due")).to_have_text("¥19.90")
    fill_card(page)
    page.locator("#pay-button").click()
    expect(page.locator("#payment-state")).to_contain_text("已付款", timeout=20000)
    order = consumer.orders.get()
    assert order.status == statuses.PAID and order.lines.get().live.session == session

    # Back in the live room with an address on file: one tap is the order and the payment form.
    page.goto(f"{url}/live/{session.pk}/")
    page.locator("#buy-pinned").click()
    expect(page.locator("#amount-due")).to_have_text("¥19.90")
    second = consumer.orders.exclude(pk=order.pk).get()
    expect(page).to_have_url(f"{url}/payments/{second.number}/")  # reload-safe address
    assert second.shipping_address.line1 == "梨园镇云景东路 1 号"
    fill_card(page)
    page.locator("#pay-button").click()
    expect(page.locator("#payment-state")).to_contain_text("已付款", timeout=20000)

    host = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    host_page = host.new_page()
    sign_in(host_page, webhooks_to_live_server, host_user)
    host_page.goto(f"{url}/live/{session.pk}/stats")
    expect(host_page.locator('[data-stat="paid_orders"]')).to_have_text("2")
    expect(host_page.locator('[data-stat="units"]')).to_have_text("2")
    expect(host_page.locator('[data-stat="gmv"]')).to_have_text("39.80")
    expect(host_page.locator("#product-stats")).to_contain_text(carrots.title)
    viewer.close()
    host.close()


def test_signed_in_viewers_share_the_live_room_and_each_sees_their_own(
    chromium_path,
    webhooks_to_live_server,
    browser,
    settings,
    host_user,
    cooperative,
    carrots,
    consumer,
    china,
):
    """With the page cache on (as in production), the host's visit stores the live room; a buyer
    then gets it from the cache with their own account bar and no host links, and one tap still
    places their order."""
    settings.PAGE_CACHE_SECONDS = 60
    saved_address(consumer, china, first_name="张伟", line3="通州区", line1="梨园镇云景东路 1 号")
    session = new_session(host_user, cooperative)
    item = services.add_item(session, carrots, live_price=Decimal("19.90"), quota=30)
    services.go_live(session)
    services.pin(item)
    live_server = webhooks_to_live_server
    room = f"{live_server.url}/live/{session.pk}/"

    host = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    host_page = host.new_page()
    sign_in(host_page, live_server, host_user)
    assert host_page.goto(room).headers.get("x-page-cache") is None
    expect(host_page.locator(".page-header a", has_text="主播工具")).to_be_visible()

    viewer = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = viewer.new_page()
    sign_in(page, live_server, consumer)
    assert page.goto(room).headers.get("x-page-cache") == "hit"
    expect(page.locator(".page-header")).not_to_contain_text("主播工具")
    expect(page.locator("#logout_link")).to_have_count(1)
    expect(page.locator("#pinned-product .live-price")).to_have_text("¥19.90")
    page.locator("#buy-pinned").click()
    expect(page.locator("#amount-due")).to_have_text("¥19.90")
    order = consumer.orders.get()
    assert order.lines.get().live.session == session
    viewer.close()
    host.close()
