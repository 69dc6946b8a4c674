"""Real browser, on a phone (390×844): a consumer with paid orders finds 消费帮扶证明 from their
order list, sees the year's figures, downloads the PDF, and the public page its QR code and
link open says 证明有效 (signed out, nothing personal); a tampered link says 无法验证."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from orders import statuses
from tests.factories import (
    CooperativeFactory,
    CountyFactory,
    MembershipFactory,
    make_order,
    make_product,
)

from .test_payment_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_consumer_downloads_the_certificate_and_it_verifies(live_server, browser, consumer):
    consumer.first_name, consumer.last_name = "王", "小明"
    consumer.save()
    carrots_coop = CooperativeFactory(county=CountyFactory(name="察右中旗"))
    tea_coop = CooperativeFactory(county=CountyFactory(name="武川县"))
    for cooperative in (carrots_coop, carrots_coop, tea_coop):
        MembershipFactory(cooperative=cooperative)
    carrots = make_product(carrots_coop, title="察右中旗草原胡萝卜", price="29.90")
    tea = make_product(tea_coop, title="武川雪菊茶", price="58.00")
    make_order([(carrots, 2), (tea, 1)], user=consumer, status=statuses.PAID)
    make_order([(carrots, 1)], user=consumer, status=statuses.PAID)
    year = timezone.localdate().year

    context = browser.new_context(**PHONE, accept_downloads=True)
    page = context.new_page()
    sign_in(page, live_server, consumer)

    page.goto(f"{live_server.url}/accounts/orders/")
    page.locator("#certificate-link").click()
    expect(page).to_have_url(re.compile(r"/certificates/$"))
    expect(page.locator("#certificate-year")).to_have_value(str(year))
    expect(page.locator("#certificate-amount")).to_have_text("¥147.70")  # 3 × 29.90 + 58
    expect(page.locator("#certificate-county-count")).to_have_text("2")
    expect(page.locator("#certificate-households")).to_have_text("3")
    expect(page.locator("#certificate-products")).to_contain_text("察右中旗草原胡萝卜")
    expect(page.locator("#certificate-summary")).to_contain_text("王*明")
    no_sideways_scroll(page)
    page.screenshot(path="/tmp/certificate-phone.png", full_page=True)

    with page.expect_download() as download_info:
        page.locator("#certificate-download").click()
    download = download_info.value
    assert download.suggested_filename == f"xiaofei-bangfu-{year}.pdf"
    with open(download.path(), "rb") as pdf_file:
        pdf = pdf_file.read()
    assert pdf.startswith(b"%PDF")
    [url] = set(re.findall(rb"/URI \((https?://[^)]+)\)", pdf))
    url = url.decode()
    assert url.startswith(f"{live_server.url}/certificates/verify/")

    # Anyone (signed out) who scans the QR code.
    stranger = browser.new_context(**PHONE)
    public = stranger.new_page()
    public.goto(url)
    expect(public.locator("#certificate-valid")).to_have_text(re.compile("证明有效"))
    expect(public.locator("#verify-year")).to_have_text(str(year))
    expect(public.locator("#verify-buyer")).to_have_text("个人消费者")
    expect(public.locator("#verify-amount-issued")).to_have_text("¥147.70")
    # a person's: only what was issued, nothing of today (review H8 finding 14)
    expect(public.locator("#verify-unchanged")).to_be_visible()
    expect(public.locator("#verify-amount-today")).to_have_count(0)
    expect(public.locator("#verify-counties")).to_have_count(0)
    expect(public.locator("main")).not_to_contain_text("王")
    no_sideways_scroll(public)
    public.screenshot(path="/tmp/certificate-verify-phone.png", full_page=True)

    response = public.goto(url[:-6] + "xxxxx/")  # the signature tampered with
    assert response.status == 404
    expect(public.locator("#error-page")).to_contain_text("无法验证")
    expect(public.locator("#error-page")).not_to_contain_text("¥")
    stranger.close()
    context.close()
