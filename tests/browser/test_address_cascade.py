"""Real browser, on a phone: a guest at the one-page checkout chooses 省 → 市 → 区 from the
national division list; each choice refills the list below it (address.js, with the vendored
list fetched once), a municipality's 市 is filled in by itself, and the order ships there."""

import os

import pytest
from oscar.core.loading import get_model
from playwright.sync_api import expect

from tests.factories import make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def carrots(cooperative):
    return make_product(cooperative, title="察右中旗胡萝卜 5斤装", price="29.90", num_in_stock=10)


def options(select):
    return select.locator("option").all_inner_texts()


def test_a_guest_chooses_province_city_and_district(
    chromium_path, journey_device, live_server, stripe_server, browser, carrots, china
):
    phone = browser.new_context(**journey_device)
    page = phone.new_page()
    divisions_fetched = []
    page.on(
        "request",
        lambda r: divisions_fetched.append(r.url) if "divisions" in r.url else None,
    )
    url = live_server.url
    page.goto(f"{url}{carrots.get_absolute_url()}")
    page.locator("#buy-now").click()
    expect(page).to_have_url(f"{url}/checkout/")

    province, city, district = (
        page.locator("#id_state"),
        page.locator("#id_line4"),
        page.locator("#id_line3"),
    )
    # A new address starts in Beijing: 北京市 → 北京市, its districts listed.
    expect(province).to_have_value("北京市")
    expect(city).to_have_value("北京市")
    assert options(city) == ["北京市"]
    assert "朝阳区" in options(district)

    page.fill("#id_email", "buyer@example.com")
    page.fill("#id_first_name", "李华")
    page.fill("#id_phone_number", "13912345678")

    province.select_option("河北省")  # the 市 list becomes Hebei's, the 区 list empties
    city.select_option("保定市")
    assert options(city)[:3] == ["请选择", "石家庄市", "唐山市"]
    district.select_option("莲池区")
    assert "朝阳区" not in options(district)

    province.select_option("北京市")  # back to Beijing: its one 市 chosen by itself
    expect(city).to_have_value("北京市")
    district.select_option("朝阳区")
    page.fill("#id_line1", "建国路 88 号 1 号楼 1201")
    if os.environ.get("ADDRESS_SCREENSHOT"):
        page.locator("#checkout-address").screenshot(path=os.environ["ADDRESS_SCREENSHOT"])
    assert len(divisions_fetched) == 1  # the list, once

    page.locator("#place-order").click()
    expect(page.locator("#payment-form")).to_be_visible()
    order = get_model("order", "Order").objects.get()
    address = order.shipping_address
    assert (address.state, address.line4, address.line3) == ("北京市", "北京市", "朝阳区")
