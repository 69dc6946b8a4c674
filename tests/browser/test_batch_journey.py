"""Real browser at 390×844 (issue 26's acceptance): an organisation's 采购员 uploads a
50-recipient gift sheet with one bad row (the row is listed, nothing is made, the products stay
chosen), then the corrected sheet: 50 orders in one batch, the stock held once, the batch page
with masked recipients. No page scrolls sideways.

Screenshots for a person to look at when BATCH_SHOTS names a folder."""

import os

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from organisations.models import PurchaseBatch
from tests.factories import make_product
from tests.organisations.batch_factories import (
    approved_organisation,
    good_rows,
    member_of,
    xlsx_bytes,
)

from .conftest import VIEWPORTS
from .test_payment_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {**VIEWPORTS["phone"], "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


def shot(page, name):
    folder = os.environ.get("BATCH_SHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width}px wide"


def test_a_member_uploads_a_bad_sheet_then_a_good_one(browser, live_server, tmp_path, china):
    organisation = approved_organisation()
    buyer = member_of(organisation)
    tea = make_product(title="草原红茶礼盒", price="30.00", num_in_stock=200)
    beef = make_product(title="风干牛肉干", price="88.00", num_in_stock=200)
    rows = good_rows(50)
    bad = [list(row) for row in rows]
    bad[16][1] = "1380013"  # row 18 of the sheet: not a mobile number
    (tmp_path / "bad.xlsx").write_bytes(xlsx_bytes(bad))
    (tmp_path / "good.xlsx").write_bytes(xlsx_bytes(rows))

    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, live_server, buyer)
    page.goto(live_server.url + reverse("organisations:batch-new", kwargs={"pk": organisation.pk}))
    no_sideways_scroll(page)
    shot(page, "1-new-batch")
    page.select_option("#id_gift-0-product", label="草原红茶礼盒 · ¥30.00")
    page.fill("#id_gift-0-quantity", "2")
    page.select_option("#id_gift-1-product", str(beef.pk))
    page.fill("#id_gift-1-quantity", "1")
    page.fill("#id_title", "春节会员慰问品")
    page.set_input_files("#id_sheet", str(tmp_path / "bad.xlsx"))
    page.click("#batch-submit")

    errors = page.locator("#sheet-errors .sheet-error")
    expect(errors).to_have_count(1)
    expect(errors.first).to_have_attribute("data-line", "18")
    expect(errors.first).to_contain_text("第 18 行")
    expect(errors.first).to_contain_text("不是中国大陆手机号")
    no_sideways_scroll(page)
    shot(page, "2-bad-row-listed")
    assert not PurchaseBatch.objects.exists()
    assert tea.stockrecords.get().num_allocated in (None, 0)
    # What was entered stays: the products and quantities, the purpose; the file is chosen again.
    expect(page.locator("#id_gift-0-product")).to_have_value(str(tea.pk))
    expect(page.locator("#id_gift-1-product")).to_have_value(str(beef.pk))
    expect(page.locator("#id_title")).to_have_value("春节会员慰问品")

    page.set_input_files("#id_sheet", str(tmp_path / "good.xlsx"))
    page.click("#batch-submit")
    expect(page.locator("#batch-status")).to_have_attribute("data-status", "pending")
    batch = PurchaseBatch.objects.get()
    assert batch.orders.count() == 50 and batch.recipients == 50
    assert tea.stockrecords.get().num_allocated == 100
    assert beef.stockrecords.get().num_allocated == 50
    expect(page.locator("#batch-recipients")).to_have_text("50")
    expect(page.locator("#batch-total")).to_contain_text("7,400.00")
    expect(page.locator("tr.batch-order").first.locator("th")).to_have_text("测****0")
    expect(page.locator("tr.batch-order")).to_have_count(50)
    assert "13900000000" not in page.content()
    no_sideways_scroll(page)
    shot(page, "3-batch")
    page.goto(live_server.url + reverse("organisations:batch-list", kwargs={"pk": organisation.pk}))
    expect(page.locator(".batch-item")).to_have_count(1)
    no_sideways_scroll(page)
    shot(page, "4-batches")
    context.close()
