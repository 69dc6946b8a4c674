"""Error pages (403, 404, 500, CSRF) in Chinese and in the store's layout, /favicon.ico, and the
consumer pages free of Oscar's wording leftovers (issue 23)."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.factories import make_product

from .error_urls import DENIED_MESSAGE

pytestmark = pytest.mark.django_db

# What Oscar's catalogue (and Django's fallbacks) put on a Chinese page, that a shopper must not
# see again: wrong or machine-like Chinese, and English error pages.
LEFTOVERS = [
    "登陆",  # 登录
    "执行",  # Django admin's "Go", on the language switcher
    "显示结果在",
    "我要第一个发言",
    "商品警报",
    "警报",
    "啊呀",
    "Oops",
    "Not Found",
    "Forbidden",
    "Server Error",
]


@pytest.fixture
def production(settings):
    """DEBUG off, as in production: Django's handlers render 403/404/500.html."""
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]


def text_of(html: str) -> str:
    """The visible text and attributes, without scripts (a leftover in a comment does not
    count, one in a placeholder or a button does)."""
    html = re.sub(r"<script\b.*?</script>", "", html, flags=re.S)
    return re.sub(r"<!--.*?-->", "", html, flags=re.S)


def assert_store_layout(response):
    html = response.content.decode()
    assert "oscar/layout.html" in {template.name for template in response.templates}
    assert '<html lang="zh-hans"' in html
    assert "京蒙优选" in html
    assert 'rel="icon"' in html
    assert "jingmeng/css/errors.css" in html


def test_unknown_url_is_a_chinese_404_in_the_store_layout(client, production):
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert_store_layout(response)  # the store's header, basket and search, not a bare page
    assert "页面不存在" in html
    assert 'href="/"' in html and reverse("catalogue:index") in html  # a way back
    assert 'name="q"' in html
    for leftover in ("Not Found", "Page not found", "登陆"):
        assert leftover not in text_of(html)


def test_a_missing_product_is_the_same_404(client, production):
    response = client.get("/catalogue/no-such-product_999999/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_a_404_from_a_cached_view_has_the_guests_own_header(
    client, production, settings, cooperative
):
    """A guest with a basket asks for a product page that is gone: the page cache leaves the
    header's personal parts as markers while rendering, and fills them in on a 404 too."""
    settings.PAGE_CACHE_SECONDS = 60
    product = make_product(cooperative, title="察右中旗胡萝卜")
    client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 1})
    response = client.get("/catalogue/no-such-product_999999/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in html
    assert "jm-personal" not in html
    assert "察右中旗胡萝卜" in html  # the guest's mini-basket


@pytest.mark.urls("tests.shop.error_urls")
def test_403_shows_the_views_own_message(client, production):
    response = client.get("/test-errors/denied/")
    html = response.content.decode()
    assert response.status_code == 403
    assert_store_layout(response)
    assert DENIED_MESSAGE in html
    assert "Forbidden" not in text_of(html)
    assert reverse("customer:login") in html  # a guest is offered to sign in


@pytest.mark.urls("tests.shop.error_urls")
def test_403_without_a_message_explains_in_chinese(client, production):
    response = client.get("/test-errors/denied-plain/")
    assert response.status_code == 403
    assert "没有访问这个页面的权限" in response.content.decode()


def test_a_real_403_from_the_store(client, production, consumer):
    """/impact/ for a buyer: the view's own PermissionDenied text, in Chinese."""
    client.force_login(consumer)
    response = client.get(reverse("impact:index"))
    html = response.content.decode()
    assert response.status_code == 403
    with translation.override("zh-hans"):
        assert translation.gettext("This page is for officials.") in html
    assert "Forbidden" not in text_of(html)


@pytest.mark.urls("tests.shop.error_urls")
def test_500_is_a_chinese_page_that_needs_no_request(production):
    client = Client(raise_request_exception=False)
    response = client.get("/test-errors/broken/")
    html = response.content.decode()
    assert response.status_code == 500
    assert '<html lang="zh-hans"' in html
    assert "出错了" in html and "京蒙优选" in html
    assert 'rel="icon"' in html
    assert 'href="/"' in html and 'href="/catalogue/"' in html
    assert "Server Error" not in html and "<script" not in html
    assert "a bug in a view" not in html  # the error is for the log only


def test_500_template_renders_with_an_empty_context():
    """Django's server_error renders 500.html with no context at all."""
    from django.template import loader

    with translation.override("zh-hans"):
        html = loader.get_template("500.html").render()
    assert "出错了" in html


def test_csrf_failure_is_a_chinese_page(production):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("customer:login"), {"login-username": "a@example.com"})
    html = response.content.decode()
    assert response.status_code == 403
    assert "页面已过期" in html
    assert "Forbidden" not in html and "CSRF verification failed" not in html


def test_favicon_ico_is_a_real_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO header
    assert "max-age" in response["Cache-Control"]
    on_disk = Path(django_settings.BASE_DIR, "static/jingmeng/img/favicon.ico").read_bytes()
    assert response.content == on_disk


def test_favicon_ico_asks_nothing_of_a_signed_in_user_who_owes_a_code(client, settings, staff):
    """The two-factor check lets it through (shop.security.EXEMPT_PREFIXES)."""
    settings.TWO_FACTOR_REQUIRED = True
    client.force_login(staff)
    assert client.get("/favicon.ico").status_code == 200


@pytest.fixture
def shop_pages(cooperative, consumer):
    product = make_product(cooperative, title="察右中旗胡萝卜", price="29.90")
    sold_out = make_product(cooperative, title="武川雪菊茶", price="39.00", num_in_stock=0)
    return {
        "home": "/",
        "catalogue": reverse("catalogue:index"),
        "search": reverse("product-search") + "?q=胡萝卜",
        "product": product.get_absolute_url(),
        "sold out product": sold_out.get_absolute_url(),
        "basket": reverse("basket:summary"),
        "login": reverse("customer:login"),
        "register": reverse("customer:register"),
        "password reset": reverse("password-reset"),
        "track": reverse("tracking:lookup"),
        "cooperatives": reverse("cooperatives:list"),
        "live": reverse("livestream:list"),
        "offers": reverse("offer:list"),
    }


def assert_no_leftovers(name, response):
    assert response.status_code == 200, (name, response.status_code)
    assert 'rel="icon"' in response.content.decode(), name
    text = text_of(response.content.decode())
    found = [leftover for leftover in LEFTOVERS if leftover in text]
    assert not found, f"{name}: {found}"


def test_consumer_pages_have_no_leftover_wording(client, shop_pages):
    for name, url in shop_pages.items():
        assert_no_leftovers(name, client.get(url))


def test_signed_in_pages_have_no_leftover_wording(client, shop_pages, consumer, cooperative):
    client.force_login(consumer)
    product = make_product(cooperative, title="扎赉特大米", price="79.00")
    client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 1})
    pages = {
        **shop_pages,
        "account": reverse("customer:profile-view"),
        "orders": reverse("customer:order-list"),
        "alerts": reverse("customer:alerts-list"),
        "wish lists": reverse("customer:wishlists-list"),
        "emails": reverse("customer:email-list"),
        "addresses": reverse("customer:address-list"),
    }
    del pages["login"], pages["register"], pages["password reset"]  # for guests only
    for name, url in pages.items():
        assert_no_leftovers(name, client.get(url))


def test_a_wrong_password_shows_the_real_error_without_a_generic_banner(client, consumer):
    response = client.post(
        reverse("customer:login"),
        {"login-username": consumer.email, "login-password": "wrong", "login_submit": "1"},
    )
    html = text_of(response.content.decode())
    assert response.status_code == 200
    assert "alert-danger" in html  # the real error
    for leftover in ("啊呀", "Oops", "出现了一些错误", "登陆"):
        assert leftover not in html
