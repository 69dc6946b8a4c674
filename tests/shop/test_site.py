from decimal import Decimal
from unittest import mock

import pytest
from django.db.utils import OperationalError
from django.template import Context, Template
from django.utils import timezone, translation
from oscar.core.loading import get_model

from shop.text import pinyin_slugify
from tests.factories import UserFactory, make_product

pytestmark = pytest.mark.django_db


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_a_broken_database(client):
    with mock.patch("shop.views.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


def test_home_is_chinese_with_yuan_prices(client, cooperative):
    make_product(
        cooperative,
        title="察右中旗胡萝卜",
        price="29.90",
        certification_number="扶贫产品认定 1",
        certification_valid_until="2999-12-31",
    )
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans"' in html
    assert "京蒙优选" in html
    assert "察右中旗胡萝卜" in html
    assert "¥29.90" in html
    assert cooperative.name in html  # featured cooperatives


def test_english_only_when_chosen(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="en"' in html
    assert "Jingmeng Market" in html


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_currency_is_yuan_in_every_language(language):
    template = Template("{% load currency_filters %}{{ value|currency }}")
    with translation.override(language):
        assert template.render(Context({"value": Decimal("1234.5")})) == "¥1,234.50"


def test_slugs_are_pinyin():
    assert pinyin_slugify("察右中旗胡萝卜 5斤装") == "cha-you-zhong-qi-hu-luo-bo-5-jin-zhuang"
    assert pinyin_slugify("烟薯25号") == "yan-shu-25-hao"


def test_product_urls_use_pinyin_slugs(cooperative):
    product = make_product(cooperative, title="武川雪菊茶")
    assert product.get_absolute_url() == f"/catalogue/wu-chuan-xue-ju-cha_{product.pk}/"


def test_translation_catalogues_have_no_fuzzy_guesses():
    """gettext's fuzzy matches are guesses (e.g. a credit-code message on an ID number): none."""
    from pathlib import Path

    for po in Path("locale").rglob("*.po"):
        text = po.read_text(encoding="utf-8")
        assert "#, fuzzy" not in text.split("\n\n", 1)[1], po


def _manage(*args, **env_overrides):
    import os
    import subprocess
    import sys

    unset = {
        "SECRET_KEY",
        "FIELD_ENCRYPTION_KEY",
        "STRIPE_SECRET_KEY",
        "STRIPE_WEBHOOK_SECRET",
        "DEBUG",
        "SECURE_SSL_REDIRECT",
        "TESTING",
        "TWO_FACTOR_REQUIRED",
        "EMAIL_URL",
        "LIVESTREAM_ALLOWED_HOSTS",
        "SMS_BACKEND",
    }
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], capture_output=True, text=True, env=env, check=False
    )


def test_manage_check_is_clean_with_nothing_set():
    result = _manage("check")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_refuses_demo_secrets_and_passes_with_real_ones():
    refused = _manage("check", "--deploy")
    assert refused.returncode != 0
    assert "jingmeng.E001" in refused.stderr and "SECRET_KEY" in refused.stderr
    assert "STRIPE_WEBHOOK_SECRET" in refused.stderr
    real = _manage(
        "check",
        "--deploy",
        SECRET_KEY="k" * 20 + "-a-long-random-secret-for-the-test-only-9f3c2b1a",
        FIELD_ENCRYPTION_KEY="another-long-random-secret-for-the-test",
        STRIPE_SECRET_KEY="sk_live_for_the_test",
        STRIPE_WEBHOOK_SECRET="whsec_for_the_test",
        EMAIL_URL="smtp+tls://shop%40example.com:pw@smtp.example.com:587",
    )
    assert real.returncode == 0, real.stderr
    assert "no issues" in real.stdout, real.stderr  # no warnings either


def test_check_deploy_warns_when_two_factor_login_is_off():
    secrets = {
        "SECRET_KEY": "k" * 20 + "-a-long-random-secret-for-the-test-only-9f3c2b1a",
        "FIELD_ENCRYPTION_KEY": "another-long-random-secret-for-the-test",
        "STRIPE_SECRET_KEY": "sk_live_for_the_test",
        "STRIPE_WEBHOOK_SECRET": "whsec_for_the_test",
    }
    off = _manage(
        "check", "--deploy", "--fail-level", "WARNING", TWO_FACTOR_REQUIRED="false", **secrets
    )
    assert off.returncode != 0
    assert "jingmeng.W002" in off.stderr


def test_the_header_counts_the_buyers_own_unread_notifications(client):
    """``shop.context_processors.notifications``: the badge counts this buyer's unread ones only."""
    Notification = get_model("communication", "Notification")
    buyer, other = UserFactory(), UserFactory()
    for recipient, read in ((buyer, None), (buyer, None), (buyer, timezone.now()), (other, None)):
        Notification.objects.create(recipient=recipient, subject="s", date_read=read)
    client.force_login(buyer)
    html = client.get("/").content.decode()
    assert '<span class="badge badge-warning">2</span>' in html
