"""Real browser at 390×844 (issue 26's acceptance, its first steps): an organisation applies (a
credit code with a bad check character is refused first, nothing made), staff approve it in the
dashboard after looking at its licence, and its administrator adds a member, who then finds the
organisation and can buy for it at the checkout. No page scrolls sideways.

Screenshots for a person to look at when ORGANISATION_SHOTS names a folder."""

import os

import pytest
from django.core import mail
from django.urls import reverse
from PIL import Image
from playwright.sync_api import expect

from organisations.models import Member, Organisation
from tests.factories import UserFactory, make_credit_code, make_product, saved_address

from .conftest import VIEWPORTS
from .test_payment_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {**VIEWPORTS["phone"], "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


def shot(page, name):
    folder = os.environ.get("ORGANISATION_SHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width}px wide"


@pytest.fixture
def phone(browser):
    contexts = []

    def open_as(user, live_server):
        context = browser.new_context(**PHONE)
        contexts.append(context)
        page = context.new_page()
        sign_in(page, live_server, user)
        return page

    yield open_as
    for context in contexts:
        context.close()


def licence_file(tmp_path):
    path = tmp_path / "营业执照.jpg"
    Image.new("RGB", (800, 560), (250, 246, 236)).save(path, format="JPEG")
    return path


def test_an_organisation_applies_is_approved_and_adds_a_member(
    phone, live_server, tmp_path, staff, cooperative, china, stripe_server
):
    applicant = UserFactory(email="union@example.com", first_name="演示", last_name="主席")
    colleague = UserFactory(email="colleague@example.com", first_name="演示", last_name="采购")
    code = make_credit_code("110111")
    bad_code = code[:17] + ("0" if code[17] != "0" else "1")

    # --- the organisation applies -------------------------------------------------------------
    page = phone(applicant, live_server)
    page.goto(f"{live_server.url}/organisations/")
    page.locator("#org-apply-link").click()
    form = page.locator("#org-apply-form")
    form.get_by_label("机构名称").fill("房山区示范单位工会")
    form.get_by_label("机构类型").select_option("union")
    form.get_by_label("统一社会信用代码").fill(bad_code)
    form.get_by_label("所在区（北京）").select_option("房山区")
    form.get_by_label("营业执照照片").set_input_files(str(licence_file(tmp_path)))
    form.get_by_label("联系人", exact=True).fill("演示联系人")
    form.get_by_label("联系人手机号").fill("139 0000 0001")
    form.get_by_label("联系邮箱").fill("union@example.com")
    no_sideways_scroll(page)
    shot(page, "1-apply-form")
    page.locator("#org-apply-submit").click()
    expect(page.locator("#org-apply-errors")).to_be_visible()
    expect(page.locator("#org-apply-form")).to_contain_text("校验位不正确")
    assert not Organisation.objects.exists()  # nothing made
    assert form.get_by_label("机构名称").input_value() == "房山区示范单位工会"  # nothing lost
    shot(page, "2-apply-bad-code")

    form.get_by_label("统一社会信用代码").fill(code)
    form.get_by_label("营业执照照片").set_input_files(str(licence_file(tmp_path)))
    page.locator("#org-apply-submit").click()
    application = page.locator(".org-application")
    expect(application).to_contain_text("房山区示范单位工会")
    expect(application.locator(".org-status")).to_have_text("待审核")
    no_sideways_scroll(page)
    shot(page, "3-application-pending")
    organisation = Organisation.objects.get()
    assert organisation.status == Organisation.Status.PENDING

    # --- staff look at the licence and approve ------------------------------------------------
    desk = phone(staff, live_server)
    desk.goto(f"{live_server.url}{reverse('dashboard:organisation-list')}")
    first = desk.locator("#organisation-list tbody tr").first
    expect(first).to_contain_text("房山区示范单位工会")
    expect(first).to_contain_text("待审核")
    shot(desk, "4-dashboard-list")
    first.get_by_role("link", name="房山区示范单位工会").click()
    licence = desk.locator("#organisation-licence")
    expect(licence).to_be_visible()
    desk.wait_for_function(  # the licence picture, from private storage, really shows
        "() => { const i = document.querySelector('#organisation-licence');"
        " return i.complete && i.naturalWidth > 0; }"
    )
    shot(desk, "5-dashboard-detail")
    mail.outbox.clear()
    desk.locator("#organisation-approve button").click()
    expect(desk.locator("#organisation-list")).to_contain_text("已通过")
    organisation.refresh_from_db()
    assert organisation.status == Organisation.Status.APPROVED
    assert [m.to for m in mail.outbox] == [["union@example.com"]]

    # --- its administrator adds a member ------------------------------------------------------
    page.goto(f"{live_server.url}/organisations/")
    page.locator(f".org-card[data-org='{organisation.pk}']").click()
    expect(page.locator("#org-role")).to_contain_text("管理员")
    expect(page.locator("#reserved-share")).to_be_visible()
    no_sideways_scroll(page)
    shot(page, "6-organisation-home")
    page.locator("#org-link-members").click()
    adding = page.locator("#org-add-member")
    adding.get_by_label("对方账号的邮箱或手机号").fill("nobody@example.com")
    page.locator("#org-add-member-submit").click()
    expect(page.locator("#org-add-member-error")).to_contain_text("没有使用此邮箱或手机号的账号")
    assert organisation.members.count() == 1
    adding.get_by_label("对方账号的邮箱或手机号").fill("colleague@example.com")
    adding.get_by_label("采购员").check()
    page.locator("#org-add-member-submit").click()
    colleague_row = page.locator(".org-member", has_text="colleague@example.com")
    expect(colleague_row.locator(".org-member-role")).to_have_text("采购员")
    no_sideways_scroll(page)
    shot(page, "7-members")
    assert organisation.members.get(user=colleague).role == Member.Role.BUYER

    # the only administrator is told so, with nothing to remove themself with
    mine = page.locator(".org-member", has_text="union@example.com")
    expect(mine.locator(".org-sole-admin")).to_contain_text("唯一的管理员")
    expect(mine.locator(".org-member-remove")).to_have_count(0)

    # --- the member finds the organisation, and buys for it at the checkout -------------------
    saved_address(colleague, china)
    buyer = phone(colleague, live_server)
    buyer.goto(f"{live_server.url}/organisations/")
    buyer.locator(f".org-card[data-org='{organisation.pk}']").click()
    expect(buyer.locator("#org-role")).to_contain_text("采购员")
    expect(buyer.locator("#org-link-members")).to_have_count(0)
    carrots = make_product(cooperative, title="察右中旗胡萝卜", price="29.90")
    buyer.goto(f"{live_server.url}{carrots.get_absolute_url()}")
    buyer.locator("#buy-now").click()  # 立即购买: straight to the checkout
    choice = buyer.locator("#checkout-buy-for")
    expect(choice).to_contain_text("以个人身份购买")
    expect(choice.get_by_label("以个人身份购买")).to_be_checked()
    choice.get_by_label("为「房山区示范单位工会」采购").check()
    no_sideways_scroll(buyer)
    shot(buyer, "8-checkout-for-organisation")
    buyer.locator("#place-order").click()
    expect(buyer.locator("#payment-form")).to_be_visible()
    order = organisation.orders.get()
    assert order.user == colleague
