"""The storefront's frame, read from the browser's own boxes: at 390 px no consumer page scrolls
sideways, no two text boxes of a product card or of the buy bar overlap, the buy bar's buttons
never wrap, and nothing is painted in Bootstrap's blue; on a phone the search bar and the tab bar
are there, at 1366 px the tab bar is not."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import make_product
from tests.livestream.conftest import new_session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}

# Titles as long as the demo's longest and longer: a card must hold any of them.
LONG = "察右中旗草原红胡萝卜种植专业合作社精选草原胡萝卜（家庭装，10斤装，产地直发）"


@pytest.fixture
def shelf(cooperative, vegetables, host_user):
    carrots = make_product(
        cooperative,
        title="察右中旗草原胡萝卜",
        price="29.90",
        num_in_stock=3,
        categories=[vegetables],
        specification="5斤装",
        certification_number="扶贫产品认定 150927-0001",
        certification_valid_until="2999-01-01",
    )
    make_product(
        cooperative,
        title=LONG,
        price="1299.00",
        categories=[vegetables],
        specification="家庭装 10斤",
    )
    make_product(cooperative, title="土豆", price="9.90", categories=[vegetables])
    session = new_session(host_user, cooperative, title="察右中旗胡萝卜专场")
    return {"carrots": carrots, "session": session}


def consumer_pages(shelf, vegetables):
    carrots = shelf["carrots"]
    return [
        "/",
        reverse("catalogue:index"),
        vegetables.get_absolute_url(),
        carrots.get_absolute_url(),
        reverse("search:search") + "?q=胡萝卜",
        reverse("basket:summary"),
        reverse("cooperatives:list"),
        carrots.cooperative.get_absolute_url(),
        reverse("livestream:list"),
        reverse("livestream:detail", kwargs={"pk": shelf["session"].pk}),
        reverse("tracking:lookup"),
        reverse("customer:login"),
    ]


OVERLAPS = """
(selectors) => {
    const boxes = (root) => selectors
        .flatMap((s) => Array.from(root.querySelectorAll(s)))
        .filter((e) => e.offsetParent !== null && e.getClientRects().length)
        .map((e) => [e, e.getBoundingClientRect()]);
    const found = [];
    const groups = Array.from(document.querySelectorAll('.product_pod, .jm-buy-bar, .jm-tab-bar'));
    for (const group of groups) {
        const parts = boxes(group);
        for (let i = 0; i < parts.length; i++) {
            for (let j = i + 1; j < parts.length; j++) {
                const [a, ra] = parts[i], [b, rb] = parts[j];
                if (a.contains(b) || b.contains(a)) continue;
                const x = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
                const y = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
                if (x > 0.5 && y > 0.5) found.push(`${a.className || a.tagName} / ${b.className || b.tagName}: "${a.textContent.trim().slice(0, 20)}" over "${b.textContent.trim().slice(0, 20)}"`);
            }
        }
    }
    return found;
}
"""
CARD_PARTS = [
    ".product-card-title",
    ".product-origin",
    ".card-tags .badge",
    ".price_color",
    ".card-add-button",
    ".availability",
    ".jm-buy-bar-basket",
    "#add-to-basket",
    "#buy-now",
    ".jm-tab-bar a",
]

BLUE = """
() => {
    const blue = /rgba?\\((0, 123, 255|23, 162, 184)[,)]/;
    const found = [];
    for (const e of document.querySelectorAll('body *')) {
        if (e.offsetParent === null) continue;
        const s = getComputedStyle(e);
        for (const p of ['color', 'background-color', 'border-top-color', 'border-bottom-color']) {
            if (blue.test(s[p])) found.push(`${e.tagName}.${e.className} ${p} ${s[p]}`);
        }
    }
    return found.slice(0, 10);
}
"""


def test_every_consumer_page_fits_a_phone(chromium_path, browser, live_server, shelf, vegetables):
    page = browser.new_context(
        viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True
    ).new_page()
    for path in consumer_pages(shelf, vegetables):
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} scrolls sideways: {width}px wide"
        assert page.evaluate(OVERLAPS, CARD_PARTS) == [], path
        assert page.evaluate(BLUE) == [], f"{path} has Bootstrap blue"
        expect(page.locator("#jm-search-q")).to_be_visible()
        if path == vegetables.get_absolute_url():  # 分类: the rail beside the products
            expect(page.locator(".jm-rail a.active")).to_have_text("蔬菜")
            rail, grid = (page.locator(s).bounding_box() for s in (".jm-rail", ".product-grid"))
            assert rail["x"] + rail["width"] <= grid["x"] and grid["x"] + grid["width"] <= 390
        if path == shelf["carrots"].get_absolute_url():
            expect(page.locator(".jm-tab-bar")).to_have_count(0)  # the buy bar takes its place
            expect(page.locator(".jm-buy-bar")).to_be_in_viewport()
            for button in ("#add-to-basket", "#buy-now"):
                height = page.locator(button).evaluate(
                    "e => e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight)"
                )
                assert height < 2.5, f"{button} wraps"
        else:
            expect(page.locator(".jm-tab-bar")).to_be_visible()
            expect(page.locator(".jm-tab-bar a")).to_have_count(4)


def test_cards_hold_any_title_on_a_desktop_too(
    chromium_path, browser, live_server, shelf, vegetables
):
    page = browser.new_context(viewport=DESKTOP, locale="zh-CN").new_page()
    for path in ("/", vegetables.get_absolute_url(), shelf["carrots"].get_absolute_url()):
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"], path
        assert page.evaluate(OVERLAPS, CARD_PARTS) == [], path
        expect(page.locator(".jm-tab-bar")).to_be_hidden()
        expect(page.locator("#jm-menu")).to_be_visible()  # the one menu, open on a desktop


def test_search_quantity_and_tab_bar_on_a_phone(chromium_path, page, live_server, shelf):
    page.goto(live_server.url + "/")
    page.locator("#jm-search-q").fill("胡萝卜")
    page.locator("#jm-search-q").press("Enter")
    expect(page.locator("#jm-search-q")).to_have_value("胡萝卜")  # the query stays
    page.locator(".product_pod a", has_text="察右中旗草原胡萝卜").first.click()

    quantity = page.locator("#id_quantity")
    more, fewer = page.locator(".jm-step[data-step='1']"), page.locator(".jm-step[data-step='-1']")
    expect(fewer).to_be_disabled()
    more.click()
    more.click()
    expect(quantity).to_have_value("3")
    expect(more).to_be_disabled()  # three in stock: no fourth
    fewer.click()
    expect(quantity).to_have_value("2")
    page.locator("#add-to-basket").click()
    expect(page.locator(".alert-success").first).to_contain_text("察右中旗草原胡萝卜")
    expect(page.locator(".jm-buy-bar-basket .jm-count")).to_have_text("2")

    page.goto(live_server.url + reverse("catalogue:index"))
    expect(page.locator("#tab-basket .jm-count")).to_have_text("2")
    page.locator("#tab-basket").click()
    expect(page).to_have_url(re.compile("/basket/$"))
    expect(page.locator("#basket_totals")).to_contain_text("¥59.80")

    page.locator(".jm-menu-toggle").click()  # one menu: the sections and the account
    menu = page.locator("#jm-menu")
    expect(menu.get_by_role("link", name="合作社")).to_be_visible()
    expect(menu.locator("#login_link")).to_be_visible()
