"""Real browser, on a phone: a buyer whose order has shipped writes a review with a photo; it is
not shown until the product's cooperative manager approves it, then it is, with its thumbnail,
the 已购 badge and the rating under the title."""

import io
import os

import pytest
from PIL import Image
from playwright.sync_api import expect

from orders import services, statuses
from tests.factories import make_order, make_product

from .test_payment_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def test_a_buyer_reviews_a_shipped_product_and_it_shows_once_the_manager_approves(
    chromium_path, live_server, browser, journey_device, manager, cooperative, consumer, tmp_path
):
    carrots = make_product(cooperative, title="察右中旗草原胡萝卜 5斤装", price="29.90")
    order = make_order([(carrots, 1)], user=consumer, status=statuses.PAID)
    services.ship(
        order, list(order.lines.all()), carrier="SF", tracking_number="SF123456789012", user=manager
    )
    photo = tmp_path / "IMG_2041.jpg"
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (230, 120, 30)).save(out, format="JPEG")
    photo.write_bytes(out.getvalue())

    buyer = browser.new_context(**journey_device)
    page = buyer.new_page()
    sign_in(page, live_server, consumer)
    product_url = f"{live_server.url}{carrots.get_absolute_url()}"
    page.goto(product_url)
    page.get_by_role("link", name="写评价").click()
    page.locator("input[name=score][value='5']").check()
    page.locator("#id_title").fill("胡萝卜又甜又脆")
    page.locator("#id_body").fill("个头匀称，水分足，孩子爱吃。")
    page.locator("#id_photos").set_input_files(str(photo))
    if os.environ.get("REVIEW_SCREENSHOT"):
        page.screenshot(path=os.environ["REVIEW_SCREENSHOT"].replace(".png", "-form.png"))
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator("body")).to_contain_text("审核通过后即会显示")
    expect(page.locator(".jm-reviews")).not_to_contain_text("胡萝卜又甜又脆")
    expect(page.get_by_role("link", name="写评价")).to_have_count(0)  # once per line

    staff_side = browser.new_context(viewport=PHONE, locale="zh-CN")
    dashboard = staff_side.new_page()
    sign_in(dashboard, live_server, manager)
    dashboard.goto(f"{live_server.url}/dashboard/reviews/")
    expect(dashboard.locator("#update_reviews_form")).to_contain_text("胡萝卜又甜又脆")
    dashboard.locator("input.selected_review").first.check()
    dashboard.locator("#update_reviews_form select[name=status]").select_option("1")
    dashboard.locator("#update_reviews_form button[name=update]").click()
    expect(dashboard.locator("#update_reviews_form")).to_contain_text("已通过")
    staff_side.close()

    page.goto(product_url)
    review = page.locator(".jm-review").first
    expect(review).to_contain_text("胡萝卜又甜又脆")
    expect(review.locator(".jm-bought")).to_have_text("已购")
    thumb = review.locator(".jm-review-photos img")
    expect(thumb).to_have_count(1)
    assert thumb.evaluate("img => img.complete && img.naturalWidth > 0")
    expect(page.locator(".product_main .jm-rating")).to_contain_text("★5.0")
    expect(page.locator(".product_main .jm-rating")).to_contain_text("(1)")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= journey_device["viewport"]["width"], (
        f"the page scrolls sideways: {width}px wide"
    )
    if os.environ.get("REVIEW_SCREENSHOT"):  # a look at the page on the phone
        page.locator(".jm-reviews").scroll_into_view_if_needed()
        page.screenshot(path=os.environ["REVIEW_SCREENSHOT"])
    page.goto(f"{live_server.url}/catalogue/")
    card = page.locator(".product_pod", has_text="察右中旗草原胡萝卜")
    expect(card.locator(".jm-rating")).to_have_text("★5.0 (1)")
    if os.environ.get("REVIEW_SCREENSHOT"):
        page.screenshot(path=os.environ["REVIEW_SCREENSHOT"].replace(".png", "-card.png"))
    buyer.close()
