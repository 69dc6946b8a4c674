"""A Redis or broker outage is not a store outage (shop/cache.py, shop/breaker.py, shop/celery.py).

With the cache and the Celery broker pointed at a port where nothing listens, every page answers,
signing in works, an order is placed and a webhook taken; the tasks they queue wait in the
database and run once the broker is back. A Redis that accepts and never answers is asked once
per retry window, not once per operation. And when Redis comes back with what it held before
(it was unreachable, not restarted), nothing written during the outage is read back stale: a
session signed out during it stays signed out.
"""

import os
import socket
import threading
import uuid
from contextlib import suppress

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from oscar.core.loading import get_model

from cooperatives.models import BenefitEntry
from livestream.models import Host
from orders import statuses
from orders.payments.models import WebhookEvent
from shop import pagecache
from shop.breaker import Breaker
from shop.models import UnsentTask
from shop.tasks import send_unsent_tasks
from tests.conftest import configure_celery, require_service
from tests.factories import PASSWORD, MembershipFactory, UserFactory, make_order, make_product
from tests.livestream.conftest import new_session
from tests.orders.stripe_support import confirm, deliver, events_for
from tests.orders.test_checkout import GUEST

pytestmark = pytest.mark.django_db

Order = get_model("order", "Order")


# --- Servers that do not answer --------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Listener:
    """A server on a free port of 127.0.0.1 whose ``_accept`` runs in a thread."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()


class Silent(Listener):
    """Accepts connections and never answers (a hung Redis, or one behind a dead link)."""

    def __init__(self):
        self.accepted = []
        super().__init__()

    def _accept(self):
        with suppress(OSError):
            while True:
                self.accepted.append(self.sock.accept()[0])

    def close(self):
        self.sock.close()
        for conn in self.accepted:
            conn.close()


class Link(Listener):
    """A TCP link to a real server that can be cut and restored: a network outage, with the
    server keeping what it holds. While cut, connections are closed as soon as accepted."""

    def __init__(self, host, port):
        self.target = (host, port)
        self.up = True
        self.open = []
        super().__init__()

    def _accept(self):
        with suppress(OSError):
            while True:
                client, _ = self.sock.accept()
                if not self.up:
                    client.close()
                    continue
                server = socket.create_connection(self.target)
                self.open += [client, server]
                for a, b in ((client, server), (server, client)):
                    threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        with suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def cut(self):
        self.up = False
        for conn in self.open:
            with suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        self.open = []

    def restore(self):
        self.up = True

    def close(self):
        self.cut()
        self.sock.close()


def redis_cache(settings, url, *, retry_seconds=60.0, timeout=0.2):
    """Point the store's cache (and so its sessions) at ``url``."""
    settings.REDIS_URL = url
    settings.CACHES = {
        "default": {
            "BACKEND": "shop.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"test-outage-{uuid.uuid4().hex[:8]}",
            "OPTIONS": {
                "socket_connect_timeout": timeout,
                "socket_timeout": timeout,
                "retry_seconds": retry_seconds,
            },
        }
    }


@pytest.fixture
def carrots(cooperative):
    return make_product(cooperative, title="察右中旗胡萝卜 5斤装", price="29.90", num_in_stock=100)


@pytest.fixture
def host_user(cooperative):
    user = UserFactory(email="host@example.com")
    Host.objects.create(user=user).cooperatives.add(cooperative)
    return user


@pytest.fixture(autouse=True)
def fresh_breakers():
    """Each test starts with every service believed up (breakers are per process)."""
    Breaker._all.clear()
    yield
    Breaker._all.clear()


@pytest.fixture
def cache_down(settings):
    """Redis at a port where nothing listens; the page cache on, as in production."""
    redis_cache(settings, f"redis://127.0.0.1:{free_port()}/0")
    settings.PAGE_CACHE_SECONDS = 15


@pytest.fixture
def broker():
    """Point the Celery app at a broker for one test (``configure_celery``), then put back."""
    saved = {}

    def point_at(url, timeout=None):
        conf = {"task_always_eager": False, "broker_url": url}
        if timeout is not None:
            conf["broker_connection_timeout"] = timeout
            conf["broker_transport_options"] = {
                "socket_timeout": timeout,
                "socket_connect_timeout": timeout,
            }
        saved.update({k: v for k, v in configure_celery(**conf).items() if k not in saved})

    yield point_at
    configure_celery(**saved)


@pytest.fixture
def broker_down(broker):
    broker(f"redis://127.0.0.1:{free_port()}/0")


def broker_back():
    """The broker answers again: tasks are run as the unit tests' eager Celery runs them."""
    configure_celery(task_always_eager=True)


# --- Pages, sign-in, checkout and the webhook with Redis and the broker down -------------------


def test_every_main_page_answers_with_redis_and_the_broker_down(
    client, cache_down, broker_down, host_user, cooperative, carrots
):
    session = new_session(host_user, cooperative)
    pages = [
        reverse("home"),
        reverse("catalogue:index"),
        carrots.get_absolute_url(),
        reverse("livestream:list"),
        reverse("livestream:detail", kwargs={"pk": session.pk}),
        reverse("cooperatives:list"),
        reverse("customer:login"),
        reverse("basket:summary"),
        "/healthz",
    ]
    for _ in range(2):  # the first round finds Redis down, the second is served past it
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, url
            assert "X-Page-Cache" not in response  # nothing stored, nothing served from it


def test_readyz_names_the_cache_while_healthz_stays_live(client, cache_down):
    assert client.get("/healthz").status_code == 200  # liveness: the process and its database
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["cache"]
    assert body["cache"] == "error: ConnectionError" and body["database"] == "ok"


def test_signing_in_works_and_lasts_with_redis_down(client, cache_down, consumer):
    response = client.post(
        reverse("customer:login"),
        {"login-username": consumer.email, "login-password": PASSWORD, "login_submit": "登录"},
    )
    assert response.status_code == 302
    assert client.get("/accounts/profile/").status_code == 200  # the session, from the database
    assert client.get("/accounts/profile/").status_code == 200


def test_the_order_lookup_throttle_refuses_rather_than_stops_counting(client, cache_down):
    response = client.post(reverse("tracking:lookup"), {"number": "100001", "contact": "a@b.cn"})
    assert response.status_code == 200
    assert "订单查询暂时不可用" in response.content.decode()


def test_a_guest_places_an_order_with_redis_and_the_broker_down_and_is_emailed_later(
    client, cache_down, broker_down, cooperative, carrots, china, stripe_server,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    client.post(reverse("basket:add", kwargs={"pk": carrots.pk}), {"quantity": 2})
    token = str(client.get(reverse("checkout:index")).context["submission_token"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("checkout:index"),
            {"action": "place_order", "submission_token": token, **GUEST},
        )
    order = Order.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("payments:pay", kwargs={"number": order.number})
    assert order.status == statuses.PENDING_PAYMENT
    assert carrots.stockrecords.get().num_allocated == 2
    [unsent] = UnsentTask.objects.all()  # the order's after-commit task, kept
    assert unsent.name == "orders.tasks.after_order_placed" and unsent.args == [order.pk]
    assert unsent.error == "OperationalError"
    assert mail.outbox == []
    assert client.get(response.url).status_code == 200  # the payment page

    broker_back()
    assert send_unsent_tasks() == 1
    assert not UnsentTask.objects.exists()
    [email] = mail.outbox
    assert order.number in email.subject


def test_a_webhook_is_taken_with_the_broker_down_and_acted_on_once_it_is_back(
    client, cache_down, broker_down, cooperative, carrots, consumer, stripe_server,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    MembershipFactory(cooperative=cooperative)
    order = make_order([(carrots, 1)], user=consumer)
    buyer = Client()
    buyer.force_login(consumer)
    assert confirm(buyer, order).status_code == 200
    [event] = events_for(order.intents.get().intent_id, "payment_intent.succeeded")
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(Client(), event).status_code == 200
    stored = WebhookEvent.objects.get(event_id=event["id"])
    assert stored.processed is None
    [unsent] = UnsentTask.objects.all()
    assert unsent.name == "orders.payments.tasks.process_webhook_event"
    order.refresh_from_db()
    assert order.status == statuses.PENDING_PAYMENT

    broker_back()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_unsent_tasks() == 1
    order.refresh_from_db()
    assert order.status == statuses.PAID
    assert BenefitEntry.objects.filter(order_line__order=order).count() == 1


def test_tasks_after_the_first_failure_go_straight_to_the_database(
    broker, cooperative, carrots, consumer, django_capture_on_commit_callbacks
):
    """One refused publish trips the breaker: the next tasks are not offered to the broker."""
    silent = Silent()
    try:
        broker(f"redis://127.0.0.1:{silent.port}/0", timeout=0.2)
        orders = [make_order([(carrots, 1)], user=consumer) for _ in range(5)]
        from orders.emails import send_order_email

        with django_capture_on_commit_callbacks(execute=True):
            for order in orders:
                send_order_email.delay_on_commit(order.pk, "ORDER_PAID")
        connections = len(silent.accepted)
    finally:
        silent.close()
    kept = list(UnsentTask.objects.values_list("args", "error"))
    assert kept[0] == ([orders[0].pk, "ORDER_PAID"], "OperationalError")
    assert [error for _args, error in kept[1:]] == ["broker known to be down"] * 4
    assert 1 <= connections <= 2  # the first task's attempt and its one retry, then none


# --- A Redis that hangs is asked once per retry window ------------------------------------------


def test_a_hung_redis_is_asked_once_then_left_alone_until_the_retry(settings):
    silent = Silent()
    try:
        redis_cache(settings, f"redis://127.0.0.1:{silent.port}/0", retry_seconds=60)
        for n in range(20):
            assert cache.get(f"page-{n}") is None
            cache.set(f"page-{n}", "<html>", 30)
            assert cache.get_many(["a", "b"]) == {}
            with pytest.raises(ValueError):
                cache.incr("version")
        assert len(silent.accepted) == 1  # one connection timed out; 79 operations never tried
    finally:
        silent.close()


def test_after_the_retry_window_redis_is_tried_again(settings):
    silent = Silent()
    try:
        redis_cache(settings, f"redis://127.0.0.1:{silent.port}/0", retry_seconds=0)
        for n in range(3):
            assert cache.get(f"page-{n}") is None
        assert len(silent.accepted) == 3
    finally:
        silent.close()


# --- Redis coming back ---------------------------------------------------------------------------


@pytest.fixture
def link(settings):
    """The store's cache reached through a link to the machine's Redis that tests cut."""
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    import redis

    try:
        up = redis.Redis.from_url(url, socket_timeout=2).ping()
    except redis.RedisError:
        up = False
    require_service(up, f"needs Redis at {url}")
    parsed = redis.connection.parse_url(url)
    link = Link(parsed.get("host", "127.0.0.1"), parsed.get("port", 6379))
    db = parsed.get("db", 0)
    redis_cache(settings, f"redis://127.0.0.1:{link.port}/{db}", retry_seconds=0)
    yield link
    link.close()


def signed_in_client(user) -> Client:
    client = Client()
    response = client.post(
        reverse("customer:login"),
        {"login-username": user.email, "login-password": PASSWORD, "login_submit": "登录"},
    )
    assert response.status_code == 302
    return client


def is_signed_in(client) -> bool:
    return client.get("/accounts/profile/").status_code == 200


@pytest.mark.redis
def test_nobody_signed_in_is_signed_out_by_an_outage_and_a_sign_out_during_it_holds(
    link, consumer, settings
):
    buyer = signed_in_client(consumer)
    copied = Client()  # the same session cookie in another browser (say, a shared computer's)
    name = settings.SESSION_COOKIE_NAME
    copied.cookies[name] = buyer.cookies[name].value
    before = pagecache.version()

    link.cut()
    assert is_signed_in(buyer)  # read from the database
    buyer.get(reverse("customer:logout"))  # signs out: the session's cache entry is not deleted
    assert not is_signed_in(buyer)

    link.restore()
    # Redis still holds the signed-in session; the first operation deletes it before anything
    # reads it, so the copied cookie is not signed in again
    assert not is_signed_in(copied)
    assert pagecache.version() != before  # pages rendered before the outage are not served


@pytest.mark.redis
def test_a_session_changed_during_the_outage_is_read_back_as_changed(link, consumer):
    buyer = signed_in_client(consumer)
    session = buyer.session
    session["note"] = "before"
    session.save()  # written through to Redis

    link.cut()
    session = buyer.session  # loaded from the database
    session["note"] = "during"
    session.save()  # the database has it; Redis still has "before"

    link.restore()
    assert buyer.session["note"] == "during"
    assert is_signed_in(buyer)
