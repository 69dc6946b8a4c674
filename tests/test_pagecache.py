"""The anonymous page cache: shared pages served from the cache, personal ones never, each
visitor's own CSRF token, and catalogue edits showing at once."""

import re

import pytest
from django.db import connection
from django.http import HttpRequest
from django.test import Client
from django.test.utils import CaptureQueriesContext
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
    # with a basket now, the visitor is a guest: not the anonymous page, but their own basket
    page = visitor.get(url)
    assert "X-Page-Cache" not in page  # the guests' shared render is made now
    assert "¥29.90" in page.content.decode().split('class="basket-mini')[1][:400]


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


# --- "Products you recently viewed": each visitor's own, on shared pages too ---------------------


@pytest.fixture
def produce(cooperative):
    return {
        name: make_product(cooperative, title=title)
        for name, title in {
            "oats": "察右中旗燕麦米 2.5kg",
            "tea": "武川县雪菊茶 50g",
            "potatoes": "奈曼旗烟薯25号 5斤",
            "milk": "正镶白旗奶皮子 500g",
        }.items()
    }


def history(client) -> list:
    import json

    return json.loads(client.cookies["oscar_history"].value)


def test_one_visitors_history_is_never_shown_to_another(produce):
    oats, tea, potatoes, milk = (produce[k] for k in ("oats", "tea", "potatoes", "milk"))
    browser = Client()
    browser.get(oats.get_absolute_url())
    first = browser.get(tea.get_absolute_url())  # rendered with oats as recently viewed, stored
    assert "X-Page-Cache" not in first
    assert oats.get_absolute_url() in first.content.decode()

    stranger = Client().get(tea.get_absolute_url())
    assert stranger["X-Page-Cache"] == "hit"
    assert oats.get_absolute_url() not in stranger.content.decode()
    assert "jm-personal" not in stranger.content.decode()

    other = Client()
    other.get(potatoes.get_absolute_url())
    other.get(milk.get_absolute_url())
    served = other.get(tea.get_absolute_url())
    assert served["X-Page-Cache"] == "hit"
    theirs = served.content.decode()
    assert potatoes.get_absolute_url() in theirs and milk.get_absolute_url() in theirs
    assert oats.get_absolute_url() not in theirs
    # newest first, as Oscar lists them
    assert theirs.index(milk.get_absolute_url()) < theirs.index(potatoes.get_absolute_url())


def test_a_page_from_the_cache_still_joins_the_visitors_history(produce):
    oats, tea = produce["oats"], produce["tea"]
    Client().get(oats.get_absolute_url())  # someone else renders and stores it
    visitor = Client()
    assert visitor.get(oats.get_absolute_url())["X-Page-Cache"] == "hit"
    assert history(visitor) == [oats.pk]
    page = visitor.get(tea.get_absolute_url()).content.decode()
    assert oats.get_absolute_url() in page
    assert history(visitor) == [oats.pk, tea.pk]


def test_the_history_on_a_served_page_is_loaded_in_bulk(produce):
    tea = produce["tea"]
    Client().get(tea.get_absolute_url())
    few, many = Client(), Client()
    few.get(produce["oats"].get_absolute_url())
    for name in ("oats", "potatoes", "milk"):
        many.get(produce[name].get_absolute_url())
    with CaptureQueriesContext(connection) as one:
        page_one = few.get(tea.get_absolute_url())
    with CaptureQueriesContext(connection) as three:
        page_three = many.get(tea.get_absolute_url())
    assert page_one["X-Page-Cache"] == page_three["X-Page-Cache"] == "hit"
    assert produce["oats"].get_absolute_url() in page_one.content.decode()
    for name in ("oats", "potatoes", "milk"):
        assert produce[name].get_absolute_url() in page_three.content.decode()
    assert len(one) == len(three) <= 6


def recently_viewed_heading() -> str:
    from django.utils.translation import gettext, override

    with override("zh-hans"):
        return gettext("Products you recently viewed")


@pytest.mark.parametrize(
    "cookie",
    [
        "not json",
        '["x"]',
        '{"a": 1}',
        "[[2], null]",
        "[1e400]",
        "[Infinity]",
        "[99999999999999999999]",
    ],
)
@pytest.mark.parametrize("served", [False, True], ids=["rendered", "from the cache"])
def test_a_broken_history_cookie_shows_no_history(produce, cookie, served):
    tea = produce["tea"]
    if served:
        Client().get(tea.get_absolute_url())
    visitor = Client()
    visitor.cookies["oscar_history"] = cookie
    page = visitor.get(tea.get_absolute_url())
    assert page.status_code == 200
    assert ("X-Page-Cache" in page) == served
    assert recently_viewed_heading() not in page.content.decode()


def test_a_history_shows_on_a_page_of_ones_own_too(produce):
    buyer = UserFactory(email="li@example.com")
    client = Client()
    assert client.login(request=HttpRequest(), username=buyer.email, password=PASSWORD)
    client.get(produce["oats"].get_absolute_url())
    page = client.get(produce["tea"].get_absolute_url())
    assert "X-Page-Cache" not in page
    html = page.content.decode()
    assert recently_viewed_heading() in html and produce["oats"].get_absolute_url() in html
    assert "jm-personal" not in html


# --- Guests with a basket share pages too, each with their own basket --------------------------


def guest_with(product, *, messages_read=True):
    guest = Client()
    added = guest.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": 1})
    assert added.status_code == 302
    if messages_read:
        guest.get(reverse("basket:summary"))  # shows "added to your basket"
    return guest


def mini_basket(page) -> str:
    html = page.content.decode()
    return html[html.index('class="basket-mini') : html.index('class="basket-mini') + 3000]


def test_guests_share_a_page_each_with_their_own_basket(produce):
    oats, tea, potatoes = produce["oats"], produce["tea"], produce["potatoes"]
    url = potatoes.get_absolute_url()
    first, second = guest_with(oats), guest_with(tea)
    with CaptureQueriesContext(connection) as rendered:
        page = first.get(url)
    assert "X-Page-Cache" not in page
    assert oats.title in mini_basket(page) and tea.title not in mini_basket(page)

    with CaptureQueriesContext(connection) as served:
        page = second.get(url)
    assert page["X-Page-Cache"] == "hit"
    assert tea.title in mini_basket(page) and oats.title not in mini_basket(page)
    assert potatoes.title in page.content.decode()
    assert "jm-personal" not in page.content.decode()
    # the basket is loaded and priced; the page itself is not rendered again
    assert len(served) < len(rendered) - 5

    anonymous = Client().get(url)  # no basket: the anonymous page, rendered separately
    assert "X-Page-Cache" not in anonymous
    assert oats.title not in mini_basket(anonymous) and tea.title not in mini_basket(anonymous)


def test_a_guest_page_shows_the_basket_as_it_is_now(produce):
    oats, tea, potatoes = produce["oats"], produce["tea"], produce["potatoes"]
    url = potatoes.get_absolute_url()
    guest = guest_with(oats)
    guest.get(url)
    guest.post(reverse("basket:add", kwargs={"pk": tea.pk}), {"quantity": 1})
    guest.get(reverse("basket:summary"))  # the "added" message is shown (and gone)
    page = guest.get(url)
    assert page["X-Page-Cache"] == "hit"
    assert oats.title in mini_basket(page) and tea.title in mini_basket(page)


def test_a_guests_messages_are_their_own_and_shown_once(produce):
    url = produce["tea"].get_absolute_url()
    guest_with(produce["milk"]).get(url)  # the guests' render, stored
    guest = guest_with(produce["oats"], messages_read=False)  # "added to your basket" waits
    page = guest.get(url)
    assert page["X-Page-Cache"] == "hit"
    messages = page.content.decode().split('id="messages"')[1][:3000]
    assert produce["oats"].title in messages and produce["milk"].title not in messages
    again = guest.get(url)
    assert again["X-Page-Cache"] == "hit"
    assert 'class="alert' not in again.content.decode().split('id="messages"')[1][:300]


def test_another_guest_never_sees_the_renderers_messages(produce):
    url = produce["tea"].get_absolute_url()
    renderer = guest_with(produce["oats"], messages_read=False)
    rendered = renderer.get(url)
    assert "X-Page-Cache" not in rendered
    assert produce["oats"].title in rendered.content.decode().split('id="messages"')[1][:3000]
    other = guest_with(produce["milk"])
    page = other.get(url)
    assert page["X-Page-Cache"] == "hit"
    assert 'class="alert' not in page.content.decode().split('id="messages"')[1][:300]


def messages_area(html) -> str:
    """The messages' <div id="messages">…</div>, nested divs and all."""
    start = html.index('<div id="messages">')
    depth, position = 0, start
    for tag in re.finditer(r"<div\b|</div>", html[start:]):
        depth += 1 if tag.group() == "<div" else -1
        if depth == 0:
            position = start + tag.end()
            break
    return html[start:position]


@pytest.fixture
def shared_pages(produce, cooperative, vegetables):
    make_product(cooperative, title="察右中旗胡萝卜", categories=[vegetables])
    return {
        "home": "/",
        "catalogue": reverse("catalogue:index"),
        "category": vegetables.get_absolute_url(),
        "product": produce["tea"].get_absolute_url(),
        "live sessions": reverse("livestream:list"),
        "cooperatives": reverse("cooperatives:list"),
        "cooperative": cooperative.get_absolute_url(),
    }


@pytest.mark.parametrize(
    "name",
    ["home", "catalogue", "category", "product", "live sessions", "cooperatives", "cooperative"],
)
def test_every_shared_page_shows_each_guest_their_own_messages_and_basket(
    produce, shared_pages, name
):
    url = shared_pages[name]
    renderer = guest_with(produce["oats"], messages_read=False)
    rendered = renderer.get(url)
    assert rendered.status_code == 200 and "X-Page-Cache" not in rendered
    other = guest_with(produce["milk"], messages_read=False)
    page = other.get(url)
    assert page["X-Page-Cache"] == "hit"
    html = page.content.decode()
    messages = messages_area(html)
    assert produce["milk"].title in messages and produce["oats"].title not in messages
    assert produce["oats"].title not in mini_basket(page)
    assert "jm-personal" not in html


@pytest.mark.parametrize("button", ["basket:add", "checkout:buy-now"])
def test_a_refused_add_to_basket_form_is_shown_to_that_visitor_alone(cooperative, button):
    """Oscar keeps a refused post in the visitor's session and binds the product page's form to
    it (their quantity, its error): such a render is never stored for others."""
    carrots = make_product(cooperative, title="察右中旗胡萝卜", price="29.90", num_in_stock=2)
    page = carrots.get_absolute_url()
    refused = Client()
    response = refused.post(
        reverse(button, kwargs={"pk": carrots.pk}),
        {"quantity": 7},
        headers={"Referer": "http://testserver" + page},
    )
    assert response.status_code == 302 and response.url == "http://testserver" + page
    own = refused.get(page).content.decode()
    assert 'value="7"' in own  # their form, as Oscar shows it to them

    for other in (Client(), guest_with(carrots), guest_with(carrots, messages_read=False)):
        html = other.get(page).content.decode()
        assert 'value="7"' not in html and 'name="quantity" value="1"' in html
    assert 'value="7"' not in refused.get(page).content.decode()  # shown once, as in Oscar
