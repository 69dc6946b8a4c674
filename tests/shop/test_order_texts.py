"""Order notifications by text message (shop/order_texts.py, orders.signals): a buyer with no
email address is texted when the order is placed (its number and signed pay link), paid and
shipped; a buyer with an email gets emails only; an SMS failure is logged and the order stands."""

import json
import logging
import re
from urllib.parse import unquote

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from oscar.core.loading import get_model

from orders import paylink, services, statuses
from orders.emails import send_email_for
from shop import sms
from shop.logs import RedactingFormatter
from shop.models import PhoneAccount
from tests.factories import UserFactory, make_order, make_product
from tests.shop.test_sms import FakeDysmsapi, aliyun  # noqa: F401

ShippingAddress = get_model("order", "ShippingAddress")
CommunicationEvent = get_model("order", "CommunicationEvent")

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sms_console")]

MOBILE = "+8613912345678"


@pytest.fixture
def carrots(cooperative):
    return make_product(cooperative, title="察右中旗胡萝卜", price="29.90", num_in_stock=10)


def address(china, phone=MOBILE):
    return ShippingAddress.objects.create(
        first_name="李华",
        phone_number=phone,
        state="北京市",
        line4="北京市",
        line3="房山区",
        line1="良乡镇拱辰大街 1 号",
        country=china,
    )


def place(capture, carrots, china, **fields):
    """An order placed by a buyer at the checkout (the "placed" notice asked for)."""
    with capture(execute=True), services.with_confirmation():
        return make_order([(carrots, 2)], shipping_address=address(china), **fields)


def pay(capture, order):
    with capture(execute=True):
        assert services.mark_paid(
            order, amount=order.total_incl_tax, reference=f"t-{order.number}", source=("t", "T")
        )
    order.refresh_from_db()


def ship(capture, order, staff, number="SF1234567890123"):
    with capture(execute=True):
        return services.ship(
            order, list(order.lines.all()), carrier="SF", tracking_number=number, user=staff
        )


def texts(event=None):
    return [m for m in sms.outbox if m.event and (event is None or m.event == event)]


def test_a_guest_with_only_a_mobile_is_texted_placed_paid_and_shipped(
    carrots, china, staff, django_capture_on_commit_callbacks, caplog
):
    capture = django_capture_on_commit_callbacks
    mail.outbox.clear()
    with caplog.at_level(logging.INFO):
        order = place(capture, carrots, china, guest_email="")
        [placed] = texts()
        assert placed.number == MOBILE and placed.event == "placed"
        assert placed.params["order"] == str(order.number)
        assert f"您的订单{order.number}已提交" in placed.text
        # The signed pay link: the site's host, the payment page, a token for this order.
        link = placed.params["link"]
        assert link in placed.text
        path = re.match(r"https?://[^/]+(/payments/\S+)", link).group(1)
        assert path.startswith(reverse("payments:pay", kwargs={"number": order.number}) + "?link=")
        assert paylink.order_number(unquote(path.split("?link=", 1)[1])) == str(order.number)
        opened = Client().get(path)  # another browser: the token is taken, the page follows
        assert opened.status_code == 302
        assert opened.url == reverse("payments:pay", kwargs={"number": order.number})

        pay(capture, order)
        paid = texts("paid")
        assert [m.params for m in paid] == [{"order": str(order.number)}]
        assert f"您的订单{order.number}已付款" in paid[0].text

        parcel = ship(capture, order, staff)
        [shipped] = texts("shipped")
        assert shipped.number == MOBILE
        assert shipped.params["tracking"] == "SF1234567890123" == parcel.tracking_number
        assert "运单号SF1234567890123" in shipped.text and str(order.number) in shipped.text
    assert mail.outbox == []  # nobody to mail
    assert len(texts()) == 3
    # Recorded as Oscar's communications, so a task run again does not text twice.
    assert CommunicationEvent.objects.filter(order=order).count() == 3
    assert not send_email_for(order, "ORDER_PAID")
    assert len(texts()) == 3
    # The number stays out of the logs (masked by the formatter, as the codes' lines).
    lines = [RedactingFormatter("%(message)s").format(record) for record in caplog.records]
    assert not [line for line in lines if "13912345678" in line]
    assert any("139****5678" in line for line in lines)


def test_an_account_made_by_sms_sign_in_is_texted_at_its_own_number(
    carrots, china, django_capture_on_commit_callbacks
):
    buyer = UserFactory(email="")
    PhoneAccount.objects.create(user=buyer, number="+8613700001111")
    order = place(django_capture_on_commit_callbacks, carrots, china, user=buyer)
    [placed] = texts()
    assert placed.number == "+8613700001111"  # the proven number, not the delivery mobile
    pay(django_capture_on_commit_callbacks, order)
    assert [m.event for m in texts()] == ["placed", "paid"]


def test_a_buyer_with_an_email_gets_emails_and_no_text(
    carrots, china, consumer, staff, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    PhoneAccount.objects.create(user=consumer, number="+8613700002222")
    order = place(django_capture_on_commit_callbacks, carrots, china, user=consumer)
    pay(django_capture_on_commit_callbacks, order)
    ship(django_capture_on_commit_callbacks, order, staff)
    guest = place(django_capture_on_commit_callbacks, carrots, china, guest_email="g@example.com")
    pay(django_capture_on_commit_callbacks, guest)
    assert len(mail.outbox) == 5
    assert sms.outbox == []


def test_no_placed_text_for_an_order_paid_before_the_notice_ran(
    carrots, china, django_capture_on_commit_callbacks
):
    order = make_order([(carrots, 1)], guest_email="", shipping_address=address(china))
    pay(django_capture_on_commit_callbacks, order)
    sms.outbox.clear()
    assert not send_email_for(order, "ORDER_PLACED")  # no "pay now" for a paid order
    assert sms.outbox == []


class RefusingBackend:
    def send_code(self, number, code):
        raise sms.SmsError("Aliyun SMS refused the message: isv.BUSINESS_LIMIT_CONTROL")

    def send_notification(self, number, event, params):
        raise sms.SmsError("Aliyun SMS refused the message: isv.BUSINESS_LIMIT_CONTROL")


class BrokenBackend:
    def send_code(self, number, code):
        raise RuntimeError(f"bug texting {number}")

    def send_notification(self, number, event, params):
        raise RuntimeError(f"bug texting {number}")


@pytest.mark.parametrize("backend", [RefusingBackend, BrokenBackend])
def test_an_sms_failure_is_logged_and_the_order_stands(
    backend, settings, carrots, china, django_capture_on_commit_callbacks, caplog
):
    settings.SMS_BACKEND = f"{__name__}.{backend.__name__}"
    with caplog.at_level(logging.INFO):
        order = place(django_capture_on_commit_callbacks, carrots, china, guest_email="")
        assert order.status == statuses.PENDING_PAYMENT
        pay(django_capture_on_commit_callbacks, order)
    assert order.status == statuses.PAID
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r for r in errors if "placed" in r.getMessage()]
    assert [r for r in errors if "paid" in r.getMessage()]
    formatted = "\n".join(RedactingFormatter("%(message)s").format(r) for r in caplog.records)
    assert "13912345678" not in formatted
    assert not CommunicationEvent.objects.filter(order=order).exists()  # nothing was sent


def test_sms_backend_none_texts_nobody(
    settings, carrots, china, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "none"
    order = place(django_capture_on_commit_callbacks, carrots, china, guest_email="")
    pay(django_capture_on_commit_callbacks, order)
    assert order.status == statuses.PAID
    assert sms.outbox == []
    assert not CommunicationEvent.objects.filter(order=order).exists()


# --- Alibaba Cloud: each event its own template, its variables as TemplateParam ---------------


def test_aliyun_texts_the_events_template_with_the_link_after_the_host(aliyun):  # noqa: F811
    aliyun.ALIYUN_SMS_TEMPLATE_ORDER_PLACED = "SMS_900000001"
    link = "https://shop.example/payments/100023/?link=abc%3A123"
    with FakeDysmsapi() as api:
        aliyun.ALIYUN_SMS_ENDPOINT = api.url
        assert sms.send_notification(MOBILE, "placed", {"order": "100023", "link": link})
    [request] = api.requests
    params = request["params"]
    assert params["PhoneNumbers"] == "13912345678"
    assert params["TemplateCode"] == "SMS_900000001"
    # The template fixes "https://<host>/"; the variable is the rest of the link.
    assert json.loads(params["TemplateParam"]) == {
        "order": "100023",
        "link": "payments/100023/?link=abc%3A123",
    }
    assert sms.outbox == []


def test_aliyun_without_the_events_template_sends_nothing(aliyun):  # noqa: F811
    aliyun.ALIYUN_SMS_TEMPLATE_ORDER_SHIPPED = ""
    with FakeDysmsapi() as api:
        aliyun.ALIYUN_SMS_ENDPOINT = api.url
        assert not sms.send_notification(
            MOBILE, "shipped", {"order": "1", "carrier": "顺丰", "tracking": "SF1"}
        )
    assert api.requests == []
