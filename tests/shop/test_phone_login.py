"""Sign-in by mobile number and text-message code (shop/phone_login.py) on the login page: a new
number signs up, wrong codes are throttled like passwords, staff still owe their authenticator
code, and production refuses to log codes."""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core.checks import run_checks
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from shop import sms
from shop.models import PhoneAccount, SmsCode
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sms_console")]

LOGIN = "/accounts/login/"
SEND = "/accounts/phone/code/"
SIGN_IN = "/accounts/phone/sign-in/"
NUMBER = "+8613800138000"


def _ask(client, number="138 0013 8000", **extra):
    return client.post(SEND, {"phone-number": number}, **extra)


def _sign_in(client, code, number="13800138000", next_url=""):
    data = {"phone-number": number, "phone-code": code}
    if next_url:
        data["next"] = next_url
    return client.post(SIGN_IN, data)


def _signed_in_user(client):
    return client.session.get("_auth_user_id")


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1000000:06d}"


# --- The page -----------------------------------------------------------------------------------


def test_the_login_page_offers_the_mobile_number_first(client):
    page = client.get(LOGIN).content.decode()
    assert 'id="phone_login_form"' in page
    assert page.index('id="phone_login"') < page.index('id="login_form"')
    assert "手机号登录" in page and "获取验证码" in page
    assert 'autocomplete="one-time-code"' in page
    assert "jingmeng/css/sign-in.css" in page and "jingmeng/js/sign-in.js" in page


def test_the_section_is_gone_when_sms_is_off(client, settings):
    settings.SMS_BACKEND = "none"
    page = client.get(LOGIN).content.decode()
    assert 'id="phone_login"' not in page and 'id="login_form"' in page
    assert _ask(client).status_code == 302
    assert not sms.outbox


# --- Asking for a code --------------------------------------------------------------------------


def test_asking_for_a_code_by_script_answers_json(client):
    answer = _ask(client, HTTP_X_REQUESTED_WITH="fetch")
    assert answer.status_code == 200
    body = answer.json()
    assert body["sent"] and body["wait"] == 60
    assert "138****8000" in body["message"] and "13800138000" not in body["message"]
    assert sms.outbox[-1].number == NUMBER

    again = _ask(client, HTTP_X_REQUESTED_WITH="fetch")
    assert again.status_code == 429
    assert not again.json()["sent"] and 0 < again.json()["wait"] <= 60
    assert len(sms.outbox) == 1


def test_asking_without_a_script_comes_back_to_the_login_page_with_the_number(client):
    response = client.post(SEND, {"phone-number": "13800138000", "next": "/basket/"})
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=%2Fbasket%2F"
    page = client.get(response.url).content.decode()
    assert "138****8000" in page  # the message
    assert 'value="13800138000"' in page  # the number, filled in


def test_a_number_that_is_not_a_mainland_mobile_is_refused(client):
    answer = _ask(client, "12345", HTTP_X_REQUESTED_WITH="fetch")
    assert answer.status_code == 400
    assert "11" in answer.json()["message"]
    assert not sms.outbox


def test_a_provider_failure_is_said_and_not_counted(client, monkeypatch):
    def fail(number, code):
        raise sms.SmsError("down")

    monkeypatch.setattr(sms, "send_code", fail)
    answer = _ask(client, HTTP_X_REQUESTED_WITH="fetch")
    assert answer.status_code == 503
    assert not SmsCode.objects.exists()


def test_the_address_limit_uses_the_client_address(client, settings):
    settings.SMS_CODES_PER_ADDRESS_MINUTE = 1
    assert _ask(client, "13800138000", REMOTE_ADDR="10.1.1.1").status_code == 302
    refused = _ask(client, "13900139000", REMOTE_ADDR="10.1.1.1", HTTP_X_REQUESTED_WITH="fetch")
    assert refused.status_code == 429
    other = _ask(client, "13900139000", REMOTE_ADDR="10.1.1.2", HTTP_X_REQUESTED_WITH="fetch")
    assert other.status_code == 200


# --- Signing in ---------------------------------------------------------------------------------


def test_a_new_number_signs_up_with_no_password_and_no_email(client):
    _ask(client)
    response = _sign_in(client, sms.outbox[-1].code, next_url="/basket/")
    assert response.status_code == 302 and response.url == "/basket/"
    user = get_user_model().objects.get(pk=_signed_in_user(client))
    assert user.phone_account.number == NUMBER
    assert user.email == ""
    assert not user.has_usable_password()
    assert NUMBER not in user.username and "13800138000" not in user.username


def test_a_known_number_signs_in_to_its_account(client):
    buyer = UserFactory(email="buyer@example.com")
    PhoneAccount.objects.create(user=buyer, number=NUMBER)
    _ask(client)
    assert _sign_in(client, sms.outbox[-1].code).status_code == 302
    assert str(_signed_in_user(client)) == str(buyer.pk)
    assert get_user_model().objects.count() == 1


def test_the_same_number_twice_is_one_account(client):
    _ask(client)
    _sign_in(client, sms.outbox[-1].code)
    first = _signed_in_user(client)
    client.logout()
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        _ask(client)
        _sign_in(client, sms.outbox[-1].code)
    assert _signed_in_user(client) == first
    assert PhoneAccount.objects.count() == 1


def test_a_wrong_code_does_not_sign_in(client):
    _ask(client)
    response = _sign_in(client, _wrong(sms.outbox[-1].code))
    assert response.status_code == 302 and response.url == LOGIN
    assert _signed_in_user(client) is None
    assert "验证码不正确" in client.get(LOGIN).content.decode()


def test_an_unsafe_next_is_ignored(client):
    _ask(client)
    response = _sign_in(client, sms.outbox[-1].code, next_url="https://evil.example/")
    assert response.url == "/"


def test_an_inactive_account_cannot_sign_in(client):
    buyer = UserFactory(is_active=False)
    PhoneAccount.objects.create(user=buyer, number=NUMBER)
    _ask(client)
    _sign_in(client, sms.outbox[-1].code)
    assert _signed_in_user(client) is None


def test_wrong_codes_lock_the_number_from_that_address_like_passwords(client, settings):
    _ask(client)
    code = sms.outbox[-1].code
    settings.SMS_CODE_MAX_ATTEMPTS = 100  # the lock, not the burnt code, is under test
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _sign_in(client, _wrong(code)).status_code == 302
    locked = _sign_in(client, _wrong(code))
    assert locked.status_code == 429
    assert "错误次数过多" in locked.content.decode()
    # The right code too, while locked.
    assert _sign_in(client, code).status_code == 429
    assert _signed_in_user(client) is None
    # The attempts table keeps neither the number nor the codes.
    for attempt in AccessAttempt.objects.all():
        stored = f"{attempt.username} {attempt.post_data} {attempt.get_data}"
        assert "13800138000" not in stored and code not in stored
    # Another address is not locked out (many phones share one).
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        _ask(client, REMOTE_ADDR="10.9.9.9")
        ok = client.post(
            SIGN_IN,
            {"phone-number": "13800138000", "phone-code": sms.outbox[-1].code},
            REMOTE_ADDR="10.9.9.9",
        )
    assert ok.status_code == 302 and _signed_in_user(client)


def test_wrong_codes_and_wrong_passwords_count_together_for_an_account(client, settings):
    buyer = UserFactory(email="buyer@example.com")
    PhoneAccount.objects.create(user=buyer, number=NUMBER)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(
            LOGIN,
            {"login-username": buyer.email, "login-password": "wrong", "login_submit": "Log In"},
        )
    _ask(client)
    assert _sign_in(client, _wrong(sms.outbox[-1].code)).status_code == 429


# --- Two-step sign-in for staff -----------------------------------------------------------------


def test_staff_signing_in_by_text_message_still_owe_their_authenticator_code(client, settings):
    settings.TWO_FACTOR_REQUIRED = True
    staff = UserFactory(is_staff=True, email="staff@example.com")
    PhoneAccount.objects.create(user=staff, number=NUMBER)
    device = TOTPDevice.objects.create(user=staff, name="authenticator", confirmed=True)
    _ask(client)
    response = _sign_in(client, sms.outbox[-1].code, next_url="/dashboard/")
    assert response.status_code == 302 and response.url == "/dashboard/"
    owed = client.get("/dashboard/")
    assert owed.status_code == 302 and owed.url.startswith("/accounts/two-factor/verify/")
    assert client.get("/accounts/").status_code == 302  # not even the account pages
    verified = client.post(
        "/accounts/two-factor/verify/?next=/dashboard/",
        {"code": f"{totp(device.bin_key):06d}", "next": "/dashboard/"},
    )
    assert verified.status_code == 302 and verified.url == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200


def test_staff_without_an_authenticator_are_sent_to_enrol(client, settings):
    settings.TWO_FACTOR_REQUIRED = True
    staff = UserFactory(is_staff=True)
    PhoneAccount.objects.create(user=staff, number=NUMBER)
    _ask(client)
    _sign_in(client, sms.outbox[-1].code)
    owed = client.get("/dashboard/")
    assert owed.status_code == 302 and owed.url.startswith("/accounts/two-factor/")


def test_a_buyer_signing_in_by_text_message_owes_no_authenticator_code(client, settings):
    settings.TWO_FACTOR_REQUIRED = True
    _ask(client)
    _sign_in(client, sms.outbox[-1].code)
    assert client.get("/accounts/orders/").status_code == 200


def test_a_password_still_signs_in_beside_it(client):
    buyer = UserFactory(email="buyer@example.com")
    response = client.post(
        LOGIN,
        {"login-username": buyer.email, "login-password": PASSWORD, "login_submit": "Log In"},
    )
    assert response.status_code == 302 and str(_signed_in_user(client)) == str(buyer.pk)


# --- Production ---------------------------------------------------------------------------------


def test_production_refuses_the_console_backend(settings):
    settings.DEBUG = False
    settings.SMS_BACKEND = "console"
    assert "jingmeng.E005" in [e.id for e in run_checks(include_deployment_checks=True)]
    settings.SMS_BACKEND = "none"
    assert "jingmeng.E005" not in [e.id for e in run_checks(include_deployment_checks=True)]


def test_production_leaves_sms_off_until_configured():
    from tests.shop.test_production_refusals import fresh_process

    result = fresh_process(
        "import django; django.setup(); from django.conf import settings; "
        "from shop import sms; print(settings.SMS_BACKEND, sms.enabled())"
    )
    assert result.stdout.split() == ["none", "False"], result.stderr


def test_production_with_the_console_backend_does_not_start():
    from tests.shop.test_production_refusals import SMTP, fresh_process

    result = fresh_process(
        "import django; django.setup(); from shop.checks import refuse_unsafe_production; "
        "refuse_unsafe_production()",
        EMAIL_URL=SMTP,
        SMS_BACKEND="console",
    )
    assert result.returncode != 0 and "SMS_BACKEND is console" in result.stderr


def test_staff_link_a_number_to_an_account_in_the_admin(client, settings):
    admin = UserFactory(is_staff=True, is_superuser=True)
    buyer = UserFactory(email="buyer@example.com")
    client.force_login(admin)
    response = client.post(
        "/admin/shop/phoneaccount/add/", {"user": buyer.pk, "number": "138 0013 8000"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert PhoneAccount.objects.get().number == NUMBER
    listing = client.get("/admin/shop/phoneaccount/?q=13800138000").content.decode()
    assert "138****8000" in listing
    client.logout()
    _ask(client)
    _sign_in(client, sms.outbox[-1].code)
    assert str(_signed_in_user(client)) == str(buyer.pk)
