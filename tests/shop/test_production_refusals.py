"""Production refuses unsafe defaults: an email backend that prints or loses every email (order
emails, password-reset links), and livestream hosts that let in anyone's cloud bucket."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import Error

from livestream import hosts
from livestream.models import validate_stream_url
from shop import checks

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
REAL_SECRETS = {
    "SECRET_KEY": "k" * 20 + "-a-long-random-secret-for-the-test-only-9f3c2b1a",
    "FIELD_ENCRYPTION_KEY": "another-long-random-secret-for-the-test",
    "STRIPE_SECRET_KEY": "sk_live_for_the_test",
    "STRIPE_WEBHOOK_SECRET": "whsec_for_the_test",
}
SMTP = "smtp+tls://shop%40example.com:pw@smtp.example.com:587"


def fresh_process(code: str, *args, **env_overrides):
    """Python in a fresh process with production's environment: what the tests set is unset."""
    unset = {
        "DEBUG",
        "TESTING",
        "EMAIL_URL",
        "LIVESTREAM_ALLOWED_HOSTS",
        "SMS_BACKEND",
        *REAL_SECRETS,
    }
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(DJANGO_SETTINGS_MODULE="shop.settings", **REAL_SECRETS, **env_overrides)
    return subprocess.run(
        [sys.executable, *(["-c", code] if code else []), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# --- Email ------------------------------------------------------------------------------------


def test_check_deploy_fails_when_production_has_no_email_url():
    """Nothing set but the secrets: the console backend, which would print password-reset links."""
    result = fresh_process("", "manage.py", "check", "--deploy")
    assert result.returncode != 0
    assert "jingmeng.E003" in result.stderr
    assert "console" in result.stderr and "EMAIL_URL" in result.stderr
    assert "jingmeng.E001" not in result.stderr  # the secrets are real: only the email is wrong


@pytest.mark.parametrize("backend", ["console", "filebased", "locmem", "dummy"])
def test_check_deploy_refuses_backends_that_deliver_nothing(settings, backend):
    settings.DEBUG = False
    settings.EMAIL_BACKEND = f"django.core.mail.backends.{backend}.EmailBackend"
    [error] = checks.email_is_delivered(None)
    assert isinstance(error, Error) and error.id == "jingmeng.E003"
    assert "EMAIL_URL" in error.hint and "smtp+tls://" in error.hint


def test_smtp_in_production_and_any_backend_in_the_demo_pass(settings):
    settings.DEBUG = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert checks.email_is_delivered(None) == []
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    assert checks.email_is_delivered(None) == []


WSGI = "import shop.wsgi; print('served')"


def test_the_web_entry_point_refuses_to_serve_with_the_console_backend():
    refused = fresh_process(WSGI)
    assert refused.returncode != 0 and "served" not in refused.stdout
    assert "ImproperlyConfigured" in refused.stderr and "EMAIL_URL" in refused.stderr
    assert "print" in refused.stderr


@pytest.mark.parametrize(
    "email_url",
    [SMTP, "dummymail://"],  # dummy: what the bench uses, to measure the store and not mail
    ids=["smtp", "dummy"],
)
def test_the_web_entry_point_serves_with_a_backend_that_prints_nothing(email_url):
    served = fresh_process(WSGI, EMAIL_URL=email_url)
    assert served.returncode == 0, served.stderr
    assert served.stdout.strip().endswith("served")


def test_the_demo_keeps_printing_emails_to_the_console():
    code = WSGI + "\nfrom django.conf import settings; print(settings.EMAIL_BACKEND)"
    served = fresh_process(code, DEBUG="true")
    assert served.returncode == 0, served.stderr
    assert "console" in served.stdout


# --- Livestream hosts -------------------------------------------------------------------------


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_the_default_policy_lets_in_no_cloud_storage_domain(client):
    header = client.get("/")["Content-Security-Policy"]
    for shared in ("aliyuncs.com", "alicdn.com", "myqcloud.com", "volccdn.com"):
        assert shared not in header
    assert "https://live.jingmeng.example" in _policy(client.get("/"))["media-src"]


def test_a_concrete_host_is_allowed_by_both_the_validator_and_the_policy(client, settings):
    settings.LIVESTREAM_ALLOWED_HOSTS = ["replays-jingmeng.oss-cn-beijing.aliyuncs.com"]
    validate_stream_url("https://replays-jingmeng.oss-cn-beijing.aliyuncs.com/2026/a.m3u8")
    policy = _policy(client.get("/"))
    source = "https://replays-jingmeng.oss-cn-beijing.aliyuncs.com"
    assert source in policy["media-src"] and source in policy["connect-src"]
    # Another bucket in the same region is neither saved nor loaded.
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_stream_url("https://someone-else.oss-cn-beijing.aliyuncs.com/a.m3u8")
    assert not any("someone-else" in s or "*" in s for s in policy["media-src"])


def test_a_wildcard_of_our_own_domain_means_its_subdomains_in_both(client, settings):
    from django.core.exceptions import ValidationError

    settings.LIVESTREAM_ALLOWED_HOSTS = ["*.Live.Jingmeng.Example"]
    validate_stream_url("https://cdn2.live.jingmeng.example/a.m3u8")
    with pytest.raises(ValidationError):  # the CSP's *.x does not match x itself: nor do we
        validate_stream_url("https://live.jingmeng.example/a.m3u8")
    assert "https://*.live.jingmeng.example" in _policy(client.get("/"))["media-src"]


@pytest.mark.parametrize(
    "entry",
    [
        ".aliyuncs.com",
        ".oss-cn-beijing.aliyuncs.com",
        "*.myqcloud.com",
        ".volccdn.com",
        ".alicdn.com",
        ".com",
        ".com.cn",
        "https://live.example.cn",  # not a host name: would be a broken CSP source
    ],
)
def test_an_entry_that_lets_anyone_in_is_refused_by_the_check(client, settings, entry):
    from django.core.exceptions import ValidationError

    settings.LIVESTREAM_ALLOWED_HOSTS = [entry, "live.jingmeng.example"]
    [error] = checks.livestream_hosts_are_narrow(None)
    assert error.id == "jingmeng.E004" and repr(entry) in error.msg
    # ... and never honoured meanwhile: not in the policy, not by the validator.
    assert hosts.allowed_hosts() == ("live.jingmeng.example",)
    media = _policy(client.get("/"))["media-src"]
    assert [s for s in media if s.startswith("https:")] == ["https://live.jingmeng.example"]
    with pytest.raises(ValidationError):
        validate_stream_url("https://attacker-bucket.oss-cn-beijing.aliyuncs.com/a.m3u8")


def test_the_defaults_pass_the_check():
    assert checks.livestream_hosts_are_narrow(None) == []
