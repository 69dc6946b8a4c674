"""Real-browser payment: basket → Chinese address → Stripe.js card form (localstripe) → 已付款,
made so by localstripe's signed webhook to the live server, even when the buyer closes the tab."""

import time

import pytest
import requests
from django.core import mail
from django.test import Client
from playwright.sync_api import expect

from cooperatives.models import BenefitEntry
from orders import statuses
from tests.factories import MembershipFactory, make_order, make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def webhooks_to_live_server(stripe_server, live_server, settings):
    """localstripe sends its signed events to this test run's server, as Stripe would."""
    response = requests.post(
        f"{stripe_server}/_config/webhooks/jingmeng",
        json={
            "url": f"{live_server.url}/payments/stripe/webhook/",
            "secret": settings.STRIPE_WEBHOOK_SECRET,
        },
        timeout=10,
    )
    response.raise_for_status()
    yield live_server
    settle_webhooks()
    # Deliveries stop with the test: a late one must not meet the database being flushed.
    requests.post(
        f"{stripe_server}/_config/webhooks/jingmeng",
        json={"url": "http://127.0.0.1:9/closed/", "secret": settings.STRIPE_WEBHOOK_SECRET},
        timeout=10,
    ).raise_for_status()


def settle_webhooks(quiet_seconds=1.5, timeout=20):
    """Wait until every webhook localstripe sent has been processed and none came for a while
    (localstripe delivers about a second after the event)."""
    from orders.payments.models import WebhookEvent

    deadline = time.monotonic() + timeout
    seen, quiet_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = WebhookEvent.objects.count()
        pending = WebhookEvent.objects.filter(processed__isnull=True).exists()
        if count != seen or pending:
            seen, quiet_since = count, time.monotonic()
        elif time.monotonic() - quiet_since >= quiet_seconds:
            return
        time.sleep(0.2)


@pytest.fixture
def carrots(cooperative):
    MembershipFactory(cooperative=cooperative)
    MembershipFactory(cooperative=cooperative)
    return make_product(cooperative, title="察右中旗胡萝卜 5斤装", price="29.90", num_in_stock=10)


def fill_card(page, number="4242424242424242"):
    card = page.locator("#card-element")
    card.locator("input[placeholder=number]").fill(number)
    card.locator("input[placeholder=exp_month]").fill("12")
    card.locator("input[placeholder=exp_year]").fill("34")
    card.locator("input[placeholder=cvc]").fill("123")


def test_guest_pays_by_card_and_sees_the_order_paid(
    chromium_path, webhooks_to_live_server, page, carrots, china
):
    url = webhooks_to_live_server.url
    page.goto(f"{url}{carrots.get_absolute_url()}")
    page.locator("#add-to-basket").click()
    page.goto(f"{url}/basket/")
    page.locator("a[href='/checkout/']").last.click()  # the basket's checkout button

    # One page: contact, address, shipping, the items and the total, "提交订单".
    expect(page.locator("h1")).to_have_text("确认订单")
    expect(page.locator("#checkout-shipping")).to_contain_text("免费配送")
    expect(page.locator("#place-order")).to_contain_text("提交订单 · ¥29.90")
    page.fill("#id_email", "buyer@example.com")
    page.fill("#id_first_name", "李华")
    page.fill("#id_phone_number", "1391234567")  # a digit short
    page.select_option("#id_state", "北京市")
    page.select_option("#id_line4", "北京市")
    page.select_option("#id_line3", "房山区")
    page.fill("#id_line1", "良乡镇拱辰大街 1 号")
    page.locator("#place-order").click()

    expect(page.locator("#checkout-error")).to_contain_text("请更正下面的错误")
    expect(page.locator("#checkout-address")).to_contain_text("请输入中国大陆手机号")
    expect(page.locator("#id_line1")).to_have_value("良乡镇拱辰大街 1 号")  # nothing retyped
    expect(page.locator("#id_email")).to_have_value("buyer@example.com")
    page.fill("#id_phone_number", "13912345678")
    page.locator("#place-order").click()

    expect(page.locator("#payment-form")).to_be_visible()
    expect(page.locator("#amount-due")).to_have_text("¥29.90")
    expect(page.locator("#card-element input")).to_have_count(5)  # Stripe.js (localstripe's)
    mail.outbox.clear()
    fill_card(page)
    page.locator("#pay-button").click()

    state = page.locator("#payment-state")
    expect(state).to_contain_text("已付款", timeout=20000)  # after the webhook, by polling
    from oscar.core.loading import get_model

    order = get_model("order", "Order").objects.get()
    assert order.status == statuses.PAID
    assert order.guest_email == "buyer@example.com"
    assert order.sources.get().reference.startswith("pi_")
    assert BenefitEntry.objects.filter(order_line__order=order).count() == 2
    subjects = [m.subject for m in mail.outbox]
    assert any("订单已付款" in s and order.number in s for s in subjects), subjects
    expect(page.locator("body")).to_contain_text("良乡镇拱辰大街 1 号")


def test_a_declined_card_says_so_and_takes_nothing(
    chromium_path, webhooks_to_live_server, page, carrots, consumer
):
    order = make_order([(carrots, 1)], user=consumer)
    sign_in(page, webhooks_to_live_server, consumer)
    page.goto(f"{webhooks_to_live_server.url}/payments/{order.number}/")
    fill_card(page, "4000000000000341")
    page.locator("#pay-button").click()
    expect(page.locator("#payment-error")).to_be_visible(timeout=15000)
    order.refresh_from_db()
    assert order.status == statuses.PENDING_PAYMENT
    assert not order.sources.exists()


def test_closing_the_tab_after_paying_still_ends_with_a_paid_order(
    chromium_path, webhooks_to_live_server, page, carrots, consumer
):
    order = make_order([(carrots, 1)], user=consumer)
    sign_in(page, webhooks_to_live_server, consumer)
    page.goto(f"{webhooks_to_live_server.url}/payments/{order.number}/")
    fill_card(page)
    page.route("**/done/", lambda route: route.abort())  # the tab is gone before the done page
    with page.expect_response(lambda r: "/confirm/" in r.url) as confirmed:
        page.locator("#pay-button").click()
    assert confirmed.value.ok
    page.context.close()

    from orders.payments.models import WebhookEvent

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # until the webhook's work is all done, not just begun
        order.refresh_from_db()
        if (
            order.status == statuses.PAID
            and WebhookEvent.objects.filter(processed__isnull=False).exists()
            and BenefitEntry.objects.filter(order_line__order=order).exists()
        ):
            break
        time.sleep(0.2)
    time.sleep(0.5)  # let the live server finish answering localstripe before the test's flush
    assert order.status == statuses.PAID  # by the webhook alone
    assert order.sources.count() == 1


def sign_in(page, live_server, user):
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
