"""Product search (issue 24) in a real browser, on a phone and on a desktop: 联想 under the header's
search box, a typo read as the word meant, facets with counts and removable chips, the sort tabs,
a search that finds nothing, the search page before any words, and a results page that fits a
phone (nothing sideways, nothing overlapping, every facet and tab big enough to tap)."""

import re

import pytest
from oscar.apps.catalogue.categories import create_from_breadcrumbs
from playwright.sync_api import expect

from catalog.search import documents
from tests.factories import CooperativeFactory, CountyFactory, ProductCategory, make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CARROT = "察右中旗草原胡萝卜"
DRIED = "奈曼胡萝卜干"
GIFT = "胡萝卜礼盒"
BOX = "草原蔬菜礼盒"  # 胡萝卜 in its 规格 only: found, ranked after the titles that say it

# The results of a search (not the 相近的商品 / 大家都在买 shelves a page without results shows).
RESULTS = ".jm-browse-main > section:not(.jm-shelf):not(.jm-no-results) .product-card-title"
COUNT = ".jm-listing-bar .jm-count"  # 共 N 件商品 (the basket's badge shares the class)
WAIT = 15_000  # ms: a generous ceiling for a page or a suggestion on a busy machine


@pytest.fixture
def shelf(vegetables):
    """Four products for 胡萝卜 from two cooperatives in two leagues, in two categories, at
    ¥9.90–129, one of them certified; sales make 综合 (relevance, then sales) and 销量 disagree."""
    chayou = CountyFactory(name="察哈尔右翼中旗", league="乌兰察布市", region_code="150927")
    naiman = CountyFactory(name="奈曼旗", league="通辽市", region_code="150525")
    grower = CooperativeFactory(name="察右中旗草原种植专业合作社", county=chayou)
    sands = CooperativeFactory(name="奈曼旗沙地农业专业合作社", county=naiman)

    def product(seller, title, price, **fields):
        return make_product(
            seller,
            title=title,
            price=price,
            cooperative=seller,
            origin_county=seller.county,
            **fields,
        )

    products = {
        "carrot": product(
            grower,
            CARROT,
            "29.90",
            categories=[vegetables],
            certification_number="扶贫产品认定 150927-0001",
            certification_valid_until="2999-01-01",
        ),
        "dried": product(sands, DRIED, "9.90", categories=[vegetables], specification="500克"),
        "gift": product(grower, GIFT, "69.00", specification="礼盒 10斤"),
        "box": product(sands, BOX, "129.00", specification="胡萝卜、南瓜、燕麦米各2斤"),
    }
    gifts = create_from_breadcrumbs("礼盒")
    for name in ("gift", "box"):
        ProductCategory.objects.create(product=products[name], category=gifts)
    documents.rebuild()
    documents.set_sales(
        {
            products["carrot"].pk: 50,
            products["dried"].pk: 20,
            products["gift"].pk: 5,
            products["box"].pk: 100,
        }
    )
    return products


def is_phone(journey_device) -> bool:
    return journey_device["viewport"]["width"] < 768


def facets(page, journey_device):
    """The 筛选 facets: on a phone the <details> above the results, on a desktop the left panel."""
    if is_phone(journey_device):
        return page.locator("details.jm-facets")
    return page.locator(".jm-facets-panel")


def open_facets(page, journey_device):
    panel = facets(page, journey_device)
    if is_phone(journey_device):
        expect(panel.locator(".jm-facet-groups")).to_be_hidden()
        panel.locator("summary").click()
    expect(panel.locator(".jm-facet-groups")).to_be_visible()
    return panel


def option(panel, label: str):
    return panel.locator(".jm-facet a", has_text=label)


def count(n: int):
    return re.compile(rf"^\s*共\s*{n}\s*件商品\s*$")


# ---------------------------------------------------------------------------------------------
# 1. 联想 as a shopper types


def test_suggestions_as_a_shopper_types(
    chromium_path, device_page, journey_device, live_server, shelf
):
    page = device_page
    page.goto(live_server.url + "/")
    box = page.locator("#jm-search-q")
    suggestions = page.get_by_role("listbox", name="搜索联想")
    expect(box).to_have_attribute("role", "combobox")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(suggestions).to_be_hidden()

    box.press_sequentially("hul", delay=60)  # pinyin, as typed on a phone's keyboard
    expect(suggestions).to_be_visible(timeout=WAIT)
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(suggestions.locator(".jm-suggest-heading").first).to_have_text("商品")
    # the carrot (the best seller of the titles that say 胡萝卜) first, under 商品
    expect(suggestions.locator(".jm-suggest-heading:text-is('商品') + [role=option]")).to_have_text(
        CARROT
    )
    products = suggestions.locator(".jm-suggest-products")
    expect(products).to_have_text([CARROT, DRIED, GIFT])  # 规格 alone is no title match
    if is_phone(journey_device):  # the list stays within the screen, below the box
        listed, typed = suggestions.bounding_box(), box.bounding_box()
        assert listed["x"] >= 0 and listed["x"] + listed["width"] <= 390
        assert listed["y"] >= typed["y"] + typed["height"]

    box.press("Escape")
    expect(suggestions).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("hul")  # Esc closes the list; what was typed stays

    box.fill("胡萝")
    expect(suggestions).to_be_visible(timeout=WAIT)
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(products.first).to_have_text(CARROT)
    box.press("ArrowDown")
    expect(products.first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", products.first.get_attribute("id"))
    box.press("Enter")

    expect(page.locator(".product_main h1")).to_have_text(CARROT, timeout=WAIT)
    assert page.url == live_server.url + shelf["carrot"].get_absolute_url()


# ---------------------------------------------------------------------------------------------
# 2. A typo, facets and sorting


def test_a_typo_finds_the_carrots_and_facets_and_tabs_narrow_and_reorder(
    chromium_path, device_page, journey_device, live_server, shelf
):
    page = device_page
    page.goto(live_server.url + "/")
    box = page.locator("#jm-search-q")
    box.fill("胡箩卜")  # 箩 for 萝: the same sound
    box.press("Enter")

    results = page.locator(RESULTS)
    expect(results.first).to_have_text(CARROT, timeout=WAIT)
    expect(results).to_have_text([CARROT, DRIED, GIFT, BOX])
    expect(page.locator(".jm-search-note")).to_have_text("已按“胡萝卜”搜索（你输入的是“胡箩卜”）。")
    expect(box).to_have_value("胡箩卜")
    expect(page.locator(COUNT)).to_have_text(count(4))
    expect(page).to_have_title(re.compile("胡箩卜"))
    expect(page.locator(".jm-picked")).to_have_count(0)

    # 筛选, with counts
    panel = open_facets(page, journey_device)
    expect(option(panel, "¥30以下").locator(".jm-facet-n")).to_have_text("2")
    expect(option(panel, "¥60–100").locator(".jm-facet-n")).to_have_text("1")
    expect(option(panel, "¥100以上").locator(".jm-facet-n")).to_have_text("1")
    expect(option(panel, "扶贫产品认定").locator(".jm-facet-n")).to_have_text("1")
    expect(option(panel, "奈曼旗").first.locator(".jm-facet-n")).to_have_text("2")
    expect(option(panel, "通辽市").locator(".jm-facet-n")).to_have_text("2")
    expect(option(panel, "蔬菜").locator(".jm-facet-n")).to_have_text("2")
    expect(option(panel, "礼盒").locator(".jm-facet-n")).to_have_text("2")

    # a price range narrows the results, and shows as a chip
    option(panel, "¥30以下").click()
    expect(page.locator(COUNT)).to_have_text(count(2), timeout=WAIT)
    expect(results).to_have_text([CARROT, DRIED])
    chips = page.locator(".jm-picked a")
    expect(chips).to_have_text(["¥30以下 ×"])
    expect(box).to_have_value("胡箩卜")
    panel = facets(page, journey_device)
    expect(panel.locator(".jm-facet-groups")).to_be_visible()  # a picked facet keeps it open
    expect(option(panel, "¥30以下")).to_have_attribute("aria-current", "true")

    # 认证 on top of it: the two combine
    option(panel, "扶贫产品认定").click()
    expect(page.locator(COUNT)).to_have_text(count(1), timeout=WAIT)
    expect(results).to_have_text([CARROT])
    expect(chips).to_have_text(["¥30以下 ×", "扶贫产品认定 ×"])

    # each chip takes its facet away
    page.get_by_role("link", name="去掉筛选：¥30以下").click()
    expect(chips).to_have_text(["扶贫产品认定 ×"], timeout=WAIT)
    expect(results).to_have_text([CARROT])
    page.get_by_role("link", name="去掉筛选：扶贫产品认定").click()
    expect(page.locator(COUNT)).to_have_text(count(4), timeout=WAIT)
    expect(page.locator(".jm-picked")).to_have_count(0)
    expect(results).to_have_text([CARROT, DRIED, GIFT, BOX])

    # the sort tabs reorder the results and keep the words
    tabs = page.locator(".jm-sort a")
    expect(tabs).to_have_text(["综合", "销量", "新品", "价格"])
    expect(tabs.filter(has_text="综合")).to_have_attribute("aria-current", "true")
    tabs.filter(has_text="销量").click()
    expect(tabs.filter(has_text="销量")).to_have_attribute("aria-current", "true", timeout=WAIT)
    expect(results).to_have_text([BOX, CARROT, DRIED, GIFT])
    expect(box).to_have_value("胡箩卜")
    assert "sort_by=sales" in page.url

    tabs.filter(has_text="价格").click()
    expect(tabs.filter(has_text="价格")).to_contain_text("↑", timeout=WAIT)
    expect(results).to_have_text([DRIED, CARROT, GIFT, BOX])
    tabs.filter(has_text="价格").click()  # again: high to low
    expect(tabs.filter(has_text="价格")).to_contain_text("↓", timeout=WAIT)
    expect(results).to_have_text([BOX, GIFT, CARROT, DRIED])
    expect(box).to_have_value("胡箩卜")
    expect(page.locator(".jm-search-note")).to_contain_text("胡萝卜")
    expect(page.locator(COUNT)).to_have_text(count(4))


# ---------------------------------------------------------------------------------------------
# 3. Nothing found


def test_a_search_that_finds_nothing_offers_popular_searches_and_best_sellers(
    chromium_path, device_page, live_server, shelf
):
    page = device_page
    page.goto(live_server.url + "/")
    box = page.locator("#jm-search-q")
    box.fill("有机")
    box.press("Enter")

    expect(page.locator(".jm-no-results-text")).to_have_text(
        "没有找到与“有机”相关的商品。", timeout=WAIT
    )
    expect(box).to_have_value("有机")
    expect(page.locator(RESULTS)).to_have_count(0)
    expect(page.locator(COUNT)).to_have_count(0)
    tries = page.locator(".jm-try .jm-chip")
    expect(tries.first).to_have_text("胡萝卜")  # nobody has searched yet: what the co-ops grow
    expect(tries).to_have_count(8)
    best = page.locator(".jm-shelf:has(h2:text-is('大家都在买')) .product-card-title")
    expect(best).to_have_text([BOX, CARROT, DRIED, GIFT])  # by sales

    tries.filter(has_text=re.compile("^胡萝卜$")).click()
    expect(page.locator(RESULTS).first).to_have_text(CARROT, timeout=WAIT)
    expect(box).to_have_value("胡萝卜")
    expect(page.locator(COUNT)).to_have_text(count(4))
    expect(page.locator(".jm-no-results")).to_have_count(0)


# ---------------------------------------------------------------------------------------------
# 4. The search page before any words


def test_the_search_page_shows_popular_searches_and_best_sellers(
    chromium_path, device_page, live_server, shelf
):
    page = device_page
    page.goto(live_server.url + "/search/?q=胡萝卜干")  # a search that found something
    expect(page.locator(RESULTS).first).to_have_text(DRIED, timeout=WAIT)

    page.goto(live_server.url + "/search/")
    expect(page.locator("h1")).to_have_text(["搜索"])  # one heading, and not 全部商品
    expect(page.locator(".breadcrumb-item.active")).to_have_text("搜索")
    expect(page).to_have_title(re.compile(r"^搜索 \| 京蒙优选$"))
    expect(page.locator("#jm-hot")).to_have_text("热门搜索")
    chips = page.locator(".jm-hot-queries .jm-chip")
    expect(chips.first).to_have_text("胡萝卜干")  # what shoppers searched, then the starters
    expect(chips.nth(1)).to_have_text("胡萝卜")
    expect(page.locator("#jm-best")).to_have_text("大家都在买")
    best = page.locator(".jm-search-start .jm-shelf .product-card-title")
    expect(best).to_have_text([BOX, CARROT, DRIED, GIFT])
    expect(page.locator(COUNT)).to_have_count(0)  # no listing before any words
    expect(page.locator(".jm-facets")).to_have_count(0)

    chips.filter(has_text=re.compile("^胡萝卜$")).click()
    expect(page.locator(COUNT)).to_have_text(count(4), timeout=WAIT)
    expect(page.locator("#jm-search-q")).to_have_value("胡萝卜")


# ---------------------------------------------------------------------------------------------
# 5. The results page on a phone

OVERLAPS = """
(selectors) => {
    const parts = selectors
        .flatMap((s) => Array.from(document.querySelectorAll(s)))
        .filter((e) => e.checkVisibility() && e.getClientRects().length)
        .map((e) => [e, e.getBoundingClientRect()]);
    const found = [];
    for (let i = 0; i < parts.length; i++) {
        for (let j = i + 1; j < parts.length; j++) {
            const [a, ra] = parts[i], [b, rb] = parts[j];
            if (a.contains(b) || b.contains(a)) continue;
            const x = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
            const y = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
            if (x > 0.5 && y > 0.5) found.push(`"${a.textContent.trim()}" over "${b.textContent.trim()}"`);
        }
    }
    return found;
}
"""
PARTS = [
    ".jm-search-note",
    ".jm-picked a",
    COUNT,
    ".jm-sort a",
    ".jm-facets > summary",
    ".jm-facet h2",
    ".jm-facet a",
    ".product-grid > li",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}
TOO_SMALL = """
() => Array.from(document.querySelectorAll('.jm-facet a, .jm-sort a, .jm-picked a, .jm-facets > summary'))
    .filter((e) => e.checkVisibility())
    .map((e) => [e.textContent.trim(), e.getBoundingClientRect().height])
    .filter(([, height]) => height < 36)
"""


def test_the_results_page_fits_a_phone(chromium_path, browser, live_server, shelf):
    page = browser.new_context(**PHONE).new_page()

    def fits(what):
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{what} scrolls sideways: {width}px wide"
        assert page.evaluate(OVERLAPS, PARTS) == [], what
        assert page.evaluate(TOO_SMALL) == [], f"{what}: too small to tap"

    page.goto(live_server.url + "/search/?q=胡箩卜")
    expect(page.locator(RESULTS)).to_have_count(4, timeout=WAIT)
    # the count is text beside the tabs, not the basket's red badge (whose class it shares)
    expect(page.locator(COUNT)).to_have_css("background-color", "rgba(0, 0, 0, 0)")
    fits("closed facets")
    open_facets(page, PHONE)
    fits("open facets")
    option(facets(page, PHONE), "扶贫产品认定").click()
    expect(page.locator(".jm-picked a")).to_have_count(1, timeout=WAIT)
    fits("a facet picked")
    page.locator(".jm-sort a", has_text="价格").click()
    expect(page.locator(".jm-sort a", has_text="价格")).to_contain_text("↑", timeout=WAIT)
    fits("sorted by price")
    page.context.close()
