"""A real Celery worker on Redis processes a Stripe webhook event end to end (PostgreSQL, since the
worker is another process and must see the test's committed rows)."""

import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager

import pytest
from django.db import connection
from oscar.core.loading import get_model

from cooperatives.models import BenefitEntry
from orders import statuses
from orders.payments.models import WebhookEvent
from shop.celery import app
from tests.conftest import configure_celery, require_service
from tests.factories import MembershipFactory, make_order, make_product

from .stripe_support import pay

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
WAIT_SECONDS = 180


def redis_is_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping())
    except redis.RedisError:
        return False


@contextmanager
def celery_worker(stripe_server, tmp_path, conn_max_age):
    require_service(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL)")
    require_service(redis_is_up(), f"needs Redis at {REDIS_URL}")
    db = connection.settings_dict
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": REDIS_URL,
        "CELERY_QUEUE": queue,
        "STRIPE_API_BASE": stripe_server,
        "CONN_MAX_AGE": conn_max_age,
    }
    log = tmp_path / "worker.log"
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "shop",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    previous = configure_celery(
        task_always_eager=False, broker_url=REDIS_URL, task_default_queue=queue
    )
    try:
        yield process, log
    finally:
        configure_celery(**previous)
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def worker(stripe_server, tmp_path):
    with celery_worker(stripe_server, tmp_path, conn_max_age="0") as started:
        yield started


def wait_until(condition, process, log, seconds=WAIT_SECONDS):
    """Poll for the event itself, failing early if the worker died; the ceiling is generous
    (CI machines are shared and busy), not a timing."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        assert process is None or process.poll() is None, log.read_text()
        time.sleep(0.3)
    return False


def other_backends() -> int:
    """Connections to the test database besides this test's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def sessions_opened() -> int:
    """Connections ever made to the test database (PostgreSQL counts them)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def test_a_real_worker_makes_the_order_paid_from_the_webhook(worker, cooperative, consumer):
    process, log = worker
    MembershipFactory(cooperative=cooperative)
    carrots = make_product(cooperative, title="察右中旗胡萝卜", price="29.90")
    order = make_order([(carrots, 1)], user=consumer)

    pay(order)  # the webhook is stored and its task queued on Redis; nothing done in-process

    def paid_and_posted():
        order.refresh_from_db()
        return (
            order.status == statuses.PAID
            and BenefitEntry.objects.filter(order_line__order=order).exists()
        )

    wait_until(paid_and_posted, process, log)
    assert order.status == statuses.PAID, log.read_text()[-3000:]
    assert order.sources.get().reference.startswith("pi_")
    assert BenefitEntry.objects.filter(order_line__order=order).count() == 1
    text = log.read_text()
    assert "Task orders.payments.tasks.process_webhook_event[" in text  # taken by the worker
    event = WebhookEvent.objects.get()
    assert event.outcome == "paid" and event.processed is not None


def test_a_worker_keeps_its_database_connection_from_task_to_task(
    stripe_server, tmp_path, cooperative, consumer
):
    """With CONN_MAX_AGE a worker uses one connection for many tasks, as a web worker does for
    many requests (Celery's fixup would open one for every task: two per flash-sale order)."""
    from orders.emails import send_order_email

    CommunicationEvent = get_model("order", "CommunicationEvent")

    carrots = make_product(cooperative, title="察右中旗胡萝卜", price="29.90")
    orders = [make_order([(carrots, 1)], user=consumer) for _ in range(6)]
    with celery_worker(stripe_server, tmp_path, conn_max_age="60") as (process, log):
        # the worker is up (it answers a ping) before the connections are counted
        assert wait_until(lambda: app.control.ping(timeout=0.5), process, log), log.read_text()
        before = sessions_opened()
        for order in orders:
            send_order_email.delay(order.pk, "ORDER_PLACED")
        emailed = CommunicationEvent.objects.filter(
            order__in=orders, event_type__code="ORDER_PLACED"
        )
        assert wait_until(lambda: emailed.count() == len(orders), process, log), log.read_text()
    # the worker has exited; PostgreSQL counts a session when its backend ends
    assert wait_until(lambda: other_backends() == 0, None, log), "the worker's backends linger"
    opened = sessions_opened() - before
    assert "Traceback" not in log.read_text()
    # six tasks, each reading its order and writing its email: one connection (or two, should
    # the health check have found the first broken), not six or twelve
    assert opened <= 2, (opened, log.read_text()[-3000:])
