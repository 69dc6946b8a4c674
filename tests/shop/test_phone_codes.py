"""Text-message codes (shop/phone_codes.py): 6 digits, 5 minutes, once, the newest only, stored as
an HMAC; one a minute and five an hour per number and per client address; wrong tries burn one."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from shop import phone_codes, sms
from shop.models import SmsCode

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sms_console")]

NUMBER = "+8613800138000"
OTHER = "+8613900139000"


def _last_code() -> str:
    return sms.outbox[-1].code


@pytest.mark.parametrize(
    "written",
    ["13800138000", "138 0013 8000", "138-0013-8000", "+86 138 0013 8000", "008613800138000"],
)
def test_numbers_are_stored_normalised(written):
    assert phone_codes.normalise(written) == NUMBER


@pytest.mark.parametrize("written", ["", "12800138000", "1380013800", "+1 650 253 0000", "abc"])
def test_only_mainland_mobiles(written):
    with pytest.raises(ValidationError):
        phone_codes.normalise(written)


def test_a_code_is_six_digits_texted_and_stored_only_as_an_hmac():
    phone_codes.issue(NUMBER, "10.0.0.1")
    code = _last_code()
    assert re.fullmatch(r"\d{6}", code)
    assert sms.outbox[-1].number == NUMBER
    row = SmsCode.objects.get()
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert row.code_hash == phone_codes.hash_code(NUMBER, code)
    assert row.code_hash != phone_codes.hash_code(OTHER, code)  # bound to its number
    assert row.expires - row.created == timedelta(minutes=5)


def test_the_hmac_depends_on_the_secret_key(settings):
    before = phone_codes.hash_code(NUMBER, "123456")
    settings.SECRET_KEY = "another-secret-key-for-this-test-only"
    assert phone_codes.hash_code(NUMBER, "123456") != before


def test_a_right_code_works_once():
    phone_codes.issue(NUMBER)
    code = _last_code()
    assert phone_codes.verify(NUMBER, code)
    assert not phone_codes.verify(NUMBER, code)


def test_a_code_is_for_its_number_only():
    phone_codes.issue(NUMBER)
    assert not phone_codes.verify(OTHER, _last_code())


def test_a_code_expires_after_five_minutes():
    phone_codes.issue(NUMBER)
    code = _last_code()
    with time_machine.travel(timezone.now() + timedelta(minutes=5, seconds=1)):
        assert not phone_codes.verify(NUMBER, code)


def test_a_code_is_good_until_then():
    phone_codes.issue(NUMBER)
    code = _last_code()
    with time_machine.travel(timezone.now() + timedelta(minutes=4, seconds=50)):
        assert phone_codes.verify(NUMBER, code)


def test_a_new_code_replaces_the_old_one():
    phone_codes.issue(NUMBER)
    old = _last_code()
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        phone_codes.issue(NUMBER)
        new = _last_code()
        if new != old:
            assert not phone_codes.verify(NUMBER, old)
        assert phone_codes.verify(NUMBER, new)


def test_wrong_tries_burn_the_code(settings):
    phone_codes.issue(NUMBER)
    code = _last_code()
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    for _ in range(settings.SMS_CODE_MAX_ATTEMPTS):
        assert not phone_codes.verify(NUMBER, wrong)
    assert SmsCode.objects.get().failed_attempts == settings.SMS_CODE_MAX_ATTEMPTS
    assert not phone_codes.verify(NUMBER, code)  # the right one, too late


@pytest.mark.parametrize("code", ["", "12345", "1234567", "12345a", None])
def test_malformed_codes_are_wrong(code):
    phone_codes.issue(NUMBER)
    assert not phone_codes.verify(NUMBER, code)


def test_no_code_no_sign_in():
    assert not phone_codes.verify(NUMBER, "123456")


# --- Limits -------------------------------------------------------------------------------------


def test_one_code_a_minute_per_number():
    phone_codes.issue(NUMBER, "10.0.0.1")
    with pytest.raises(phone_codes.TooSoon) as too_soon:
        phone_codes.issue(NUMBER, "10.0.0.2")  # another address does not help
    assert 55 <= too_soon.value.wait <= 60
    assert len(sms.outbox) == 1
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        phone_codes.issue(NUMBER, "10.0.0.2")
    assert len(sms.outbox) == 2


def test_five_codes_an_hour_per_number():
    start = timezone.now()
    for minute in range(5):
        with time_machine.travel(start + timedelta(minutes=2 * minute)):
            phone_codes.issue(NUMBER, f"10.0.0.{minute}")
    with time_machine.travel(start + timedelta(minutes=20)):
        with pytest.raises(phone_codes.TooSoon) as too_soon:
            phone_codes.issue(NUMBER, "10.0.1.1")
        assert too_soon.value.wait == 40 * 60  # until the first leaves the hour
    with time_machine.travel(start + timedelta(minutes=60, seconds=1)):
        phone_codes.issue(NUMBER, "10.0.1.1")
    assert len(sms.outbox) == 6


def test_per_client_address_a_minute(settings):
    settings.SMS_CODES_PER_ADDRESS_MINUTE = 1
    phone_codes.issue(NUMBER, "10.0.0.1")
    with pytest.raises(phone_codes.TooSoon):
        phone_codes.issue(OTHER, "10.0.0.1")
    phone_codes.issue(OTHER, "10.0.0.2")  # another client may


def test_per_client_address_an_hour(settings):
    settings.SMS_CODES_PER_ADDRESS_MINUTE = 100
    settings.SMS_CODES_PER_ADDRESS_HOUR = 5
    for n in range(5):
        phone_codes.issue(f"+861380013800{n}", "10.0.0.1")
    with pytest.raises(phone_codes.TooSoon) as too_soon:
        phone_codes.issue("+8613800138009", "10.0.0.1")
    assert too_soon.value.wait > 3500


def test_the_default_per_address_limits_let_a_few_neighbours_in(settings):
    """Beijing phones share a carrier's address: three strangers a minute may ask."""
    for n in range(settings.SMS_CODES_PER_ADDRESS_MINUTE):
        phone_codes.issue(f"+861380013800{n}", "10.0.0.1")
    with pytest.raises(phone_codes.TooSoon):
        phone_codes.issue("+8613800138009", "10.0.0.1")


def test_a_message_the_provider_refused_does_not_count(settings, monkeypatch):
    def refuse(number, code):
        raise sms.SmsError("refused")

    monkeypatch.setattr(sms, "send_code", refuse)
    with pytest.raises(sms.SmsError):
        phone_codes.issue(NUMBER, "10.0.0.1")
    assert not SmsCode.objects.exists()
    monkeypatch.undo()
    phone_codes.issue(NUMBER, "10.0.0.1")  # at once: nothing was sent


def test_old_codes_are_cleared_when_a_number_asks_again():
    phone_codes.issue(NUMBER)
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        phone_codes.issue(NUMBER)
    assert SmsCode.objects.count() == 1


# --- Parallel requests (PostgreSQL) -------------------------------------------------------------


def _ask_at_once(number, client_ip, barrier, results):
    from django.db import connections

    try:
        barrier.wait(timeout=30)
        phone_codes.issue(number, client_ip)
        results.append("sent")
    except phone_codes.TooSoon:
        results.append("too soon")
    except Exception as error:  # noqa: BLE001 (reported by the test)
        results.append(f"error: {error!r}")
    finally:
        connections.close_all()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_requests_text_a_number_once():
    """A burst of requests for one number (an SMS bomb) sends one code, not one each."""
    import threading

    from django.db import connection

    from tests.conftest import require_service

    require_service(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL)")
    barrier, results = threading.Barrier(10), []
    threads = [
        threading.Thread(target=_ask_at_once, args=(NUMBER, f"10.0.0.{n}", barrier, results))
        for n in range(10)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["sent"] + ["too soon"] * 9
    assert len(sms.outbox) == 1 and SmsCode.objects.count() == 1


def test_codes_older_than_a_day_are_purged_hourly(settings):
    from shop.tasks import purge_sms_codes

    assert settings.CELERY_BEAT_SCHEDULE["purge-sms-codes"]["task"] == "shop.tasks.purge_sms_codes"
    phone_codes.issue(NUMBER, "10.0.0.1")
    with time_machine.travel(timezone.now() + timedelta(hours=23)):
        phone_codes.issue(OTHER, "10.0.0.2")
        assert purge_sms_codes.delay().get() == 0
    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        assert purge_sms_codes.delay().get() == 1
    assert list(SmsCode.objects.values_list("number", flat=True)) == [OTHER]
