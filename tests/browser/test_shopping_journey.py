"""Real-browser journey on a phone-sized Chromium: home → category → product → basket."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shelf(cooperative, vegetables):
    carrots = make_product(
        cooperative,
        title="察右中旗草原胡萝卜",
        price="29.90",
        categories=[vegetables],
        certification_number="扶贫产品认定 150927-0001",
        certification_valid_until="2999-01-01",
    )
    make_product(cooperative, title="察右中旗马铃薯", price="19.90", categories=[vegetables])
    return carrots


def test_consumer_finds_a_product_and_puts_it_in_the_basket(
    chromium_path, live_server, page, shelf
):
    cooperative = shelf.cooperative
    page.goto(live_server.url + "/")
    expect(page).to_have_title(re.compile("京蒙优选"))

    page.get_by_role("link", name="蔬菜").first.click()
    expect(page.locator("h1")).to_have_text("蔬菜")
    expect(page.locator(".product_pod")).to_have_count(2)

    page.get_by_role("link", name="察右中旗草原胡萝卜").first.click()
    expect(page.locator(".product_main h1")).to_have_text("察右中旗草原胡萝卜")
    expect(page.locator(".product-origin-line")).to_contain_text(cooperative.county.name)
    expect(page.locator(".cooperative-card")).to_contain_text(cooperative.name)
    expect(page.locator(".product-origin-line .certified")).to_be_visible()

    page.locator("#add-to-basket").click()
    expect(page.locator(".alert-success").first).to_contain_text("察右中旗草原胡萝卜")

    page.goto(live_server.url + "/basket/")
    expect(page.locator("#basket_formset")).to_contain_text("察右中旗草原胡萝卜")
    expect(page.locator("#basket_totals")).to_contain_text("¥29.90")
