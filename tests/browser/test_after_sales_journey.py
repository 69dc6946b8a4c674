"""Real browser at 390×844: a buyer asks for a refund with a photo, the cooperative's manager agrees
in the after-sales queue and the order shows 已退款 with the ledger reversed; a refusal reaches the
buyer with its reason; a case left 48 hours goes to staff."""

import os
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from oscar.core.loading import get_model
from PIL import Image
from playwright.sync_api import expect

from cooperatives.models import BenefitEntry
from orders import aftersales, services, statuses
from orders.tasks import escalate_after_sales
from tests.factories import MembershipFactory, make_order, make_product
from tests.orders.stripe_support import pay

from .conftest import VIEWPORTS
from .test_payment_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AfterSalesRequest = get_model("order", "AfterSalesRequest")
PHONE = {**VIEWPORTS["phone"], "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


def shot(page, name):
    """Screenshots for a person to look at, when AFTER_SALES_SHOTS names a folder."""
    folder = os.environ.get("AFTER_SALES_SHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


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


@pytest.fixture
def shipped_order(cooperative, consumer, manager, stripe_server):
    MembershipFactory(cooperative=cooperative)
    MembershipFactory(cooperative=cooperative, weight=Decimal("2"))
    carrots = make_product(cooperative, title="察右中旗草原胡萝卜 5斤装", price="29.90")
    order = make_order([(carrots, 2)], user=consumer)
    pay(order)  # transactional test: the webhook's task runs on commit
    order.refresh_from_db()
    assert order.status == statuses.PAID
    services.ship(
        order, list(order.lines.all()), carrier="SF", tracking_number="SF123456789012", user=manager
    )
    order.refresh_from_db()
    return order


def ledger_sum(order):
    return sum(
        BenefitEntry.objects.filter(order_line__order=order).values_list("amount", flat=True),
        Decimal("0"),
    )


def ask_for_refund(page, live_server, order, tmp_path, *, photo=True):
    page.goto(f"{live_server.url}/accounts/orders/{order.number}/")
    page.locator("#order-status").wait_for()
    page.locator("[data-action=after-sales]").first.click()
    form = page.locator("#after-sales-form")
    expect(form).to_be_visible()
    line = order.lines.get()
    page.get_by_label("仅退款").check()
    page.locator(f"#id_qty_{line.pk}").fill("2")
    page.get_by_label("原因").select_option("damaged")
    page.get_by_label("问题描述").fill("两袋胡萝卜到货时已经烂了")
    if photo:
        path = tmp_path / "broken.jpg"
        Image.new("RGB", (800, 600), "brown").save(path, format="JPEG")
        page.locator("#id_photos").set_input_files(str(path))
    shot(page, "1-buyer-form")
    page.locator("#after-sales-submit").click()
    expect(page.locator("#after-sales-cases")).to_contain_text("等待合作社处理")


def test_a_refund_with_a_photo_agreed_by_the_manager_refunds_and_reverses_the_ledger(
    live_server, browser, phone, shipped_order, consumer, manager, tmp_path
):
    order = shipped_order
    assert ledger_sum(order) > 0
    buyer = phone(consumer, live_server)
    ask_for_refund(buyer, live_server, order, tmp_path)
    case = AfterSalesRequest.objects.get()
    assert case.photos.count() == 1
    expect(buyer.locator("#after-sales-cases img")).to_have_count(1)
    shot(buyer, "2-buyer-asked")

    desk = phone(manager, live_server)
    desk.goto(f"{live_server.url}/dashboard/orders/after-sales/")
    card = desk.locator(f"#after-sales-{case.pk}")
    expect(card).to_contain_text("两袋胡萝卜到货时已经烂了")
    expect(card.locator(".after-sales-photos img")).to_have_count(1)
    assert desk.evaluate("document.documentElement.scrollWidth") <= 390  # cards, no side scroll
    shot(desk, "3-manager-queue")
    asked = []

    def answer(dialog):  # 同意并退款 asks first (static/jingmeng/js/after-sales-dashboard.js)
        asked.append(dialog.message)
        dialog.accept()

    desk.once("dialog", answer)
    card.locator(".after-sales-agree").click()
    expect(desk.locator(".alert-success")).to_contain_text("已同意并退款")
    assert asked and order.number in asked[0]
    shot(desk, "4-manager-agreed")

    buyer.reload()
    expect(buyer.locator("#order-status")).to_have_text("已退款")
    expect(buyer.locator("#order-timeline")).to_contain_text("合作社已同意")
    expect(buyer.locator("#after-sales-cases .after-sales-status")).to_have_text("已退款")
    shot(buyer, "5-buyer-refunded")
    order.refresh_from_db()
    assert order.status == statuses.REFUNDED
    assert ledger_sum(order) == 0


def test_a_refusal_reaches_the_buyer_with_its_reason(
    live_server, browser, phone, shipped_order, consumer, manager, tmp_path
):
    order = shipped_order
    buyer = phone(consumer, live_server)
    ask_for_refund(buyer, live_server, order, tmp_path, photo=False)
    case = AfterSalesRequest.objects.get()

    desk = phone(manager, live_server)
    desk.goto(f"{live_server.url}/dashboard/orders/{order.number}/")
    card = desk.locator(f"#after-sales-{case.pk}")
    card.get_by_label("拒绝理由（买家可见）").fill("照片中商品完好，请先联系客服核实")
    card.locator(".after-sales-refuse").click()
    expect(desk.locator(".alert-info")).to_contain_text("已拒绝")

    buyer.goto(f"{live_server.url}/track/{order.number}/")
    expect(buyer.locator("#after-sales-cases .after-sales-refusal")).to_contain_text(
        "照片中商品完好，请先联系客服核实"
    )
    expect(buyer.locator("#order-timeline")).to_contain_text("已拒绝")
    shot(buyer, "6-buyer-refused")
    case.refresh_from_db()
    assert case.status == AfterSalesRequest.Status.REJECTED
    order.refresh_from_db()
    assert order.status == statuses.SHIPPED


def test_a_case_left_48_hours_goes_to_staff(
    live_server, browser, phone, shipped_order, consumer, manager, staff
):
    order = shipped_order
    [case] = aftersales.request(
        order,
        kind="refund",
        reason="quality",
        description="和描述不符",
        quantities={order.lines.get(): 1},
        user=consumer,
    )
    AfterSalesRequest.objects.filter(pk=case.pk).update(
        created=timezone.now() - timedelta(hours=49)
    )
    assert escalate_after_sales() == 1

    desk = phone(manager, live_server)
    desk.goto(f"{live_server.url}/dashboard/orders/after-sales/")
    card = desk.locator(f"#after-sales-{case.pk}")
    expect(card.locator(".after-sales-escalated")).to_be_visible()
    expect(card.locator(".after-sales-agree")).to_have_count(0)

    admin = phone(staff, live_server)
    admin.goto(f"{live_server.url}/dashboard/orders/after-sales/")
    card = admin.locator(f"#after-sales-{case.pk}")
    expect(card.locator(".after-sales-age")).to_contain_text("已等待 2 天")
    shot(admin, "7-staff-queue")
    card.get_by_label("拒绝理由（买家可见）").fill("已超过售后期限")
    card.locator(".after-sales-refuse").click()
    expect(admin.locator(".alert-info")).to_contain_text("已拒绝")
    case.refresh_from_db()
    assert case.status == AfterSalesRequest.Status.REJECTED and case.decided_by == staff
