"""Real browser: a buyer on a phone chooses 对公转账 on the payment page and is shown the payee
and the reference; staff import the bank statement with that transfer, a short payment and an
unknown credit: the order is paid, the two others are listed to settle."""

import os
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from orders import statuses
from orders.payments import transfers
from orders.payments.models import StatementLine, TransferInstruction
from tests.factories import make_order, shipping_address
from tests.orders.test_transfers import for_organisation, make_organisation

from .test_payment_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}
DESKTOP = {"viewport": {"width": 1366, "height": 900}, "locale": "zh-CN"}
SHOTS = Path(os.environ.get("TRANSFER_SCREENSHOTS", "/tmp/h3-shots"))


def no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_buyer_pays_by_transfer_and_staff_match_the_statement(
    browser, live_server, stripe_server, carrots, consumer, staff, china, settings
):
    # 对公转账 is for organisation buying: the consumer buys for their approved organisation.
    organisation = make_organisation(consumer)
    order = for_organisation(
        make_order([(carrots, 2)], user=consumer, shipping_address=shipping_address(china)),
        organisation,
    )
    other = for_organisation(
        make_order([(carrots, 1)], user=consumer, shipping_address=shipping_address(china)),
        organisation,
    )
    short = transfers.instruction_for_order(other)
    SHOTS.mkdir(parents=True, exist_ok=True)

    phone = browser.new_context(**PHONE)
    page = phone.new_page()
    sign_in(page, live_server, consumer)
    page.goto(f"{live_server.url}/payments/{order.number}/")
    expect(page.locator("#pay-transfer")).to_contain_text("对公转账")
    page.locator("#choose-transfer").click()

    reference_shown = page.locator("#transfer-reference")
    expect(reference_shown).to_be_visible()
    reference = reference_shown.inner_text().strip()
    assert TransferInstruction.objects.get(order=order).reference == reference
    assert transfers.is_valid_reference(reference)
    expect(page.locator("#transfer-payee")).to_have_text(settings.TRANSFER_PAYEE_NAME)
    expect(page.locator("#transfer-account")).to_have_text(settings.TRANSFER_PAYEE_ACCOUNT)
    expect(page.locator("#transfer-exact")).to_have_text(f"¥{order.total_incl_tax}")
    assert no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "transfer-phone.png"), full_page=True)

    # Back on the payment page: the same reference, and days (not minutes) to pay.
    page.goto(f"{live_server.url}/payments/{order.number}/")
    expect(page.locator("#pay-transfer")).to_contain_text(reference)
    expect(page.locator("#pay-transfer-due")).to_be_visible()
    expect(page.locator("#pay-countdown")).to_have_count(0)
    page.screenshot(path=str(SHOTS / "pay-page-phone.png"), full_page=True)
    phone.close()

    today = timezone.localdate().isoformat()
    statement = (
        "交易日期,贷方金额,付款人名称,付款人账号,摘要\n"
        f"{today},{order.total_incl_tax},北京某某公司,1100 2233 4455,货款 {reference}\n"
        f"{today},10.00,北京某某公司,1100 2233 4455,{short.reference}\n"
        f"{today},88.00,张三,6222 0000 1111,转账\n"
    ).encode()

    desk = browser.new_context(**DESKTOP)
    page = desk.new_page()
    sign_in(page, live_server, staff)
    page.goto(f"{live_server.url}/dashboard/transfers/")
    page.locator("#import-statement").click()
    page.locator("#id_statement").set_input_files(
        files=[{"name": "statement.csv", "mimeType": "text/csv", "buffer": statement}]
    )
    page.locator("#statement-submit").click()

    expect(page.locator(".alert-success")).to_contain_text("1")
    rows = page.locator("#transfer-lines tbody tr[data-line]")
    expect(rows).to_have_count(2)
    expect(page.locator("#transfer-lines tr[data-status=short]")).to_contain_text(short.reference)
    expect(page.locator("#transfer-lines tr[data-status=unmatched]")).to_contain_text("张三")
    page.screenshot(path=str(SHOTS / "dashboard-desktop.png"), full_page=True)
    desk.close()

    order.refresh_from_db()
    other.refresh_from_db()
    assert order.status == statuses.PAID
    assert order.sources.get().source_type.code == "transfer"
    assert other.status == statuses.PENDING_PAYMENT
    assert StatementLine.objects.filter(status__in=StatementLine.NEEDS_A_PERSON).count() == 2

    # Staff work through the list on a phone too.
    phone = browser.new_context(**PHONE)
    page = phone.new_page()
    sign_in(page, live_server, staff)
    page.goto(f"{live_server.url}/dashboard/transfers/")
    expect(page.locator("#transfer-lines tbody tr[data-line]")).to_have_count(2)
    assert no_sideways_scroll(page)
    page.screenshot(path=str(SHOTS / "dashboard-phone.png"), full_page=True)
    page.locator("#transfer-lines tr[data-status=unmatched] a").click()
    page.fill("#aside-form input[name=note]", "不是本店款项，已退回")
    page.locator("#aside-submit").click()
    expect(page.locator("#transfer-lines tbody tr[data-line]")).to_have_count(1)
    phone.close()
