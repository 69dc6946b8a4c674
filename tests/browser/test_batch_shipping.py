"""Real browser on a phone (390×844): a cooperative manager ships three orders in one submit
from the fulfilment list (one tracking number of another shape confirmed), then imports a
courier's sheet with one bad row (nothing ships, the row is named) and then a good one."""

import pytest
from playwright.sync_api import expect

from orders import statuses
from tests.factories import make_order, make_product, shipping_address

from .conftest import VIEWPORTS
from .test_payment_journey import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {**VIEWPORTS["phone"], "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


def paid_orders(product, china, consumer, names):
    orders = []
    for name in names:
        order = make_order([(product, 1)], user=consumer, status=statuses.PAID)
        type(order).objects.filter(pk=order.pk).update(
            shipping_address=shipping_address(china, first_name=name)
        )
        order.refresh_from_db()
        orders.append(order)
    return orders


def unlabelled_inputs(page):
    """The visible form controls without a visible <label> of their own (a placeholder is no
    label)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
            .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
            .filter(el => ![...(el.labels || [])].some(l => l.offsetParent !== null
                                                         && l.textContent.trim()))
            .map(el => el.name || el.id)"""
    )


@pytest.fixture
def phone(browser, chromium_path, live_server, manager):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    sign_in(page, live_server, manager)
    yield page
    context.close()


def test_a_manager_ships_three_orders_in_one_submit(
    phone, live_server, cooperative, consumer, china
):
    carrots = make_product(cooperative, title="察右中旗草原胡萝卜", price="29.90")
    orders = paid_orders(carrots, china, consumer, ["李华", "王芳", "张伟"])
    numbers = {orders[0]: "SF1000000000001", orders[1]: "SF1000000000002"}
    numbers[orders[2]] = "1234567890123"  # not SF's shape: a warning to confirm

    page = phone
    page.goto(f"{live_server.url}/dashboard/cooperatives/fulfilment/")
    assert unlabelled_inputs(page) == []
    for order, number in numbers.items():
        card = page.locator(f"#order-{order.number}")
        expect(card.locator(".ship-name")).to_have_text(order.shipping_address.first_name)
        expect(card.locator(".ship-phone")).to_contain_text("138 1234 5678")
        card.get_by_label("运单号").fill(number)  # typing a number selects its order
        expect(card.locator(".ship-select")).to_be_checked()
    page.get_by_label("快递公司").select_option("SF")
    submit = page.locator("#ship-submit")
    expect(submit).to_be_in_viewport()  # the sticky action bar, over the cards
    expect(page.locator("#ship-selected")).to_contain_text("3")
    submit.click()

    expect(page.locator("#ship-warnings")).to_be_visible()
    warned = page.locator(f"#order-{orders[2].number}")
    expect(warned.locator(".ship-warning")).to_contain_text("1234567890123")
    expect(warned.get_by_label("运单号")).to_have_value("1234567890123")  # kept as typed
    expect(page.get_by_label("快递公司")).to_have_value("SF")
    assert not any(order.parcels.exists() for order in orders)

    page.locator("#ship-confirm").click()
    expect(page.locator("#nothing-to-ship")).to_be_visible()
    for order, number in numbers.items():
        order.refresh_from_db()
        assert order.status == statuses.SHIPPED
        assert order.parcels.get().tracking_number == number

    # The order page opens on where the parcel went; nothing on it is wider than the phone.
    page.goto(f"{live_server.url}/dashboard/orders/{orders[0].number}/")
    expect(page.locator("#order-recipient .ship-phone")).to_have_text("138 1234 5678")
    expect(page.locator("#order-recipient")).to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert unlabelled_inputs(page) == []


def test_a_courier_sheet_with_a_bad_row_ships_nothing_then_a_good_one_ships(
    phone, live_server, cooperative, other_cooperative, consumer, china
):
    carrots = make_product(cooperative, title="察右中旗草原胡萝卜", price="29.90")
    tea = make_product(other_cooperative, title="武川雪菊茶", price="68.00")
    ours = paid_orders(carrots, china, consumer, ["李华", "王芳"])
    (theirs,) = paid_orders(tea, china, consumer, ["赵敏"])

    def sheet(rows):
        text = "订单号,快递公司,快递单号\n" + "".join(f"{n},{c},{t}\n" for n, c, t in rows)
        return {"name": "huidan.csv", "mimeType": "text/csv", "buffer": text.encode("utf-8")}

    page = phone
    page.goto(f"{live_server.url}/dashboard/cooperatives/fulfilment/")
    page.locator("#shipping-import-link").click()
    page.get_by_label("快递回单").set_input_files(
        sheet(
            [
                (ours[0].number, "顺丰", "SF1000000000001"),
                (theirs.number, "顺丰", "SF1000000000002"),  # line 3: not ours
                (ours[1].number, "ZTO", "731234567890"),
            ]
        )
    )
    page.locator("#import-submit").click()
    errors = page.locator("#import-errors")
    expect(errors).to_contain_text("第 3 行")
    expect(errors).to_contain_text(theirs.number)
    expect(errors).not_to_contain_text("第 2 行")
    assert not any(order.parcels.exists() for order in (*ours, theirs))

    page.get_by_label("快递回单").set_input_files(
        sheet(
            [(ours[0].number, "顺丰", "SF1000000000001"), (ours[1].number, "中通", "731234567890")]
        )
    )
    page.locator("#import-submit").click()
    expect(page).to_have_url(f"{live_server.url}/dashboard/cooperatives/fulfilment/")
    expect(page.locator("#nothing-to-ship")).to_be_visible()
    for order, number in zip(ours, ["SF1000000000001", "731234567890"], strict=True):
        assert order.parcels.get().tracking_number == number
    assert not theirs.parcels.exists()


def test_an_order_in_a_refund_case_is_flagged_and_not_shipped(
    phone, live_server, cooperative, consumer, china
):
    from orders import aftersales

    carrots = make_product(cooperative, title="察右中旗草原胡萝卜", price="29.90")
    ok, held = paid_orders(carrots, china, consumer, ["李华", "王芳"])
    aftersales.request(
        held, kind="refund", reason="changed_mind", description="请别发货",
        quantities={held.lines.get(): 1}, user=consumer,
    )  # fmt: skip

    page = phone
    page.goto(f"{live_server.url}/dashboard/cooperatives/fulfilment/")
    card = page.locator(f"#order-{held.number}")
    note = card.locator(".ship-held")
    expect(note).to_contain_text("售后中：买家申请退款 1 件，请先处理售后")
    expect(note.get_by_role("link")).to_have_attribute("href", "/dashboard/orders/after-sales/")
    expect(page.locator(f"#order-{ok.number} .ship-held")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    card.scroll_into_view_if_needed()
    page.screenshot(path="/tmp/shipfix/held-card.png")

    card.get_by_label("运单号").fill("SF1000000000002")
    page.locator(f"#order-{ok.number}").get_by_label("运单号").fill("SF1000000000001")
    page.get_by_label("快递公司").select_option("SF")
    page.locator("#ship-submit").click()
    expect(card.locator(".ship-error")).to_contain_text("请先处理售后")
    expect(card.get_by_label("运单号")).to_have_value("SF1000000000002")
    assert not ok.parcels.exists() and not held.parcels.exists()  # all or nothing
