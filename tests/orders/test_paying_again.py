"""Paying, and coming back to pay (issue 23, part 3): a refused card in the buyer's words and a
second try on the same page, the signed "pay now" link of the order-placed email, a guest's way
back from /track/, and the payment page showing what is being paid for, with its address change."""

import json
import re
from datetime import timedelta
from html import unescape

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override
from oscar.core.loading import get_model

from orders import paylink, statuses
from orders.payments import declines
from orders.payments.models import PaymentIntentRecord
from tests.factories import MembershipFactory, make_order, make_product, shipping_address

from .stripe_support import DECLINED_CARD, card_payment_method

pytestmark = pytest.mark.django_db

ShippingAddress = get_model("order", "ShippingAddress")

GENERAL_ZH = "支付未成功，请换一张卡或稍后再试"


@pytest.fixture
def carrots(cooperative, stripe_server):
    MembershipFactory(cooperative=cooperative)
    return make_product(cooperative, title="察右中旗胡萝卜 5斤装", price="29.90", num_in_stock=10)


@pytest.fixture
def guest_order(carrots, china, stripe_server):
    return make_order(
        [(carrots, 2)], guest_email="guest@example.com", shipping_address=shipping_address(china)
    )


def pay_url(order):
    return reverse("payments:pay", kwargs={"number": order.number})


def confirm(client, order, number):
    return client.post(
        reverse("payments:confirm", kwargs={"number": order.number}),
        data=json.dumps({"payment_method": card_payment_method(number)}),
        content_type="application/json",
    )


def signed_in_as_guest_of(order):
    """A browser that looked the order up at /track/ (the tracked-session proof)."""
    browser = Client()
    response = browser.post(
        reverse("tracking:lookup"), {"number": order.number, "contact": "guest@example.com"}
    )
    assert response.status_code == 302
    return browser


# --- Stripe's decline codes, in Chinese ------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "decline_code", "expected"),
    [
        ("card_declined", "insufficient_funds", "余额不足"),  # decline_code first
        ("card_declined", "lost_card", "银行"),
        ("card_declined", "stolen_card", "银行"),
        ("card_declined", "generic_decline", "被拒"),
        ("card_declined", None, "被拒"),
        ("expired_card", None, "过期"),
        ("incorrect_cvc", None, "安全码"),
        ("processing_error", None, "没有扣款"),
        ("payment_intent_authentication_failure", None, "验证"),
        ("card_declined", "some_new_reason", "被拒"),  # an unknown decline code: the code
        ("something_new", None, GENERAL_ZH),
        (None, None, GENERAL_ZH),
    ],
)
def test_decline_codes_are_said_in_chinese(code, decline_code, expected):
    with override("zh-hans"):
        message = declines.decline_message(code, decline_code)
    assert expected in message
    assert not re.search(r"[A-Za-z]{3,}", message.replace("CVC", "")), message


def test_every_decline_message_is_translated():
    with override("zh-hans"):
        untranslated = {
            key: str(text)
            for key, text in declines.MESSAGES.items()
            if re.search("[a-z]{3}", str(text))
        }
    assert not untranslated


def test_a_declined_card_then_a_good_one_pays_on_the_same_page(client, consumer, carrots):
    """The decline is said in Chinese with no reload asked for; the next try (the same page, so
    the same spent intent) gets a fresh intent instead of a 409."""
    order = make_order([(carrots, 1)], user=consumer)
    client.force_login(consumer)
    assert client.get(pay_url(order)).status_code == 200
    declined = confirm(client, order, DECLINED_CARD)
    assert declined.status_code == 402
    body = declined.json()
    assert body["error"] == "您的银行卡被拒绝，请换一张卡。" and "reload" not in body
    assert order.intents.get().status == PaymentIntentRecord.FAILED

    again = confirm(client, order, "4242424242424242")  # no page load in between
    assert again.status_code == 200, again.content
    assert again.json()["status"] == "succeeded"
    second = order.intents.get(attempt=2)
    assert again.json()["client_secret"] == second.client_secret
    assert order.intents.get(attempt=1).status == "canceled"


def test_the_payment_page_hands_the_decline_table_to_its_script(client, consumer, carrots):
    order = make_order([(carrots, 1)], user=consumer)
    client.force_login(consumer)
    page = client.get(pay_url(order)).content.decode()
    table = json.loads(unescape(re.search(r'data-declines="([^"]*)"', page).group(1)))
    assert table["insufficient_funds"].startswith("您的银行卡余额不足")
    assert f'data-failed="{GENERAL_ZH}' in page


# --- The time left to pay ----------------------------------------------------------------------


def test_the_page_counts_down_from_the_sweeps_setting(client, consumer, carrots, settings):
    settings.PAYMENT_TIMEOUT_MINUTES = 30
    order = make_order([(carrots, 1)], user=consumer)
    order.date_placed = timezone.now() - timedelta(minutes=10)
    order.save(update_fields=["date_placed"])
    client.force_login(consumer)
    page = client.get(pay_url(order)).content.decode()
    seconds = int(re.search(r'data-seconds-left="(\d+)"', page).group(1))
    assert 19 * 60 + 50 <= seconds <= 20 * 60
    deadline = timezone.localtime(order.date_placed + timedelta(minutes=30))
    assert f"请在 {deadline:%H:%M} 前付款" in page
    assert re.search(r'id="pay-countdown-value">(19:5\d|20:00)<', page)


# --- The signed link -----------------------------------------------------------------------------


def test_the_order_placed_email_carries_a_signed_link_that_opens_the_page_anywhere(
    guest_order, django_capture_on_commit_callbacks
):
    from orders.emails import send_email_for

    mail.outbox.clear()
    assert send_email_for(guest_order, "ORDER_PLACED")
    [email] = mail.outbox
    link = re.search(r"https?://[^/\s]+(/payments/\S+)", email.body).group(1)
    assert link.startswith(pay_url(guest_order) + "?link=")

    stranger = Client()  # another browser: no session, no basket
    assert stranger.get(pay_url(guest_order)).status_code == 404
    opened = stranger.get(link)
    assert opened.status_code == 302 and opened.url == pay_url(guest_order)  # the token leaves
    page = stranger.get(pay_url(guest_order))
    assert page.status_code == 200
    assert 'id="payment-form"' in page.content.decode()
    assert confirm(stranger, guest_order, "4242424242424242").status_code == 200


def test_a_forged_or_altered_link_shows_nothing(guest_order, carrots, china):
    other = make_order([(carrots, 1)], guest_email="other@example.com")
    forged = [
        "forged",
        paylink.make_token(other),  # a true link, for another order
        signing.dumps(guest_order.number, salt="some.other.salt"),
        paylink.make_token(guest_order)[:-2] + "xx",
    ]
    for token in forged:
        browser = Client()
        response = browser.get(pay_url(guest_order), {"link": token})
        page = response.content.decode()
        assert response.status_code == 404
        assert "付款链接无效或已过期" in page
        assert str(guest_order.number) not in page and "胡萝卜" not in page
        assert browser.get(pay_url(guest_order)).status_code == 404  # and no access was given


def test_an_expired_link_shows_nothing(guest_order, settings):
    token = paylink.make_token(guest_order)
    later = timezone.now() + timedelta(
        minutes=settings.PAYMENT_TIMEOUT_MINUTES + paylink.GRACE_MINUTES + 1
    )
    import time

    real = time.time
    try:
        time.time = lambda: later.timestamp()
        response = Client().get(pay_url(guest_order), {"link": token})
    finally:
        time.time = real
    assert response.status_code == 404 and "付款链接无效或已过期" in response.content.decode()


@pytest.mark.parametrize("status", [statuses.PAID, statuses.CANCELLED])
def test_a_link_to_an_order_no_longer_unpaid_opens_nothing(guest_order, status):
    from tests.factories import reach

    token = paylink.make_token(guest_order)
    reach(guest_order, status)
    browser = Client()
    response = browser.get(pay_url(guest_order), {"link": token})
    page = response.content.decode()
    assert response.status_code == 404
    assert "该订单已不是待付款状态" in page and "胡萝卜" not in page
    assert browser.get(reverse("tracking:order", args=[guest_order.number])).status_code == 404


def test_the_link_opens_nothing_but_that_orders_payment_page(guest_order, carrots):
    other = make_order([(carrots, 1)], guest_email="guest@example.com")
    browser = Client()
    browser.get(pay_url(guest_order), {"link": paylink.make_token(guest_order)})
    assert browser.get(pay_url(other)).status_code == 404
    # the link on another page is no key to it
    status = reverse("payments:status", kwargs={"number": other.number})
    assert browser.get(status, {"link": paylink.make_token(other)}).status_code == 404


# --- A guest's way back from /track/ -------------------------------------------------------------


def test_track_offers_go_to_payment_only_for_an_unpaid_order(guest_order, carrots):
    browser = signed_in_as_guest_of(guest_order)
    page = browser.get(reverse("tracking:order", args=[guest_order.number])).content.decode()
    assert 'id="track-pay"' in page and "去付款" in page
    assert f'href="{pay_url(guest_order)}"' in page
    assert browser.get(pay_url(guest_order)).status_code == 200  # a new browser, after look-up

    from tests.factories import reach

    for status in (statuses.PAID, statuses.SHIPPED, statuses.CANCELLED):
        order = make_order([(carrots, 1)], guest_email="guest@example.com")
        reach(order, status)
        browser = signed_in_as_guest_of(order)
        page = browser.get(reverse("tracking:order", args=[order.number])).content.decode()
        assert 'id="track-pay"' not in page and "去付款" not in page, status


# --- What is being paid for; changing the address ------------------------------------------------


def test_the_page_shows_items_masked_address_and_total(guest_order):
    browser = signed_in_as_guest_of(guest_order)
    page = browser.get(pay_url(guest_order)).content.decode()
    assert "察右中旗胡萝卜 5斤装" in page and "× 2" in page
    assert "138****5678" in page and "13812345678" not in page  # the form too: left empty, kept
    assert "北京市 房山区 良乡镇拱辰大街 1 号" in page
    assert re.search(r'id="pay-total">¥59.80<', page)
    assert "修改地址" in page


def test_the_buy_now_page_fetches_its_summary(guest_order):
    browser = signed_in_as_guest_of(guest_order)
    fragment = browser.get(reverse("payments:summary", kwargs={"number": guest_order.number}))
    assert fragment.status_code == 200
    assert (
        "察右中旗胡萝卜" in fragment.content.decode() and "138****5678" in fragment.content.decode()
    )
    assert (
        Client().get(reverse("payments:summary", kwargs={"number": guest_order.number})).status_code
        == 404
    )


NEW_ADDRESS = {
    "address-first_name": "王芳",
    "address-phone_number": "13912345678",
    "address-state": "北京市",
    "address-line4": "北京市",
    "address-line3": "朝阳区",
    "address-line1": "建国路 88 号 1 号楼 1201",
    "address-postcode": "",
    "address-notes": "",
}


def test_the_shipping_address_of_an_unpaid_order_can_be_changed(guest_order):
    browser = signed_in_as_guest_of(guest_order)
    total = guest_order.total_incl_tax
    url = reverse("payments:address", kwargs={"number": guest_order.number})
    response = browser.post(url, NEW_ADDRESS)
    assert response.status_code == 302 and response.url == pay_url(guest_order)
    guest_order.refresh_from_db()
    address = guest_order.shipping_address
    assert (address.first_name, address.line3, address.line1) == (
        "王芳",
        "朝阳区",
        "建国路 88 号 1 号楼 1201",
    )
    assert str(address.phone_number).endswith("13912345678")
    assert guest_order.total_incl_tax == total
    page = browser.get(pay_url(guest_order)).content.decode()
    assert "139****5678" in page and "收货地址已修改" in page


@pytest.mark.parametrize(
    "bad",
    [
        {"address-phone_number": "1391234567"},  # a digit short
        {"address-phone_number": "+44 20 7946 0958"},  # not a mainland mobile
        {"address-line1": ""},
        {"address-first_name": ""},
        {"address-postcode": "12345"},
        {"address-state": "Atlantis"},
    ],
)
def test_a_bad_address_changes_nothing(guest_order, bad):
    browser = signed_in_as_guest_of(guest_order)
    before = ShippingAddress.objects.values().get(pk=guest_order.shipping_address_id)
    url = reverse("payments:address", kwargs={"number": guest_order.number})
    response = browser.post(url, {**NEW_ADDRESS, **bad})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="address-change" open' in page  # the form stays open with its errors
    kept = "address-line1" if "address-first_name" in bad else "address-first_name"
    assert f'value="{NEW_ADDRESS[kept]}"' in page  # what was typed is kept
    assert "138****5678" in page  # the address shown is still the order's
    assert ShippingAddress.objects.values().get(pk=guest_order.shipping_address_id) == before


def test_a_mobile_left_empty_is_kept(guest_order):
    browser = signed_in_as_guest_of(guest_order)
    url = reverse("payments:address", kwargs={"number": guest_order.number})
    response = browser.post(url, {**NEW_ADDRESS, "address-phone_number": ""})
    assert response.status_code == 302
    guest_order.refresh_from_db()
    address = guest_order.shipping_address
    assert address.first_name == "王芳" and str(address.phone_number).endswith("13812345678")


def test_only_the_buyer_may_change_the_address_and_only_while_unpaid(guest_order):
    url = reverse("payments:address", kwargs={"number": guest_order.number})
    assert Client().post(url, NEW_ADDRESS).status_code == 404
    from tests.factories import reach

    browser = signed_in_as_guest_of(guest_order)
    reach(guest_order, statuses.PAID)
    before = ShippingAddress.objects.values().get(pk=guest_order.shipping_address_id)
    assert browser.post(url, NEW_ADDRESS).status_code == 302
    assert ShippingAddress.objects.values().get(pk=guest_order.shipping_address_id) == before


def test_the_page_offers_cancel_order(guest_order):
    browser = signed_in_as_guest_of(guest_order)
    page = browser.get(pay_url(guest_order)).content.decode()
    cancel = reverse("tracking:cancel", kwargs={"number": guest_order.number})
    assert f'action="{cancel}"' in page and "取消订单" in page
