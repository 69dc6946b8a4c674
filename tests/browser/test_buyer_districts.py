"""Real browser, on a phone (390×844): a Beijing district's official (门头沟区, like the demo's
official-district) sees what their district bought on /impact/, from their paired county and
from others, and no other district's purchases; the page does not scroll sideways."""

import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from impact.models import OfficialScope
from orders import statuses
from tests.factories import (
    PASSWORD,
    CooperativeFactory,
    CountyFactory,
    UserFactory,
    make_order,
    make_product,
    shipping_address,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def district_official(china):
    wuchuan = CountyFactory(name="武川县", league="呼和浩特市", beijing_district="门头沟区")
    naiman = CountyFactory(name="奈曼旗", league="通辽市", beijing_district="通州区")
    oats = make_product(CooperativeFactory(county=wuchuan), price="25.00")
    potatoes = make_product(CooperativeFactory(county=naiman), price="40.00")
    # Five more counties 门头沟区 bought from: a cross table wider than the phone.
    others = [
        make_product(CooperativeFactory(county=CountyFactory(name=f"乌测试{n}旗")), price="10.00")
        for n in range(1, 6)
    ]
    for items, district in [
        ([(oats, 2)], "门头沟区"),  # 50.00 from the paired county
        ([(potatoes, 3)], "门头沟区"),  # 120.00 from another county
        ([(potatoes, 1)], "通州区"),  # someone else's purchase: not shown
        *[([(product, 1)], "门头沟区") for product in others],  # 5 × 10.00
    ]:
        make_order(items, status=statuses.PAID,
                   shipping_address=shipping_address(china, line3=district))  # fmt: skip
    user = UserFactory(email="official-district@example.com")
    OfficialScope.objects.create(user=user, kind="district", beijing_district="门头沟区")
    return user


def test_a_district_official_sees_their_districts_purchases_on_a_phone(
    chromium_path, live_server, page, district_official
):
    assert page.viewport_size == {"width": 390, "height": 844}
    page.goto(live_server.url + "/impact/")
    page.fill("#id_login-username", district_official.email)
    page.fill("#id_login-password", PASSWORD)
    page.click("button[name=login_submit]")
    page.goto(live_server.url + "/impact/")
    expect(page).to_have_url(re.compile("/impact/$"))

    buyers = page.locator("#buyers")
    expect(buyers.locator(".impact-buyer-scope")).to_contain_text("门头沟区买了什么")
    expect(buyers.locator("[data-buyer-total=gmv]")).to_have_text("¥220.00")
    expect(buyers.locator("[data-buyer-total=paid_orders]")).to_have_text("7")
    district_rows = page.locator("#buyers-by-buyer_district tbody tr")
    expect(district_rows).to_have_count(1)
    expect(district_rows.first).to_contain_text("门头沟区")
    # The cross table: 门头沟区 × 武川县 is paired (★), × 奈曼旗 is not.
    cross = page.locator("#buyers-cross table")
    # By code point: the paired 武川县 last, far to the right.
    counties = [*(f"乌测试{n}旗" for n in range(1, 6)), "奈曼旗", "武川县"]
    expect(cross.locator("thead th")).to_have_text(["买方所在区", *counties, "合计"])
    paired = cross.locator("td.impact-paired")
    expect(paired).to_have_count(1)
    expect(paired).to_contain_text("¥50.00")
    expect(cross.locator("tbody tr").first.locator("td").nth(5)).to_have_text("¥120.00")
    expect(buyers).not_to_contain_text("通州区")
    # The seller side is still the paired county's: 武川县's sales.
    expect(page.locator("[data-total=gmv]")).to_have_text("¥50.00")

    # Phone first: the page itself never scrolls sideways (tables scroll in their boxes, the
    # cross table's paired cells' hidden words too).
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    cross.scroll_into_view_if_needed()
    page.screenshot(path="var/screenshots/impact-buyers-district-phone.png", full_page=True)

    with page.expect_download() as download_info:
        page.locator("#buyers-cross .export-xlsx").click()
    with open(download_info.value.path(), "rb") as xlsx:
        rows = list(load_workbook(xlsx).active.iter_rows(values_only=True))
    assert ("门头沟区", 10, 10, 10, 10, 10, 120, 50, 220, "★武川县") in rows
