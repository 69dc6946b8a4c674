"""Host tools: a host manages only their own sessions, for cooperatives they may sell for; stream
addresses are checked; pins keep their history; reminders go out once."""

from decimal import Decimal

import pytest
from django.core import mail
from django.http import HttpRequest
from django.urls import reverse

from livestream import services
from livestream.models import Host, LiveSession, Pin, Reminder
from livestream.tasks import send_live_reminders
from tests.factories import PASSWORD, CooperativeFactory, UserFactory, make_product

from .conftest import STREAM, new_session

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(request=HttpRequest(), username=user.email, password=PASSWORD)


def form_data(cooperative, **overrides):
    return {
        "title": "奈曼旗烟薯25号直播",
        "cooperative": cooperative.pk,
        "description": "",
        "scheduled_start": "2026-12-01T19:00",
        "scheduled_end": "2026-12-01T20:30",
        "stream_url": STREAM,
        "replay_url": "",
        **overrides,
    }


def test_a_host_creates_a_session_for_their_cooperative(client, host_user, cooperative):
    login(client, host_user)
    response = client.post(reverse("livestream:host-create"), form_data(cooperative))
    session = LiveSession.objects.get()
    assert response.url == reverse("livestream:host-session", kwargs={"pk": session.pk})
    assert session.host == host_user and session.status == LiveSession.Status.SCHEDULED


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://live.jingmeng.example/a.m3u8", "https://"),
        ("https://evil.example.com/a.m3u8", "evil.example.com"),
        ("javascript:alert(1)", "URL"),
        ("https://evil.example.com\\@live.jingmeng.example/a.m3u8", "反斜杠"),
        ("https://live.jingmeng.example:8443/a.m3u8", "端口"),  # Django's own: 输入一个有效的 URL
    ],
)
def test_a_bad_stream_address_is_refused_with_a_clear_message(
    client, host_user, cooperative, url, message
):
    login(client, host_user)
    response = client.post(
        reverse("livestream:host-create"), form_data(cooperative, stream_url=url)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not LiveSession.objects.exists()


def test_a_host_cannot_sell_for_another_cooperative(client, host_user):
    login(client, host_user)
    other = CooperativeFactory()
    client.post(reverse("livestream:host-create"), form_data(other))
    assert not LiveSession.objects.exists()


def test_a_host_cannot_see_or_change_another_hosts_session(client, host_user, cooperative, carrots):
    theirs = new_session(host_user, cooperative)
    services.add_item(theirs, carrots)
    intruder = UserFactory(email="other-host@example.com")
    Host.objects.create(user=intruder).cooperatives.add(cooperative)
    login(client, intruder)
    for name in ("host-session", "host-edit", "stats", "stats-json"):
        assert (
            client.get(reverse(f"livestream:{name}", kwargs={"pk": theirs.pk})).status_code == 404
        )
    client.post(reverse("livestream:host-session", kwargs={"pk": theirs.pk}), {"action": "go_live"})
    client.post(
        reverse("livestream:host-edit", kwargs={"pk": theirs.pk}),
        form_data(cooperative, title="抢来的直播"),
    )
    theirs.refresh_from_db()
    assert theirs.status == LiveSession.Status.SCHEDULED and theirs.title != "抢来的直播"
    assert (
        client.get(reverse("livestream:host-list")).content.decode().count("草原胡萝卜上车啦") == 0
    )


def test_shoppers_are_not_hosts(client, consumer):
    login(client, consumer)
    assert client.get(reverse("livestream:host-list")).status_code == 403


def test_a_live_price_must_be_below_the_normal_price(host_user, cooperative, carrots):
    from django.core.exceptions import ValidationError

    session = new_session(host_user, cooperative)
    with pytest.raises(ValidationError):
        services.add_item(session, carrots, live_price=Decimal("35.00"))
    assert not session.items.exists()


def test_only_the_cooperatives_products_go_on_its_session(host_user, cooperative):
    from django.core.exceptions import ValidationError

    session = new_session(host_user, cooperative)
    tea = make_product(CooperativeFactory(), title="武川雪菊茶")
    with pytest.raises(ValidationError):
        services.add_item(session, tea)


def test_going_live_pinning_and_ending_from_the_control_room(
    client, host_user, cooperative, carrots, oats
):
    session = new_session(host_user, cooperative)
    first = services.add_item(session, carrots, live_price=Decimal("19.90"))
    second = services.add_item(session, oats)
    login(client, host_user)
    url = reverse("livestream:host-session", kwargs={"pk": session.pk})
    client.post(url, {"action": "down", "item": first.pk})
    assert list(session.items.values_list("product__title", flat=True))[0] == oats.title
    client.post(url, {"action": "go_live"})
    client.post(url, {"action": "pin", "item": first.pk})
    client.post(url, {"action": "pin", "item": second.pk})
    client.post(url, {"action": "pin", "item": second.pk})  # already on screen: nothing new
    session.refresh_from_db()
    assert session.status == LiveSession.Status.LIVE and session.pinned() == second
    pins = list(Pin.objects.filter(session=session))
    assert [p.item for p in pins] == [first, second]
    assert pins[0].unpinned_at == pins[1].pinned_at
    client.post(url, {"action": "end"})
    session.refresh_from_db()
    assert session.status == LiveSession.Status.ENDED and session.pinned() is None
    page = client.get(reverse("livestream:detail", kwargs={"pk": session.pk})).content.decode()
    assert 'id="chapters"' in page and carrots.title in page


def test_a_bad_quota_is_refused_and_changes_nothing(client, host_user, cooperative, carrots):
    session = new_session(host_user, cooperative)
    item = services.add_item(session, carrots, live_price=Decimal("19.90"), quota=30)
    login(client, host_user)
    url = reverse("livestream:host-session", kwargs={"pk": session.pk})
    client.post(url, {"action": "save", "item": item.pk, f"item{item.pk}-live_price": "-3"})
    client.post(url, {"action": "save", "item": item.pk, f"item{item.pk}-quota": "abc"})
    item.refresh_from_db()
    assert item.live_price == Decimal("19.90") and item.quota == 30


def test_reminders_go_out_once_when_the_session_goes_live(
    client, host_user, cooperative, consumer, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    session = new_session(host_user, cooperative, starts_in=timedelta(hours=1))
    login(client, consumer)
    client.post(reverse("livestream:remind", kwargs={"pk": session.pk}))
    assert Reminder.objects.filter(user=consumer).count() == 1
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.go_live(session)
    assert len(mail.outbox) == 1
    assert session.title in mail.outbox[0].subject and mail.outbox[0].to == [consumer.email]
    assert send_live_reminders() == 0
    assert len(mail.outbox) == 1


def test_saving_an_item_keeps_the_units_sold_meanwhile(live, carrots, consumer):
    from tests.factories import make_order

    item = live.items.get()  # the host's page was loaded here
    make_order([(carrots, 2)], user=consumer)  # an order claims 2 units meanwhile
    services.update_item(item, live_price=Decimal("19.90"), quota=40, per_customer_limit=2)
    item.refresh_from_db()
    assert item.quota_used == 2 and item.quota == 40


def test_adding_a_product_twice_keeps_its_live_price(host_user, cooperative, carrots):
    from django.core.exceptions import ValidationError

    session = new_session(host_user, cooperative)
    services.add_item(session, carrots, live_price=Decimal("19.90"), quota=30)
    with pytest.raises(ValidationError):
        services.add_item(session, carrots)
    item = session.items.get()
    assert item.live_price == Decimal("19.90") and item.quota == 30


def test_a_host_whose_cooperative_was_taken_away_loses_its_sessions(
    client, host_user, cooperative, carrots
):
    session = new_session(host_user, cooperative)
    host_user.live_host.cooperatives.remove(cooperative)
    login(client, host_user)
    url = reverse("livestream:host-session", kwargs={"pk": session.pk})
    assert client.get(url).status_code == 404
    client.post(url, {"action": "go_live"})
    session.refresh_from_db()
    assert session.status == LiveSession.Status.SCHEDULED


def test_odd_input_is_refused_without_an_error_page(client, host_user, live):
    assert client.get("/?live=²").status_code == 200
    login(client, host_user)
    url = reverse("livestream:host-session", kwargs={"pk": live.pk})
    assert client.post(url, {"action": "pin", "item": "abc"}).status_code == 302
