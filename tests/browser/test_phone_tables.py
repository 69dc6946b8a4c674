"""Real browser at 390×844 (issue 25): the officials' tables, the manager's sales home, the host's
control room and live stats fit a phone — nothing wider than the screen but a table scrolling in
its own box with its first column kept in view — and every input a person fills has a label
that stays when it is filled (not a placeholder)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from cooperatives.ledger import post_sale_shares
from impact.models import OfficialScope
from livestream import services
from orders import statuses
from tests.factories import (
    CooperativeFactory,
    CountyFactory,
    MembershipFactory,
    UserFactory,
    make_order,
    make_product,
)
from tests.livestream.conftest import new_session

from .test_payment_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_WIDTH = 390
TOLERANCE = 1  # a sub-pixel rounding, not a column

# Every visible form control a person fills, with how it is named: its <label> (for= or
# around it) or aria-label. A placeholder is not a label: it goes once the field is filled.
UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')].filter(el => {
    if (['hidden', 'submit', 'button', 'reset', 'image'].includes(el.type)) return false;
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || getComputedStyle(el).visibility === 'hidden') return false;
    const labelled = [...(el.labels || [])].some(l => l.textContent.trim())
        || (el.getAttribute('aria-label') || '').trim()
        || el.getAttribute('aria-labelledby');
    return !labelled;
}).map(el => el.outerHTML.slice(0, 160))"""


def fits_the_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH + TOLERANCE, f"{page.url}: the page is {width}px wide"


def every_input_is_labelled(page):
    assert page.evaluate(UNLABELLED) == [], page.url


def first_column_stays(page, scroller):
    """Scrolled sideways, a row's first cell stays at the box's left edge."""
    box = page.locator(scroller)
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")  # it does scroll
    cell = box.locator("tbody tr:first-child > :first-child")
    before = cell.bounding_box()["x"]
    box.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    expect(cell).to_be_visible()
    assert abs(cell.bounding_box()["x"] - before) <= 1


@pytest.fixture
def region():
    """A paired county and an unpaired one (no Beijing district), with paid sales in each."""
    paired = CountyFactory(name="察右中旗", league="乌兰察布市", beijing_district="房山区")
    unpaired = CountyFactory(name="四子王旗", league="乌兰察布市", beijing_district="")
    for county, title in (
        (paired, "察右中旗草原红胡萝卜种植专业合作社"),
        (unpaired, "四子王旗羊肉"),
    ):
        cooperative = CooperativeFactory(county=county, name=title, benefit_share=Decimal("0.1"))
        MembershipFactory(cooperative=cooperative, household__county=county)
        order = make_order([(make_product(cooperative, price="29.90"), 3)], status=statuses.PAID)
        post_sale_shares(order)
    user = UserFactory(email="region-official@example.com")
    OfficialScope.objects.create(user=user, kind="region")
    return user


def test_the_impact_page_on_a_phone(chromium_path, live_server, page, region):
    sign_in(page, live_server, region)
    page.goto(live_server.url + "/impact/")
    expect(page.locator("[data-total=gmv]")).to_have_text("¥179.40")
    fits_the_phone(page)
    every_input_is_labelled(page)
    expect(page.locator("label[for=id_date_from]")).to_be_visible()
    expect(page.locator("#by-district .unpaired")).to_have_text("未结对")
    first_column_stays(page, "#by-cooperative .jm-table-scroll")
    page.screenshot(path="/tmp/phone-impact.png", full_page=True)

    page.locator("#by-cooperative tbody a").first.click()  # a cooperative's member households
    expect(page.locator("table.member-households")).to_be_visible()
    fits_the_phone(page)
    page.go_back()

    # A reversed range: the error is said and the page still fits.
    page.fill("#id_date_from", "2026-12-31")
    page.fill("#id_date_to", "2026-01-01")
    page.locator("#impact-period button[type=submit]").click()
    expect(page.locator(".period-error")).to_contain_text("晚于结束日期")
    fits_the_phone(page)


def test_the_sales_home_on_a_phone(chromium_path, live_server, page, manager, cooperative):
    product = make_product(cooperative, title="察右中旗草原红胡萝卜 家庭装 10斤", price="52.00")
    make_order([(product, 2)], status=statuses.PAID)
    sign_in(page, live_server, manager)
    page.goto(live_server.url + "/dashboard/cooperatives/sales/")
    expect(page.locator("#top-products")).to_contain_text("家庭装")
    fits_the_phone(page)
    every_input_is_labelled(page)


@pytest.fixture
def on_air(host_user, cooperative, carrots):
    session = new_session(host_user, cooperative, starts_in=timedelta(minutes=-5))
    services.add_item(
        session, carrots, live_price=Decimal("19.90"), quota=200, per_customer_limit=5
    )
    services.add_item(session, make_product(cooperative, title="察右中旗燕麦米", price="18.80"))
    return services.go_live(session)


def test_the_control_room_and_live_stats_on_a_phone(
    chromium_path, live_server, page, host_user, on_air, carrots
):
    sign_in(page, live_server, host_user)
    page.goto(f"{live_server.url}/live/host/{on_air.pk}/")
    item = page.locator(".host-item", has_text=carrots.title)
    # The filled fields keep their names (they read 19.90 / 200 / 5 and nothing else before).
    expect(item.get_by_label("直播价")).to_have_value("19.90")
    expect(item.get_by_label("限量")).to_have_value("200")
    expect(item.get_by_label("每人限购")).to_have_value("5")
    expect(item.locator("label", has_text="限量")).to_be_visible()
    fits_the_phone(page)
    every_input_is_labelled(page)
    page.screenshot(path="/tmp/phone-control-room.png", full_page=True)

    item.get_by_label("限量").fill("150")
    item.get_by_role("button", name="保存").click()
    expect(page.locator(".host-item", has_text=carrots.title).get_by_label("限量")).to_have_value(
        "150"
    )

    page.goto(f"{live_server.url}/live/{on_air.pk}/stats")
    expect(page.locator("#product-stats")).to_contain_text(carrots.title)
    fits_the_phone(page)
    every_input_is_labelled(page)
    first_column_stays(page, "#live-stats .jm-table-scroll")


# Oscar's own dashboard pages (issue 25 review): the offers and users lists scroll in their own
# box on a phone, the sorted column's arrow is drawn by a font the page has, the orders page is
# called 订单 (not 订单数, a count), and the offers list is in Chinese.

# The family a sorted column's arrow is drawn in, and whether the page declares it (an
# @font-face): a family it lacks draws a missing-glyph box.
SORT_ARROW_FONT = """() => {
    const span = document.querySelector('table thead th.desc span, table thead th.asc span');
    const family = getComputedStyle(span, '::before').fontFamily.replace(/["']/g, '');
    return [family, [...document.fonts].some(f => f.family.replace(/["']/g, '') === family)];
}"""


def test_oscars_list_pages_on_a_phone(chromium_path, live_server, page, staff, cooperative):
    from oscar.test.factories import create_offer

    create_offer(name="直播价 #1 察右中旗草原胡萝卜专场（回放）一个半小时两万五千单")
    for n in range(3):
        UserFactory(email=f"official-district-{n}@jingmeng.example", first_name="演示帮扶干部")
    make_product(cooperative, title="察右中旗草原红胡萝卜")
    sign_in(page, live_server, staff)

    page.goto(live_server.url + "/dashboard/offers/")
    table = page.locator("form.order_table > table")
    expect(table.locator("caption")).to_contain_text("全部优惠活动")
    expect(table.locator("tr").first).to_contain_text("优惠类型")
    fits_the_phone(page)
    assert page.locator("form.order_table").evaluate("el => el.scrollWidth > el.clientWidth")
    expect(table.locator("caption")).to_be_in_viewport()

    page.goto(live_server.url + "/dashboard/users/")
    expect(page.locator(".table-container table")).to_contain_text("演示帮扶干部")
    fits_the_phone(page)
    expect(page.locator(".table-container caption input[type=submit]")).to_be_in_viewport()

    page.goto(live_server.url + "/dashboard/orders/")
    expect(page.locator(".page-header h1, h1").first).to_have_text("订单")
    expect(page.locator(".breadcrumb .active")).to_have_text("订单")

    page.goto(live_server.url + "/dashboard/catalogue/")  # sorted by 更新日期, newest first
    family, declared = page.evaluate(SORT_ARROW_FONT)
    assert declared, f"the sort arrow's font {family!r} is not on the page"


def test_the_member_households_on_a_phone(chromium_path, live_server, page, manager, cooperative):
    """/dashboard/cooperatives/households/ (issue 25 review): the table scrolls in its own box,
    the cooperative's name kept in view."""
    cooperative.name = "察右中旗草原红胡萝卜种植专业合作社"
    cooperative.save()
    for village in ("乌兰哈达村", "铁沙盖村", "科布尔镇广益隆村"):
        MembershipFactory(cooperative=cooperative, household__village=village)
    sign_in(page, live_server, manager)
    page.goto(live_server.url + "/dashboard/cooperatives/households/")
    expect(page.locator("table.household-table tbody tr")).to_have_count(3)
    fits_the_phone(page)
    first_column_stays(page, ".jm-table-scroll")
    page.screenshot(path="/tmp/shipfix/phone-households.png", full_page=True)
