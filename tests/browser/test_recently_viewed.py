"""Real-browser check on phones: "recently viewed" shows each shopper what they browsed, even on
product pages served from the shared page cache, and never what someone else browsed."""

import pytest
from playwright.sync_api import expect

from tests.factories import make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shelf(cooperative, settings):
    settings.PAGE_CACHE_SECONDS = 60  # the shared page cache on, as in production
    return {
        "oats": make_product(cooperative, title="察右中旗燕麦米"),
        "tea": make_product(cooperative, title="武川县雪菊茶"),
        "potatoes": make_product(cooperative, title="奈曼旗烟薯25号"),
    }


def recently_viewed(page):
    return page.locator(".sub-header:has-text('您最近浏览过的商品') + ul .product_pod")


def test_each_shopper_sees_only_what_they_browsed(chromium_path, browser, live_server, shelf):
    url = {name: live_server.url + product.get_absolute_url() for name, product in shelf.items()}
    first = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    first.goto(url["oats"])
    first.goto(url["tea"])  # rendered with the oats as recently viewed, and stored
    expect(recently_viewed(first)).to_have_count(1)
    expect(recently_viewed(first)).to_contain_text("察右中旗燕麦米")

    second = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN").new_page()
    response = second.goto(url["tea"])
    assert response.headers.get("x-page-cache") == "hit"
    expect(second.locator(".product_main h1")).to_have_text("武川县雪菊茶")
    expect(recently_viewed(second)).to_have_count(0)
    expect(second.locator("body")).not_to_contain_text("察右中旗燕麦米")

    second.goto(url["potatoes"])  # the tea, served from the cache, is in their history
    expect(recently_viewed(second)).to_have_count(1)
    expect(recently_viewed(second)).to_contain_text("武川县雪菊茶")
    response = second.goto(url["tea"])
    assert response.headers.get("x-page-cache") == "hit"
    expect(recently_viewed(second)).to_have_count(1)
    expect(recently_viewed(second)).to_contain_text("奈曼旗烟薯25号")
