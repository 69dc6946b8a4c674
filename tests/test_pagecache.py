"""The anonymous page cache: shared pages served from the cache, personal ones never, each
visitor's own CSRF token, and catalogue edits showing at once."""

import re

import pytest
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory, make_product

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 60


@pytest.fixture
def carrots(cooperative):
    return make_product(cooperative, title="察右中旗草原胡萝卜 5斤装", price="29.90")


def test_a_shared_page_is_served_from_the_cache_without_the_database(
    carrots, django_assert_num_queries
):
    url = carrots.get_absolute_url()
    first = Client().get(url)
    assert first.status_code == 200 and "X-Page-Cache" not in first
    with django_assert_num_queries(0):
        second = Client().get(url)
    assert second["X-Page-Cache"] == "hit"
    assert carrots.title in second.content.decode()


def test_each_visitor_gets_a_working_csrf_token_of_their_own(carrots):
    url = carrots.get_absolute_url()
    Client().get(url)  # someone else renders and stores it
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get(url)
    assert page["X-Page-Cache"] == "hit"
    tokens = set(TOKEN.findall(page.content.decode()))
    assert tokens and "__csrf_token_placeholder__" not in page.content.decode()
    added = visitor.post(
        reverse("basket:add", kwargs={"pk": carrots.pk}),
        {"quantity": 1, "csrfmiddlewaretoken": tokens.pop()},
    )
    assert added.status_code == 302  # accepted (a bad token is 403)
    # with a basket now, the visitor sees their own page, not the shared one
    assert "X-Page-Cache" not in visitor.get(url)


def test_signed_in_buyers_never_get_the_shared_page(carrots):
    url = carrots.get_absolute_url()
    Client().get(url)
    user = UserFactory(email="wang@example.com")
    client = Client()
    assert client.login(request=HttpRequest(), username=user.email, password=PASSWORD)
    page = client.get(url)
    assert "X-Page-Cache" not in page
    assert reverse("customer:logout") in page.content.decode()


def test_a_catalogue_edit_shows_at_once(carrots):
    url = carrots.get_absolute_url()
    Client().get(url)
    carrots.title = "察右中旗草原胡萝卜 10斤装"
    carrots.save()
    page = Client().get(url)
    assert "X-Page-Cache" not in page and "10斤装" in page.content.decode()


def test_off_when_set_to_zero(carrots, settings):
    settings.PAGE_CACHE_SECONDS = 0
    url = carrots.get_absolute_url()
    Client().get(url)
    assert "X-Page-Cache" not in Client().get(url)
