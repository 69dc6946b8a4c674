"""Real browser, on a phone: a new buyer signs in (and up) with a mobile number and the code the
console SMS backend "sent" (the live server runs in this process: its outbox is ours)."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from shop import sms

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("sms_console"),
]


def test_a_buyer_signs_up_and_in_with_a_text_message_code(chromium_path, live_server, device_page):
    page = device_page
    page.goto(live_server.url + "/accounts/login/?next=/accounts/orders/")
    section = page.locator("#phone_login")
    expect(section.locator("h2")).to_have_text("手机号登录")
    # Phone first: the section sits above the email-and-password form.
    phone_top = section.bounding_box()["y"]
    assert phone_top < page.locator("#login_form").bounding_box()["y"]

    page.fill("#id_phone-number", "138 0013 8000")
    button = page.locator("#phone_send_code")
    expect(button).to_have_text("获取验证码")
    button.click()
    expect(page.locator("#phone_login_status")).to_contain_text("验证码已发送至 138****8000")
    # The button counts down while another code may not be asked for.
    expect(button).to_be_disabled()
    expect(button).to_have_text(re.compile(r"^\d+ 秒后重新获取$"))
    expect(page.locator("#id_phone-code")).to_be_focused()
    assert page.url.endswith("/accounts/login/?next=/accounts/orders/")  # no reload

    [message] = sms.outbox
    assert message.number == "+8613800138000"
    page.fill("#id_phone-code", message.code)
    page.click("button[name=phone_login_submit]")
    expect(page).to_have_url(re.compile(r"/accounts/orders/$"))

    user = get_user_model().objects.get(phone_account__number="+8613800138000")
    assert user.email == "" and not user.has_usable_password()


def test_a_wrong_code_says_so(chromium_path, live_server, device_page):
    page = device_page
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_phone-number", "13900139000")
    page.click("#phone_send_code")
    expect(page.locator("#phone_login_status")).to_contain_text("139****9000")
    wrong = f"{(int(sms.outbox[-1].code) + 1) % 1000000:06d}"
    page.fill("#id_phone-code", wrong)
    page.click("button[name=phone_login_submit]")
    expect(page.locator(".alert")).to_contain_text("验证码不正确或已过期")
    expect(page.locator("#id_phone-number")).to_have_value("13900139000")  # kept
