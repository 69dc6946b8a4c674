"""The live room shared between signed-in buyers (shop.pagecache, {% personal %} parts): each
buyer's page from the cache is exactly the page rendered for them alone, nothing of another
buyer's shows, and the visit still does what the view does (the session is remembered)."""

import re
from datetime import timedelta

import pytest
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse
from oscar.core.loading import get_model

from livestream import services
from livestream.models import Reminder
from tests.factories import PASSWORD, UserFactory
from tests.livestream.conftest import new_session

pytestmark = pytest.mark.django_db

Notification = get_model("communication", "Notification")
PER_RESPONSE = [
    (re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*"'), r'\1TOKEN"'),
    (re.compile(r'nonce="[^"]*"'), 'nonce="NONCE"'),
]


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 60


def signed_in(user):
    client = Client()
    assert client.login(request=HttpRequest(), username=user.email, password=PASSWORD)
    return client


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200
    text = response.content.decode()
    for pattern, replacement in PER_RESPONSE:
        text = pattern.sub(replacement, text)
    return response, text


def fresh(client, url, settings):
    settings.PAGE_CACHE_SECONDS = 0
    try:
        return page(client, url)[1]
    finally:
        settings.PAGE_CACHE_SECONDS = 60


@pytest.fixture
def buyer_with_basket(carrots, oats):
    user = UserFactory(email="wang.fang@example.com", first_name="王芳")
    client = signed_in(user)
    client.post(reverse("basket:add", kwargs={"pk": oats.pk}), {"quantity": 3})
    Notification.objects.create(recipient=user, subject="您的订单已发货")
    client.cookies.pop("messages", None)
    return user, client


def test_each_signed_in_viewer_gets_their_own_parts_of_the_shared_page(
    live, host_user, staff, buyer_with_basket, settings
):
    url = reverse("livestream:detail", kwargs={"pk": live.pk})
    host = signed_in(host_user)
    first, host_page = page(host, url)
    assert "X-Page-Cache" not in first
    assert reverse("livestream:host-session", kwargs={"pk": live.pk}) in host_page
    assert reverse("livestream:host-list") in host_page  # the header's link (shop.roles)

    buyer, client = buyer_with_basket
    response, buyer_page = page(client, url)
    assert response["X-Page-Cache"] == "hit"
    assert buyer_page == fresh(client, url, settings)
    # the buyer's own basket (3 × ¥18.80) and unread notification; not the host's links
    assert "56.40" in buyer_page and 'badge badge-warning">1<' in buyer_page
    assert reverse("livestream:host-session", kwargs={"pk": live.pk}) not in buyer_page
    assert reverse("livestream:host-list") not in buyer_page

    response, host_again = page(host, url)
    assert response["X-Page-Cache"] == "hit" and host_again == host_page
    assert "56.40" not in host_again

    admin = signed_in(staff)
    response, staff_page = page(admin, url)
    assert response["X-Page-Cache"] == "hit"
    assert staff_page == fresh(admin, url, settings)
    assert reverse("dashboard:index") in staff_page and reverse("impact:index") in staff_page
    assert reverse("dashboard:index") not in buyer_page


def test_the_reminder_is_the_viewers_own(host_user, cooperative, carrots, consumer, settings):
    upcoming = new_session(host_user, cooperative, starts_in=timedelta(hours=2))
    services.add_item(upcoming, carrots)
    url = reverse("livestream:detail", kwargs={"pk": upcoming.pk})
    reminded = UserFactory(email="li.lei@example.com")
    Reminder.objects.create(session=upcoming, user=reminded)
    page(signed_in(reminded), url)
    client = signed_in(consumer)
    response, text = page(client, url)
    assert response["X-Page-Cache"] == "hit"
    assert 'id="remind-me"' in text and text == fresh(client, url, settings)
    _response, own = page(signed_in(reminded), url)
    assert 'id="remind-me"' not in own


def test_a_served_page_still_remembers_the_session_for_attribution(live, consumer):
    url = reverse("livestream:detail", kwargs={"pk": live.pk})
    page(signed_in(UserFactory(email="first@example.com")), url)
    client = signed_in(consumer)
    response, _text = page(client, url)
    assert response["X-Page-Cache"] == "hit"
    assert client.session[services.SESSION_KEY] == live.pk


def test_a_guest_served_the_shared_page_is_still_attributed_to_the_session(live, oats):
    from livestream.models import BasketAttribution

    url = reverse("livestream:detail", kwargs={"pk": live.pk})
    carrots = live.items.get().product

    def guest():
        client = Client()
        client.post(reverse("basket:add", kwargs={"pk": oats.pk}), {"quantity": 1})
        client.get(reverse("basket:summary"))  # the "added" message, shown
        return client

    page(guest(), url)  # the guests' page, stored
    other = guest()
    response, _text = page(other, url)
    assert response["X-Page-Cache"] == "hit"
    other.post(reverse("basket:add", kwargs={"pk": carrots.pk}), {"quantity": 1})
    attributed = BasketAttribution.objects.filter(line__product=carrots)
    assert [a.session_id for a in attributed] == [live.pk]


def test_pending_messages_are_the_buyers_own_part_of_the_shared_page(live, consumer):
    url = reverse("livestream:detail", kwargs={"pk": live.pk})
    first = signed_in(UserFactory(email="first@example.com"))
    page(first, url)
    client = signed_in(consumer)
    client.post(reverse("livestream:remind", kwargs={"pk": live.pk}))  # not upcoming: 404
    client.post(
        reverse("basket:add", kwargs={"pk": live.items.first().product_id}), {"quantity": 1}
    )
    response = client.get(url)
    assert response["X-Page-Cache"] == "hit"
    messages = response.content.decode().split('id="messages"')[1][:2000]
    assert "已添加" in messages or "added" in messages
    # shown once, and only to them
    for other in (client, first):
        again = other.get(url)
        assert again["X-Page-Cache"] == "hit"
        assert 'class="alert' not in again.content.decode().split('id="messages"')[1][:300]


def test_a_served_page_costs_the_same_queries_whatever_the_rail_holds(
    live, consumer, cooperative, django_assert_max_num_queries
):
    from tests.factories import make_product

    url = reverse("livestream:detail", kwargs={"pk": live.pk})
    page(signed_in(UserFactory(email="first@example.com")), url)
    client = signed_in(consumer)
    client.get(url)  # the first visit makes their basket and remembers the session
    with django_assert_max_num_queries(4):
        assert client.get(url)["X-Page-Cache"] == "hit"
    for n in range(8):
        services.add_item(live, make_product(cooperative, title=f"燕麦米 {n}", price="10.00"))
    page(signed_in(UserFactory(email="second@example.com")), url)
    with django_assert_max_num_queries(4):
        assert client.get(url)["X-Page-Cache"] == "hit"


def test_a_phone_without_a_session_is_not_given_one_by_a_cached_page(live):
    url = reverse("livestream:detail", kwargs={"pk": live.pk})
    Client().get(url)
    from django.contrib.sessions.models import Session

    sessions = Session.objects.count()
    response = Client().get(url)
    assert response["X-Page-Cache"] == "hit"
    assert "sessionid" not in response.cookies and Session.objects.count() == sessions
