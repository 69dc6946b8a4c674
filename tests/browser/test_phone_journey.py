"""The storefront's main journey in a real browser, on a phone and on a desktop: search from the
header → the product → choose a 规格 and a quantity → 立即购买 → pay (localstripe) → the order
under 待发货 in 我的订单, with the 规格 and quantity chosen."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from orders import statuses
from tests.factories import make_family, saved_address

from .test_payment_journey import fill_card, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    "viewport",
    [{"width": 390, "height": 844}, {"width": 1366, "height": 900}],
    ids=["phone", "desktop"],
)
def test_search_choose_a_specification_buy_now_pay_and_find_it_to_ship(
    chromium_path,
    webhooks_to_live_server,
    browser,
    cooperative,
    vegetables,
    consumer,
    china,
    viewport,
):
    from oscar.core.loading import get_model

    Order = get_model("order", "Order")
    _parent, (five, family) = make_family(
        cooperative,
        variants=[("5斤装", "29.90", 50), ("10斤装", "52.00", 2)],
        categories=[vegetables],
    )
    saved_address(consumer, china)
    page = browser.new_context(viewport=viewport, locale="zh-CN").new_page()
    sign_in(page, webhooks_to_live_server, consumer)
    url = webhooks_to_live_server.url

    page.goto(url + "/")
    page.locator("#jm-search-q").fill("胡萝卜")
    page.locator("#jm-search-q").press("Enter")
    expect(page.locator("#jm-search-q")).to_have_value("胡萝卜")
    card = page.locator(".product_pod", has_text="察右中旗草原胡萝卜")
    expect(card).to_have_count(1)  # one product, whatever its 规格
    expect(card.locator(".price_color")).to_have_text("¥29.90 起")
    card.locator(".product-card-title a").click()

    expect(page.locator("#jm-price")).to_have_text("¥29.90")
    page.locator(".jm-variant", has_text="10斤装").click()
    expect(page.locator("#jm-price")).to_have_text("¥52.00")
    more = page.locator(".jm-step[data-step='1']")
    more.click()
    expect(page.locator("#id_quantity")).to_have_value("2")
    expect(more).to_be_disabled()  # two of the family pack in stock
    page.locator("#buy-now").click()

    expect(page).to_have_url(url + reverse("checkout:index"))
    expect(page.locator("#checkout_form")).to_contain_text(family.title)
    expect(page.locator("#place-order")).to_contain_text("¥104.00")
    page.locator("#place-order").click()
    expect(page.locator("#amount-due")).to_have_text("¥104.00")
    fill_card(page)
    page.locator("#pay-button").click()
    expect(page.locator("#payment-state")).to_contain_text("已付款", timeout=20000)

    order = Order.objects.get(user=consumer)
    assert order.status == statuses.PAID
    assert [(line.product_id, line.quantity) for line in order.lines.all()] == [(family.pk, 2)]
    page.goto(url + reverse("customer:order-list") + "?tab=to_ship")
    expect(page.locator(f".order-card[data-order='{order.number}']")).to_contain_text("已付款")
    expect(page.locator(f".order-card[data-order='{order.number}']")).to_contain_text("¥104.00")
    assert five.stockrecords.get().num_allocated in (0, None)  # the other 规格 untouched
