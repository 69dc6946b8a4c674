"""Real browser: an official signs in, follows the header's Impact link, sees the charts and
downloads the XLSX."""

import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from cooperatives.ledger import post_sale_shares
from impact.models import OfficialScope
from orders import statuses
from tests.factories import (
    PASSWORD,
    CooperativeFactory,
    CountyFactory,
    MembershipFactory,
    UserFactory,
    make_order,
    make_product,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def official_with_sales():
    county = CountyFactory(name="察右中旗", league="乌兰察布市", beijing_district="房山区")
    cooperative = CooperativeFactory(county=county, benefit_share=Decimal("0.10"))
    MembershipFactory(cooperative=cooperative, household__county=county)
    order = make_order([(make_product(cooperative, price="29.90"), 10)], status=statuses.PAID)
    post_sale_shares(order)
    user = UserFactory(email="official@example.com")
    scope = OfficialScope.objects.create(user=user, kind="counties")
    scope.counties.set([county])
    return user


def test_official_sees_the_impact_charts_and_downloads_xlsx(
    chromium_path, live_server, page, official_with_sales
):
    page.goto(live_server.url + "/impact/")
    expect(page).to_have_url(re.compile("/accounts/login/"))
    page.fill("#id_login-username", official_with_sales.email)
    page.fill("#id_login-password", PASSWORD)
    page.click("button[name=login_submit]")

    page.goto(live_server.url + "/")  # the header's Impact link (shop.roles) leads there
    page.click(".jm-menu-toggle")  # a phone: the one menu first
    page.click("a.impact-link")
    expect(page).to_have_url(re.compile("/impact/$"))
    expect(page.locator("[data-total=gmv]")).to_have_text("¥299.00")
    expect(page.locator("[data-total=income]")).to_have_text("¥29.90")
    expect(page.locator("#chart-county")).to_have_attribute("data-rendered", "true")
    assert page.evaluate("document.getElementById('chart-county').chart.data.labels") == [
        "察右中旗"
    ]

    with page.expect_download() as download_info:
        page.locator("#by-county .export-xlsx").click()
    download = download_info.value
    assert download.suggested_filename.startswith("impact-county-")
    with open(download.path(), "rb") as xlsx:  # Playwright saves it without an extension
        sheet = load_workbook(xlsx).active
    rows = list(sheet.iter_rows(values_only=True))
    header = int(sheet.freeze_panes[1:]) - 1  # below the title rows: what, whose, when
    assert rows[0][0] == "带动增收报告（按旗县）" and rows[header - 1][0] == "旗县"
    assert rows[header][0] == "察右中旗" and rows[header][1] == pytest.approx(299.0)
