"""Real browser: an official signs in with two-step login (enrols an authenticator from the
page's key, then enters its code) and reaches /impact/; a guesser is locked out after five
wrong passwords."""

import base64
import re
import time

import pytest
import time_machine
from django_otp.oath import totp
from playwright.sync_api import expect

from impact.models import OfficialScope
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, url, email, password):
    page.goto(url + "/accounts/login/?next=/impact/")
    page.fill("#id_login-username", email)
    page.fill("#id_login-password", password)
    page.click("button[name=login_submit]")


def test_an_official_enrols_an_authenticator_and_signs_in_with_its_code(
    chromium_path, live_server, page, settings
):
    settings.TWO_FACTOR_REQUIRED = True
    official = UserFactory(email="official@example.com")
    OfficialScope.objects.create(user=official, kind=OfficialScope.Kind.REGION)

    _sign_in(page, live_server.url, official.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/\?next=%2Fimpact%2F"))
    expect(page.locator("h2")).to_have_text("设置两步验证登录")
    expect(page.locator("#two-factor-setup svg")).to_be_visible()  # the QR code

    # What a phone's authenticator app does with the key typed in: TOTP over the base32 key.
    secret = page.locator("#two-factor-secret").inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    expect(page.locator("#id_code")).to_have_attribute("autocomplete", "one-time-code")
    page.fill("#id_code", f"{totp(key):06d}")
    page.click("#two-factor-setup button[type=submit]")
    expect(page).to_have_url(re.compile(r"/impact/$"))

    # Next time: the code only.
    page.context.clear_cookies()
    _sign_in(page, live_server.url, official.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/verify/"))
    expect(page.locator("h2")).to_have_text("两步验证登录")
    # A code is good once: the app shows the next one 30 s later.
    with time_machine.travel(time.time() + 31):
        page.fill("#id_code", f"{totp(key):06d}")
        page.click("#two-factor-verify button[type=submit]")
        expect(page).to_have_url(re.compile(r"/impact/$"))


def test_five_wrong_passwords_lock_the_sign_in(chromium_path, live_server, page, settings):
    buyer = UserFactory(email="buyer@example.com")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(page, live_server.url, buyer.email, "not-my-password")
        expect(page.locator("#login_form")).to_be_visible()
    _sign_in(page, live_server.url, buyer.email, "not-my-password")
    expect(page.locator("#locked-out")).to_contain_text("密码错误次数过多")
    expect(page.locator("#locked-out")).to_contain_text("15 分钟")
    _sign_in(page, live_server.url, buyer.email, PASSWORD)  # the right one, too late
    expect(page.locator("#locked-out")).to_be_visible()
