"""Real browser at 390×844: an organisation's buyer asks for a 专用发票 on a paid order (its name
and credit code prefilled), the cooperative's manager first tries a picture renamed .pdf
(refused, nothing changed) then uploads the PDF, and the buyer downloads it from the order."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from invoices.models import Invoice, InvoiceRequest
from tests.factories import make_product
from tests.invoices.helpers import PDF, organisation, paid_order

from .conftest import VIEWPORTS
from .test_payment_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {**VIEWPORTS["phone"], "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
NUMBER = "26112000000000012345"


def shot(page, name):
    """Screenshots for a person to look at, when INVOICE_SHOTS names a folder."""
    folder = os.environ.get("INVOICE_SHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.fixture
def phone(browser):
    contexts = []

    def open_as(user, live_server):
        context = browser.new_context(**PHONE, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        sign_in(page, live_server, user)
        return page

    yield open_as
    for context in contexts:
        context.close()


def test_special_invoice_asked_issued_and_downloaded(
    live_server, phone, consumer, cooperative, manager, tmp_path
):
    org = organisation(consumer)
    order = paid_order([(make_product(cooperative, price="29.90"), 10)], consumer, organisation=org)

    # The buyer asks for a 专用发票 from the order page.
    buyer = phone(consumer, live_server)
    buyer.goto(f"{live_server.url}/accounts/orders/{order.number}/")
    buyer.locator("#invoice-ask").click()
    form = buyer.locator("#invoice-request-form")
    expect(form).to_be_visible()
    expect(buyer.locator("#id_title")).to_have_value(org.name)
    expect(buyer.locator("#id_tax_number")).to_have_value(org.credit_code)
    expect(buyer.locator("#invoice-amounts")).to_contain_text("299.00")
    buyer.locator("label[for=id_kind_1]").click()  # 增值税专用发票
    buyer.locator("#invoice-submit").click()  # the bank details are missing
    expect(buyer.locator("#id_bank_account ~ .invalid-feedback")).to_be_visible()
    assert not InvoiceRequest.objects.exists()
    buyer.locator("#id_address").fill("北京市房山区良乡镇拱辰大街 1 号")
    buyer.locator("#id_phone").fill("010-69350000")
    buyer.locator("#id_bank_name").fill("中国工商银行北京房山支行")
    buyer.locator("#id_bank_account").fill("0200 0045 0920 0012 345")
    no_sideways_scroll(buyer)
    shot(buyer, "1-ask")
    buyer.locator("#invoice-submit").click()
    expect(buyer.locator(".invoice-row[data-status=pending]")).to_have_count(1)
    request = InvoiceRequest.objects.get()
    assert (request.kind, request.bank_account) == ("special", "0200004509200012345")
    shot(buyer, "2-asked")

    # The manager sees it in the queue, is refused a picture renamed .pdf, then uploads the PDF.
    desk = phone(manager, live_server)
    desk.goto(f"{live_server.url}/dashboard/invoices/")
    expect(desk.locator(".invoice-item")).to_have_count(1)
    no_sideways_scroll(desk)
    shot(desk, "3-queue")
    desk.locator(".invoice-item").click()
    expect(desk.locator("#invoice-title")).to_have_text(org.name)
    fake = tmp_path / "invoice.pdf"
    fake.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"0" * 256)
    desk.locator("#id_number").fill(NUMBER)
    desk.locator("#id_issued_on").fill("2026-12-01")
    desk.locator("#id_file").set_input_files(str(fake))
    desk.locator("#invoice-issue-submit").click()
    expect(desk.locator("#id_file ~ .invalid-feedback")).to_be_visible()
    shot(desk, "4-refused")
    invoice = Invoice.objects.get()
    assert invoice.status == Invoice.Status.PENDING and not invoice.file
    real = tmp_path / "real.pdf"
    real.write_bytes(PDF)
    desk.locator("#id_number").fill(NUMBER)
    desk.locator("#id_issued_on").fill("2026-12-01")
    desk.locator("#id_file").set_input_files(str(real))
    desk.locator("#invoice-issue-submit").click()
    expect(desk.locator("#invoice-status")).to_have_text("已开票")
    no_sideways_scroll(desk)
    shot(desk, "5-issued")

    # The buyer downloads it from the order page.
    buyer.goto(f"{live_server.url}/accounts/orders/{order.number}/")
    expect(buyer.locator(".invoice-row[data-status=issued]")).to_have_count(1)
    shot(buyer, "6-order")
    with buyer.expect_download() as caught:
        buyer.locator(".invoice-download").click()
    download = caught.value
    assert download.suggested_filename.endswith(f"{NUMBER}.pdf")
    assert Path(download.path()).read_bytes().startswith(b"%PDF-")
