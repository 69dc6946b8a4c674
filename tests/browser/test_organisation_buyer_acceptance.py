"""Issue 26's acceptance as ONE story in a real browser, buyers on a phone (390×844), staff at a
desk: an organisation applies and staff approve it; its administrator adds a 采购员; the 采购员
uploads a 50-recipient gift sheet with one bad row (listed, nothing made, no stock held), then the
good sheet (50 orders, one batch, stock held once) and pays the batch by 对公转账; staff import the
bank statement (the batch's transfer, a short payment and an unknown credit): the batch and its
50 orders are 已付款 and the two others are listed; the organisation asks for a 专用发票 on the
batch, the cooperative's manager uploads it and the buyer downloads it; the district's official
sees the purchase on /impact/; the organisation's certificate downloads and verifies.

The page interactions are the part journeys' own (test_organisation_journey, test_batch_journey,
test_transfer_journey, test_invoice_journey, test_buyer_districts, test_certificate_journey)."""

import io
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect
from reportlab.pdfgen import canvas

from impact.models import OfficialScope
from invoices.models import Invoice, InvoiceRequest
from orders import statuses
from orders.payments import transfers
from orders.payments.models import StatementLine, TransferInstruction
from organisations.models import Member, Organisation, PurchaseBatch
from tests.factories import (
    MembershipFactory,
    UserFactory,
    make_credit_code,
    make_order,
    make_product,
    shipping_address,
)
from tests.orders.test_transfers import for_organisation, make_organisation
from tests.organisations.batch_factories import csv_bytes, good_rows

from .conftest import VIEWPORTS
from .test_organisation_journey import licence_file, no_sideways_scroll
from .test_payment_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {**VIEWPORTS["phone"], "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
DESKTOP = {**VIEWPORTS["desktop"], "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
CEILING = 30_000  # ms: generous, for a batch of 50 orders made and paid on a slow machine
INVOICE_NUMBER = "26112000000000026026"


@pytest.fixture(autouse=True)
def _generous_expect():
    """expect() waits up to CEILING here (its own default is 5 s), and as before afterwards."""
    before = getattr(expect, "_timeout", None)
    expect.set_options(timeout=CEILING)
    yield
    expect.set_options(timeout=before)


@pytest.fixture
def open_as(browser):
    """``open_as(user, live_server, device)``: a page of its own browser context, signed in as
    ``user`` (nobody when None), downloads allowed."""
    contexts = []

    def opener(user, live_server, device=PHONE):
        context = browser.new_context(**device, accept_downloads=True)
        context.set_default_timeout(CEILING)
        contexts.append(context)
        page = context.new_page()
        if user is not None:
            sign_in(page, live_server, user)
        return page

    yield opener
    for context in contexts:
        context.close()


def shot(page, name):
    """Screenshots for a person to look at, when ACCEPTANCE_SHOTS names a folder."""
    folder = os.environ.get("ACCEPTANCE_SHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def small_pdf() -> bytes:
    """A real one-page PDF, as the tax platform's electronic invoice would be."""
    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=(300, 200))
    sheet.drawString(20, 100, f"Invoice {INVOICE_NUMBER}")
    sheet.showPage()
    sheet.save()
    return buffer.getvalue()


def upload(name, content, mime):
    return {"name": name, "mimeType": mime, "buffer": content}


def test_an_organisation_buys_gifts_pays_by_transfer_gets_its_invoice_and_certificate(
    open_as, live_server, tmp_path, staff, cooperative, manager, china
):
    year = timezone.localdate().year
    admin = UserFactory(email="union@example.com", first_name="演示", last_name="主席")
    purchaser = UserFactory(email="purchaser@example.com", first_name="演示", last_name="采购")
    official = UserFactory(email="official-fangshan@example.com")
    OfficialScope.objects.create(user=official, kind="district", beijing_district="房山区")
    MembershipFactory(cooperative=cooperative)  # a household shares in the cooperative's sales
    tea = make_product(cooperative, title="草原红茶礼盒", price="29.90", num_in_stock=500)
    # Another organisation's order, waiting for its own transfer: the statement's short payment
    # (对公转账 is for an approved organisation's orders only).
    carrots = make_product(cooperative, title="察右中旗胡萝卜", price="52.00", num_in_stock=20)
    elsewhere_buyer = UserFactory()
    elsewhere = make_organisation(elsewhere_buyer)
    other_order = for_organisation(
        make_order([(carrots, 1)], user=elsewhere_buyer, shipping_address=shipping_address(china)),
        elsewhere,
    )
    other = transfers.instruction_for_order(other_order)
    code = make_credit_code("110111")

    # --- the organisation applies (phone) -----------------------------------------------------
    page = open_as(admin, live_server)
    page.goto(f"{live_server.url}/organisations/")
    page.locator("#org-apply-link").click()
    form = page.locator("#org-apply-form")
    form.get_by_label("机构名称").fill("房山区示范单位工会")
    form.get_by_label("机构类型").select_option("union")
    form.get_by_label("统一社会信用代码").fill(code)
    form.get_by_label("所在区（北京）").select_option("房山区")
    form.get_by_label("营业执照照片").set_input_files(str(licence_file(tmp_path)))
    form.get_by_label("联系人", exact=True).fill("演示联系人")
    form.get_by_label("联系人手机号").fill("139 0000 0001")
    form.get_by_label("联系邮箱").fill("union@example.com")
    page.locator("#org-apply-submit").click()
    expect(page.locator(".org-application .org-status")).to_have_text("待审核")
    no_sideways_scroll(page)
    organisation = Organisation.objects.exclude(pk=elsewhere.pk).get()
    assert organisation.status == Organisation.Status.PENDING

    # --- staff approve it (desk) --------------------------------------------------------------
    desk = open_as(staff, live_server, DESKTOP)
    desk.goto(f"{live_server.url}{reverse('dashboard:organisation-list')}")
    desk.locator("#organisation-list tbody tr").first.get_by_role(
        "link", name="房山区示范单位工会"
    ).click()
    expect(desk.locator("#organisation-licence")).to_be_visible()
    desk.locator("#organisation-approve button").click()
    expect(desk.locator("#organisation-list")).to_contain_text("已通过")
    organisation.refresh_from_db()
    assert organisation.status == Organisation.Status.APPROVED

    # --- its administrator adds a member, a 采购员 (phone) ------------------------------------
    page.goto(f"{live_server.url}/organisations/")
    page.locator(f".org-card[data-org='{organisation.pk}']").click()
    expect(page.locator("#org-role")).to_contain_text("管理员")
    page.locator("#org-link-members").click()
    adding = page.locator("#org-add-member")
    adding.get_by_label("对方账号的邮箱或手机号").fill("purchaser@example.com")
    adding.get_by_label("采购员").check()
    page.locator("#org-add-member-submit").click()
    row = page.locator(".org-member", has_text="purchaser@example.com")
    expect(row.locator(".org-member-role")).to_have_text("采购员")
    assert organisation.members.get(user=purchaser).role == Member.Role.BUYER

    # --- the 采购员 uploads a gift sheet with one bad row: listed, nothing made (phone) -------
    stock = tea.stockrecords.get()
    held_before = stock.num_allocated or 0
    orders_before = organisation.orders.count()
    rows = good_rows(50)
    bad = [list(r) for r in rows]
    bad[29][1] = "1380013"  # row 31 of the sheet (after the header): not a mobile number
    buyer = open_as(purchaser, live_server)
    buyer.goto(f"{live_server.url}/organisations/")
    buyer.locator(f".org-card[data-org='{organisation.pk}']").click()
    expect(buyer.locator("#org-role")).to_contain_text("采购员")
    buyer.locator("#org-link-batch-new").click()
    buyer.select_option("#id_gift-0-product", str(tea.pk))
    buyer.fill("#id_gift-0-quantity", "2")
    buyer.fill("#id_title", "春节会员慰问品")
    buyer.set_input_files("#id_sheet", upload("会员名单.csv", csv_bytes(bad), "text/csv"))
    buyer.click("#batch-submit")
    errors = buyer.locator("#sheet-errors .sheet-error")
    expect(errors).to_have_count(1)
    expect(errors.first).to_have_attribute("data-line", "31")
    expect(errors.first).to_contain_text("不是中国大陆手机号")
    no_sideways_scroll(buyer)
    shot(buyer, "1-bad-row")
    assert not PurchaseBatch.objects.exists()
    assert organisation.orders.count() == orders_before
    stock.refresh_from_db()
    assert (stock.num_allocated or 0) == held_before  # no stock held

    # --- then the good sheet: 50 orders, one batch, the stock held once ----------------------
    expect(buyer.locator("#id_gift-0-product")).to_have_value(str(tea.pk))
    buyer.set_input_files("#id_sheet", upload("会员名单.csv", csv_bytes(rows), "text/csv"))
    buyer.click("#batch-submit")
    expect(buyer.locator("#batch-status")).to_have_attribute("data-status", "pending")
    batch = PurchaseBatch.objects.get()
    total = batch.total
    assert total == Decimal("2990.00")  # 50 recipients × 2 × ¥29.90, shipping free
    assert batch.orders.count() == 50 and batch.recipients == 50
    assert organisation.orders.count() == orders_before + 50
    stock.refresh_from_db()
    assert stock.num_allocated == held_before + 50 * 2
    expect(buyer.locator("#batch-recipients")).to_have_text("50")
    expect(buyer.locator("#batch-total")).to_contain_text("2,990.00")
    expect(buyer.locator("tr.batch-order")).to_have_count(50)
    no_sideways_scroll(buyer)
    shot(buyer, "2-batch")
    batch_url = buyer.url

    # --- the 采购员 chooses 对公转账 for the batch and is shown its reference ------------------
    buyer.locator("#batch-pay-transfer").click()
    buyer.locator("#choose-transfer").click()
    shown = buyer.locator("#transfer-reference")
    expect(shown).to_be_visible()
    reference = shown.inner_text().strip()
    assert TransferInstruction.objects.get(batch=batch).reference == reference
    expect(buyer.locator("#transfer-exact")).to_have_text("¥2,990.00")
    no_sideways_scroll(buyer)
    shot(buyer, "3-transfer")

    # --- staff import the bank statement: the batch's transfer, a short one, an unknown one ---
    today = timezone.localdate().isoformat()
    statement = (
        "交易日期,贷方金额,付款人名称,付款人账号,摘要\n"
        f"{today},{total},房山区示范单位工会,0200 0045 0920 0012 345,慰问品 {reference}\n"
        f"{today},10.00,北京某某公司,1100 2233 4455,{other.reference}\n"
        f"{today},88.00,张三,6222 0000 1111,转账\n"
    ).encode()
    desk.goto(f"{live_server.url}/dashboard/transfers/")
    desk.locator("#import-statement").click()
    desk.locator("#id_statement").set_input_files(
        files=[upload("statement.csv", statement, "text/csv")]
    )
    desk.locator("#statement-submit").click()
    expect(desk.locator(".alert-success")).to_be_visible()
    expect(desk.locator("#transfer-lines tbody tr[data-line]")).to_have_count(2)
    expect(desk.locator("#transfer-lines tr[data-status=short]")).to_contain_text(other.reference)
    expect(desk.locator("#transfer-lines tr[data-status=unmatched]")).to_contain_text("张三")
    shot(desk, "4-statement-imported")
    batch.refresh_from_db()
    assert batch.status == PurchaseBatch.Status.PAID and batch.paid_at
    assert sorted(set(batch.orders.values_list("status", flat=True))) == [statuses.PAID]
    assert {o.sources.get().source_type.code for o in batch.orders.all()} == {"transfer"}
    other_order.refresh_from_db()
    assert other_order.status == statuses.PENDING_PAYMENT
    assert StatementLine.objects.filter(status__in=StatementLine.NEEDS_A_PERSON).count() == 2

    buyer.goto(batch_url)  # the batch page says so too
    expect(buyer.locator("#batch-status")).to_have_attribute("data-status", "paid")
    expect(buyer.locator("#batch-pay")).to_have_count(0)
    expect(buyer.locator("tr.batch-order .order-status")).to_have_text([statuses.PAID] * 50)
    shot(buyer, "5-batch-paid")

    # --- the organisation asks for a 专用发票 on the batch (phone) -----------------------------
    buyer.locator("#invoice-ask").click()
    expect(buyer.locator("#invoice-request-form")).to_be_visible()
    expect(buyer.locator("#id_title")).to_have_value(organisation.name)
    expect(buyer.locator("#id_tax_number")).to_have_value(organisation.credit_code)
    expect(buyer.locator("#invoice-amounts")).to_contain_text("2,990.00")
    buyer.locator("label[for=id_kind_1]").click()  # 增值税专用发票
    buyer.locator("#id_address").fill("北京市房山区良乡镇拱辰大街 1 号")
    buyer.locator("#id_phone").fill("010-69350000")
    buyer.locator("#id_bank_name").fill("中国工商银行北京房山支行")
    buyer.locator("#id_bank_account").fill("0200 0045 0920 0012 345")
    no_sideways_scroll(buyer)
    buyer.locator("#invoice-submit").click()
    expect(buyer.locator(".invoice-row[data-status=pending]")).to_have_count(1)
    request = InvoiceRequest.objects.get()
    assert (request.batch_id, request.kind) == (batch.pk, InvoiceRequest.Kind.SPECIAL)

    # --- the cooperative's manager uploads it (phone) -----------------------------------------
    coop = open_as(manager, live_server)
    coop.goto(f"{live_server.url}/dashboard/invoices/")
    expect(coop.locator(".invoice-item")).to_have_count(1)
    coop.locator(".invoice-item").click()
    expect(coop.locator("#invoice-title")).to_have_text(organisation.name)
    expect(coop.locator("#invoice-amount")).to_contain_text("2,990.00")
    real = tmp_path / "invoice.pdf"
    real.write_bytes(small_pdf())
    coop.locator("#id_number").fill(INVOICE_NUMBER)
    coop.locator("#id_issued_on").fill(today)
    coop.locator("#id_file").set_input_files(str(real))
    coop.locator("#invoice-issue-submit").click()
    expect(coop.locator("#invoice-status")).to_have_text("已开票")
    shot(coop, "6-invoice-issued")
    assert Invoice.objects.get().status == Invoice.Status.ISSUED

    # --- the buyer downloads it from the batch page -------------------------------------------
    buyer.goto(batch_url)
    expect(buyer.locator(".invoice-row[data-status=issued]")).to_have_count(1)
    with buyer.expect_download(timeout=CEILING) as caught:
        buyer.locator(".invoice-download").click()
    download = caught.value
    assert download.suggested_filename.endswith(f"{INVOICE_NUMBER}.pdf")
    assert Path(download.path()).read_bytes().startswith(b"%PDF")

    # --- the 房山区 official sees the district's purchases on /impact/ (phone) ----------------
    impact = open_as(official, live_server)
    impact.goto(f"{live_server.url}/impact/")
    buyers = impact.locator("#buyers")
    expect(buyers.locator(".impact-buyer-scope")).to_contain_text("房山区")
    expect(buyers.locator("[data-buyer-total=gmv]")).to_have_text("¥2,990.00")
    expect(buyers.locator("[data-buyer-total=paid_orders]")).to_have_text("50")
    district = impact.locator("#buyers-by-buyer_district tbody tr", has_text="房山区")
    expect(district).to_have_count(1)
    expect(district).to_contain_text("2,990.00")
    # bought from the cooperative's county, paired with 房山区: the cross table marks the cell
    expect(impact.locator("#buyers-cross td.impact-paired")).to_contain_text("2,990.00")
    no_sideways_scroll(impact)
    shot(impact, "7-impact")

    # --- the organisation's certificate for the year, and its verify page ---------------------
    page.goto(f"{live_server.url}/organisations/{organisation.pk}/")
    page.locator("#org-link-certificate").click()
    expect(page.locator("#certificate-year")).to_have_value(str(year))
    expect(page.locator("#certificate-amount")).to_contain_text("2990.00")
    no_sideways_scroll(page)
    with page.expect_download(timeout=CEILING) as caught:
        page.locator("#certificate-download").click()
    pdf = Path(caught.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    [url] = set(re.findall(rb"/URI \((https?://[^)]+)\)", pdf))
    url = url.decode()
    assert url.startswith(f"{live_server.url}/certificates/verify/")
    stranger = open_as(None, live_server)
    stranger.goto(url)
    expect(stranger.locator("#certificate-valid")).to_have_text(re.compile("证明有效"))
    expect(stranger.locator("#verify-year")).to_have_text(str(year))
    expect(stranger.locator("#verify-buyer")).to_contain_text("房山区示范单位工会")
    expect(stranger.locator("#verify-amount-issued")).to_contain_text("2990.00")
    no_sideways_scroll(stranger)
    shot(stranger, "8-verified")
