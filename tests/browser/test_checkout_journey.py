"""Real browser, on a phone: a returning buyer taps 立即购买 on a product page, signs in from the
one-page checkout, comes back to it with their basket, picks one of their saved addresses
(numbers masked) and lands on the payment form; nothing typed but the password."""

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, make_product, saved_address

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def carrots(cooperative):
    return make_product(cooperative, title="察右中旗胡萝卜 5斤装", price="29.90", num_in_stock=10)


def test_a_returning_buyer_signs_in_at_checkout_and_ships_to_a_saved_address(
    chromium_path,
    live_server,
    stripe_server,
    browser,
    carrots,
    consumer,
    china,
):
    saved_address(consumer, china)  # home, the default
    office = saved_address(
        consumer,
        china,
        first_name="王小红",
        line1="国贸大厦 1 座",
        phone_number="13700137000",
        is_default_for_shipping=False,
    )
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = phone.new_page()
    url = live_server.url
    page.goto(f"{url}{carrots.get_absolute_url()}")
    page.locator("#buy-now").click()  # 立即购买: added, and straight to the checkout
    expect(page).to_have_url(f"{url}/checkout/")
    expect(page.locator("h1")).to_have_text("确认订单")
    expect(page.locator("#checkout_form")).to_contain_text(carrots.title)
    expect(page.locator(".alert-success")).to_have_count(0)  # no "added to basket" note
    page.locator("#checkout-sign-in").click()

    page.fill("#id_login-username", consumer.email)
    page.fill("#id_login-password", PASSWORD)
    page.locator("button[name=login_submit]").click()

    expect(page).to_have_url(f"{url}/checkout/")
    expect(page.locator("#checkout-contact")).to_have_count(0)  # signed in: no email asked
    addresses = page.locator("#checkout-address")
    expect(addresses).to_contain_text("王小明 138****8000 北京市 朝阳区 建国路 88 号 1 号楼 1201")
    expect(addresses).to_contain_text("王小红 137****7000")
    expect(addresses).not_to_contain_text("13700137000")
    expect(page.locator("#id_address_0")).to_be_checked()  # the default address
    expect(page.locator("#place-order")).to_contain_text("¥29.90")
    # A saved address ticked: the new-address form stays folded; "use a new address" unfolds it.
    new_address = page.locator("#new-address-section")
    expect(new_address).to_be_hidden()
    page.locator("input[name=address][value=new]").check()
    expect(new_address).to_be_visible()
    expect(page.locator("#id_line3")).to_be_visible()
    page.locator(f"input[name=address][value='{office.pk}']").check()
    expect(new_address).to_be_hidden()
    page.locator("#place-order").click()

    expect(page.locator("#payment-form")).to_be_visible()
    expect(page.locator("#amount-due")).to_have_text("¥29.90")
    order = consumer.orders.get()
    assert order.shipping_address.line1 == "国贸大厦 1 座"
    assert order.lines.get().product == carrots
